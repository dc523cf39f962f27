// alphatensor bench scheme SCHEME: the scheme's block plan run in-process (codegen/executor, the
// plan the emitted sources run) against Eigen alone with the same threads, for each size and
// number of levels: time (best and median of --repeat runs), GFLOP/s counting 2n^3, speedup and
// relative error against a double-precision reference on sampled rows.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <functional>
#include <string>
#include <iostream>
#include <sstream>

#include "codegen/executor.hpp"
#include "core/rng.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {

namespace {

std::vector<int> int_list(const std::string& text, const char* option, int min_value) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      const int v = std::stoi(item, &used);
      if (used != item.size() || v < min_value) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (const std::exception&) {
      throw UsageError(std::string("--") + option + ": '" + item + "' is not an integer >= " + std::to_string(min_value));
    }
  }
  if (out.empty()) throw UsageError(std::string("--") + option + " is empty");
  return out;
}

struct Seconds {
  double wall, cpu;  // cpu: of this process, all threads (less sensitive to other processes' load)
};

double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

Seconds seconds(const std::function<void()>& f) {
  const double c0 = process_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), process_cpu_seconds() - c0};
}

// ||C - R|| / ||R|| over the sampled rows (R: double-precision reference rows, in `rows` order).
double relative_error(const std::vector<float>& C, const std::vector<float>& R, const std::vector<int>& rows, int n) {
  double num = 0, den = 0;
  for (size_t s = 0; s < rows.size(); ++s)
    for (int k = 0; k < n; ++k) {
      const double r = R[s * size_t(n) + size_t(k)], c = C[size_t(rows[s]) * size_t(n) + size_t(k)];
      num += (c - r) * (c - r);
      den += r * r;
    }
  return std::sqrt(num / den);
}

}  // namespace

int bench_scheme(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("scheme", po::value<std::string>()->required(), "scheme file (.json or .exp), over Z or Q")(
      "n", po::value<std::string>()->default_value("2048,4096"), "square sizes n (A, B, C are n x n)")(
      "levels", po::value<std::string>()->default_value("1,2"), "recursion levels to measure")(
      "threads", po::value<int>()->default_value(0), "threads for both (0: all cores / SLURM_CPUS_PER_TASK)")(
      "repeat", po::value<int>()->default_value(3), "timed runs per case (best and median printed)")(
      "check-rows", po::value<int>()->default_value(64), "rows of C checked against the double reference")(
      "cse-min-uses", po::value<int>()->default_value(2), "a repeated pair becomes a temporary from this many uses")(
      "json", po::bool_switch(), "JSON lines");
  po::positional_options_description pos;
  pos.add("scheme", 1);
  po::variables_map vm;
  if (!parse("bench scheme", "SCHEME [--n 2048,4096] [--levels 1,2] [--threads T] [--repeat K] [--json]", args, opts,
             pos, vm))
    return kOk;
  const std::vector<int> sizes = int_list(vm["n"].as<std::string>(), "n", 1);
  const std::vector<int> levels = int_list(vm["levels"].as<std::string>(), "levels", 0);
  const int repeat = vm["repeat"].as<int>();
  if (repeat < 1) throw UsageError("--repeat must be >= 1");
  const bool json = vm["json"].as<bool>();
  const std::string path = vm["scheme"].as<std::string>();
  const Scheme s = codegen::read_real_scheme(path);
  codegen::PlanOptions po_;
  po_.cse_min_uses = vm["cse-min-uses"].as<int>();
  codegen::Executor ex(codegen::build_plan(s, po_), vm["threads"].as<int>());
  const codegen::PlanCost cost = codegen::plan_cost(s, ex.plan());
  const std::string tag = s.format.str() + " rank " + std::to_string(s.rank());
  std::cout << "# " << path << ": " << tag << ", " << ex.threads() << " thread(s), block additions per level "
            << cost.plan_additions << " (naive " << cost.naive_additions << "), " << repeat
            << " runs per case; error against double precision on " << vm["check-rows"].as<int>() << " rows of C"
            << std::endl;

  for (const int n : sizes) {
    const size_t count = size_t(n) * size_t(n);
    std::vector<float> A(count), B(count), C(count);  // row-major n x n
    Rng rng{uint64_t(n)};
    for (float& x : A) x = float(rng.uniform01() * 2 - 1);
    for (float& x : B) x = float(rng.uniform01() * 2 - 1);
    std::vector<int> rows;  // sampled rows of C, evenly spread, first and last included
    const int check = std::max(1, std::min(n, vm["check-rows"].as<int>()));
    for (int r = 0; r < check; ++r) rows.push_back(check == 1 ? 0 : int(long(r) * (n - 1) / (check - 1)));
    std::vector<float> R(rows.size() * size_t(n));
    for (size_t r = 0; r < rows.size(); ++r)
      codegen::reference_multiply({A.data() + size_t(rows[r]) * size_t(n), n}, {B.data(), n},
                                  {R.data() + r * size_t(n), n}, 1, n, n);
    const double flop = 2.0 * double(n) * double(n) * double(n);
    const std::string size_tag = "n=" + std::to_string(n);

    // Variant 0 is Eigen alone (no level of the scheme); then each requested level count. The
    // variants run in turns, round after round, so that load from other processes on the machine
    // hits them alike. The first round is an untimed warm-up (workspace, page faults); its result
    // gives the error.
    std::vector<int> variants{0};
    for (const int L : levels)
      if (L > 0) variants.push_back(L);
    std::vector<std::vector<double>> wall(variants.size()), cpu(variants.size());
    std::vector<double> errors(variants.size());
    for (int round = 0; round <= repeat; ++round)
      for (size_t v = 0; v < variants.size(); ++v) {
        const Seconds t = seconds([&] { ex.multiply({A.data(), n}, {B.data(), n}, {C.data(), n}, n, n, n, variants[v]); });
        if (round == 0) {
          errors[v] = relative_error(C, R, rows, n);
        } else {
          wall[v].push_back(t.wall);
          cpu[v].push_back(t.cpu);
        }
      }
    for (size_t v = 0; v < variants.size(); ++v) {
      std::sort(wall[v].begin(), wall[v].end());
      std::sort(cpu[v].begin(), cpu[v].end());
    }
    auto median = [](const std::vector<double>& t) { return t[t.size() / 2]; };
    for (size_t v = 0; v < variants.size(); ++v) {
      const std::string name = variants[v] == 0 ? "Eigen alone " + size_tag
                                                 : tag + " " + size_tag + " levels=" + std::to_string(variants[v]);
      report(json, "scheme", name + " best", wall[v].front(), "s");
      report(json, "scheme", name + " median", median(wall[v]), "s");
      report(json, "scheme", name + " rate (best)", flop / wall[v].front() * 1e-9, "GFLOP/s");
      report(json, "scheme", name + " cpu time (best)", cpu[v].front(), "s");
      if (v > 0) {
        report(json, "scheme", name + " speedup over Eigen (best/best)", wall[0].front() / wall[v].front(), "x");
        report(json, "scheme", name + " speedup over Eigen (median/median)", median(wall[0]) / median(wall[v]), "x");
        report(json, "scheme", name + " cpu-time ratio Eigen/scheme (best)", cpu[0].front() / cpu[v].front(), "x");
      }
      report(json, "scheme", name + " relative error", errors[v], "");
    }
  }
  return kOk;
}

}  // namespace at::cli
