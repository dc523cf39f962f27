// alphatensor bench scheme SCHEME...: each scheme's block plan run in-process (codegen/executor,
// the plan the emitted sources run) against Eigen alone with the same threads and the same
// matrices, for each size and number of levels: time (median, best and worst of --repeat runs),
// GFLOP/s counting 2n^3, speedup and relative error against a double-precision reference on
// sampled rows. With several schemes each is also compared with the first.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <iostream>
#include <memory>
#include <sstream>

#include "codegen/timing.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"
#include "tools/runtime_options.hpp"

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

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int bench_scheme(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("scheme", po::value<std::vector<std::string>>()->required(),
                     "scheme files (.json or .exp), over Z or Q; several are timed in turns on the same matrices")(
      "n", po::value<std::string>()->default_value("2048,4096"), "square sizes n (A, B, C are n x n)")(
      "levels", po::value<std::string>()->default_value("1,2"), "recursion levels to measure")(
      "threads", po::value<int>()->default_value(0), "threads for both (0: all cores / SLURM_CPUS_PER_TASK)")(
      "repeat", po::value<int>()->default_value(5), "timed runs per case (median, best and worst printed)")(
      "check-rows", po::value<int>()->default_value(64), "rows of C checked against the double reference")(
      "model", po::bool_switch(),
      "also time, in the same rounds, each plan's linear passes alone (base multiplies left out) and one "
      "innermost block multiply; prints the cost model rank^levels x block multiply + passes against the "
      "measured time, and the passes' time per block read/write")(
      "json", po::bool_switch(), "JSON lines");
  opts.add(plan_options());
  po::positional_options_description pos;
  pos.add("scheme", -1);
  po::variables_map vm;
  if (!parse("bench scheme", "SCHEME... [--n 2048,4096] [--levels 1,2] [--threads T] [--repeat K] [--json]", args, opts,
             pos, vm))
    return kOk;
  const std::vector<int> sizes = int_list(vm["n"].as<std::string>(), "n", 1);
  const std::vector<int> levels = int_list(vm["levels"].as<std::string>(), "levels", 0);
  const int repeat = vm["repeat"].as<int>();
  if (repeat < 1) throw UsageError("--repeat must be >= 1");
  const bool json = vm["json"].as<bool>();
  const bool model = vm["model"].as<bool>();
  const codegen::PlanOptions po_ = read_plan_options(vm);
  std::vector<std::string> tags;
  std::vector<long> traffic;  // per scheme: block reads+writes of one level
  std::vector<Scheme> schemes;  // all read (and checked) before anything is printed or allocated
  const std::vector<std::string> paths = vm["scheme"].as<std::vector<std::string>>();
  for (const std::string& path : paths) schemes.push_back(codegen::read_real_scheme(path));
  std::vector<std::unique_ptr<codegen::Executor>> executors;  // one per scheme (each keeps its workspace)
  for (size_t i = 0; i < schemes.size(); ++i) {
    const Scheme& s = schemes[i];
    executors.push_back(std::make_unique<codegen::Executor>(codegen::build_plan(s, po_), vm["threads"].as<int>()));
    const codegen::PlanCost cost = codegen::plan_cost(s, executors.back()->plan());
    traffic.push_back(cost.block_passes);
    tags.push_back(s.format.str() + " rank " + std::to_string(s.rank()) + " " + base_name(paths[i]));
    std::cout << "# " << paths[i] << ": " << tags.back() << ", block additions per level " << cost.plan_additions
              << " (naive " << cost.naive_additions << "), block reads+writes " << cost.block_passes << std::endl;
  }
  std::cout << "# " << executors[0]->threads() << " thread(s), " << repeat
            << " timed runs per case after a warm-up; error against double precision on "
            << vm["check-rows"].as<int>() << " rows of C" << std::endl;

  for (const int n : sizes) {
    const size_t count = size_t(n) * size_t(n);
    std::vector<float> A, B, C(count);  // row-major n x n
    codegen::random_operands(n, &A, &B);
    std::vector<int> rows;  // sampled rows of C, evenly spread, first and last included
    const int check = std::max(1, std::min(n, vm["check-rows"].as<int>()));
    for (int r = 0; r < check; ++r) rows.push_back(check == 1 ? 0 : int(long(r) * (n - 1) / (check - 1)));
    std::vector<float> R(rows.size() * size_t(n));
    for (size_t r = 0; r < rows.size(); ++r)
      codegen::reference_multiply({A.data() + size_t(rows[r]) * size_t(n), n}, {B.data(), n},
                                  {R.data() + r * size_t(n), n}, 1, n, n);
    const double flop = 2.0 * double(n) * double(n) * double(n);
    const std::string size_tag = "n=" + std::to_string(n);

    // Variant 0 is Eigen alone (no level of the scheme); then each scheme at each requested level
    // count. The variants run in turns, round after round, so that load from other processes on
    // the machine hits them alike. The first round is an untimed warm-up (workspace, page faults);
    // its result gives the error.
    // With --model each scheme and level count also gets its passes alone and one innermost block
    // multiply (bn x bm x bp after `levels` splits) in the same rounds.
    enum class Part { whole, passes, block };
    struct Variant {
      size_t scheme;
      int levels;
      Part part = Part::whole;
    };
    std::vector<Variant> variants{{0, 0}};
    for (size_t e = 0; e < executors.size(); ++e)
      for (const int L : levels)
        if (L > 0) {
          variants.push_back({e, L});
          if (model) variants.push_back({e, L, Part::passes}), variants.push_back({e, L, Part::block});
        }
    std::vector<std::function<void()>> runs;
    for (const Variant& x : variants)
      runs.push_back([&, x] {
        codegen::Executor& e = *executors[x.scheme];
        const Format& f = e.plan().split;
        int bn = n, bm = n, bp = n;
        for (int l = 0; l < x.levels; ++l) bn /= f.n, bm /= f.m, bp /= f.p;
        if (x.part == Part::passes) e.multiply_passes({A.data(), n}, {B.data(), n}, {C.data(), n}, n, n, n, x.levels);
        else if (x.part == Part::block) e.multiply({A.data(), n}, {B.data(), n}, {C.data(), n}, bn, bm, bp, 0);
        else e.multiply({A.data(), n}, {B.data(), n}, {C.data(), n}, n, n, n, x.levels);
      });
    std::vector<double> errors(variants.size());
    const auto times = codegen::time_in_turns(runs, repeat, [&](size_t v) { errors[v] = relative_error(C, R, rows, n); });
    std::vector<std::vector<double>> wall, cpu;
    for (const auto& t : times) wall.push_back(codegen::walls(t)), cpu.push_back(codegen::cpus(t));
    const auto median = codegen::median_of_sorted;
    for (size_t v = 0; v < variants.size(); ++v) {
      const Variant& x = variants[v];
      if (x.part != Part::whole) continue;
      const std::string name = x.levels == 0 ? "Eigen alone " + size_tag
                                             : tags[x.scheme] + " " + size_tag + " levels=" + std::to_string(x.levels);
      report(json, "scheme", name + " median", median(wall[v]), "s");
      report(json, "scheme", name + " best", wall[v].front(), "s");
      report(json, "scheme", name + " worst", wall[v].back(), "s");
      report(json, "scheme", name + " rate (median)", flop / median(wall[v]) * 1e-9, "GFLOP/s");
      report(json, "scheme", name + " cpu time (median)", median(cpu[v]), "s");
      if (v > 0) {
        report(json, "scheme", name + " speedup over Eigen (median/median)", median(wall[0]) / median(wall[v]), "x");
        report(json, "scheme", name + " speedup over Eigen (best/best)", wall[0].front() / wall[v].front(), "x");
        report(json, "scheme", name + " cpu-time ratio Eigen/scheme (median)", median(cpu[0]) / median(cpu[v]), "x");
      }
      if (x.scheme > 0) {  // the same level count of the first scheme is variant 1 + index of x.levels
        const size_t first = 1 + size_t(std::find_if(variants.begin() + 1, variants.end(), [&](const Variant& y) {
                                           return y.levels == x.levels && y.part == Part::whole;
                                         }) - (variants.begin() + 1));
        report(json, "scheme", name + " speedup over " + tags[0] + " (median/median)", median(wall[first]) / median(wall[v]), "x");
      }
      if (model && x.levels > 0) {  // variants v+1 (passes alone) and v+2 (block multiply)
        const double rank_l = std::pow(double(schemes[x.scheme].rank()), x.levels);
        const double predicted = rank_l * median(wall[v + 2]) + median(wall[v + 1]);
        const double predicted_cpu = rank_l * median(cpu[v + 2]) + median(cpu[v + 1]);
        report(json, "scheme", name + " passes alone (median)", median(wall[v + 1]), "s");
        report(json, "scheme", name + " passes alone cpu time (median)", median(cpu[v + 1]), "s");
        if (x.levels == 1)
          report(json, "scheme", name + " passes alone cpu time per block read/write", 1e3 * median(cpu[v + 1]) / double(traffic[x.scheme]), "ms");
        report(json, "scheme", name + " block multiply (median)", median(wall[v + 2]), "s");
        report(json, "scheme", name + " model rank^levels x block multiply + passes alone", predicted, "s");
        report(json, "scheme", name + " model / measured (median)", predicted / median(wall[v]), "x");
        report(json, "scheme", name + " model / measured (cpu time)", predicted_cpu / median(cpu[v]), "x");
      }
      report(json, "scheme", name + " relative error", errors[v], "");
    }
  }
  return kOk;
}

}  // namespace at::cli
