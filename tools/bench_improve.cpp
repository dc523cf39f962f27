// alphatensor bench improve: flip-graph speed (flips/s per thread; with cyclic symmetry, flips of
// orbits, each three flips of the full scheme) and time from the naive scheme to rank 7 (2x2x2)
// and 23 (3x3x3) over GF(2) and GF(3) (and 23 mod 2 with symmetry), one thread, median of several seeds.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <unistd.h>
#include <tbb/global_control.h>
#include <thread>

#include "core/builtin.hpp"
#include "improve/search.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

struct Timed {
  double seconds;
  long flips;
  int rank;
};

// One search on `threads` threads, stopped after `limit` seconds at the latest.
Timed timed_search(const Scheme& start, const improve::SearchOptions& o, int threads, double limit) {
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, size_t(threads));
  improve::SearchProgress progress;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  std::thread clock([&] {
    while (!progress.stop.load() && elapsed() < limit) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    progress.stop.store(true);
  });
  const Scheme best = improve::search(start, o, progress);
  const double t = elapsed();
  progress.stop.store(true);
  clock.join();
  return {t, progress.flips.load(), best.rank()};
}

// Seconds for the whole `alphatensor improve` process (start-up, search, verified writes, exit) to
// reach `rank` from the naive scheme on one thread, or -1 if it did not.
double whole_process(const Format& f, Field field, int rank, Symmetry symmetry, int seed, double limit) {
  char dir[] = "/tmp/alphatensor_bench_XXXXXX";
  if (!::mkdtemp(dir)) throw std::runtime_error("cannot create a temporary folder");
  const std::string d = dir;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) throw std::runtime_error("cannot find the alphatensor binary");
  const std::string cmd = std::string(self, size_t(n)) + " improve --format " + std::to_string(f.n) + "," + std::to_string(f.m) + "," +
                          std::to_string(f.p) + " --field " + field_name(field) + " --target-rank " + std::to_string(rank) + " --threads 1 --seed " +
                          std::to_string(seed) + " --symmetry " + symmetry_name(symmetry) + " --time-limit " + std::to_string(limit) +
                          "s --out " + d + " > /dev/null";
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = std::system(cmd.c_str());
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string file = d + "/schemes/" + f.str() + "_r" + std::to_string(rank) + "_" + field_name(field) + ".json";
  const bool reached = rc == 0 && ::access(file.c_str(), F_OK) == 0;
  if (std::system(("rm -rf " + d).c_str()) != 0) throw std::runtime_error("cannot remove " + d);
  return reached ? t : -1;
}

}  // namespace

int bench_improve(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("seconds", po::value<double>()->default_value(2.0), "duration of each flips/s measurement")
      ("seeds", po::value<int>()->default_value(5), "seeds per time-to-rank figure (median reported)")
      ("limit", po::value<double>()->default_value(60.0), "give up a time-to-rank run after this many seconds")
      ("threads", po::value<int>()->default_value(0), "threads for the parallel flips/s figure (0: all cores)")
      ("json", po::bool_switch(), "JSON lines");
  po::variables_map vm;
  if (!parse("bench improve", "[--seconds S] [--seeds N] [--limit S] [--threads N] [--json]", args, opts, {}, vm))
    return kOk;
  const double secs = vm["seconds"].as<double>(), limit = vm["limit"].as<double>();
  const int seeds = std::max(1, vm["seeds"].as<int>());
  const int threads = vm["threads"].as<int>() > 0 ? vm["threads"].as<int>() : int(std::max(1u, std::thread::hardware_concurrency()));
  const bool json = vm["json"].as<bool>();

  // Flips per second on the 4x4x4 plateau (from the naive scheme; the first ranks go fast).
  const Scheme naive444 = naive_scheme(Format{4, 4, 4});
  for (Field field : {Field::Z2, Field::Z3, Field::Z}) {
    improve::SearchOptions o;
    o.field = field;
    for (int t : {1, threads}) {
      o.pool_size = std::max(8, t);
      const Timed r = timed_search(naive444, o, t, secs);
      report(json, "improve", "flips/s per thread, 4x4x4 over " + field_name(field) + ", " + std::to_string(t) + " thread(s)",
             double(r.flips) / r.seconds / t, "flips/s");
      if (t == threads) break;
    }
    o.symmetry = Symmetry::Cyclic;  // 4 fixed terms and 20 orbits
    o.pool_size = 8;
    const Timed r = timed_search(naive444, o, 1, secs);
    report(json, "improve", "orbit flips/s, 4x4x4 with cyclic symmetry over " + field_name(field) + ", 1 thread",
           double(r.flips) / r.seconds, "flips/s");
  }

  // Time from the naive scheme to a target rank over GF(2) and GF(3), one thread (includes setup).
  struct Goal {
    Format format;
    Field field;
    int rank;
    Symmetry symmetry = Symmetry::None;
  };
  for (const Goal& g : {Goal{{2, 2, 2}, Field::Z2, 7}, Goal{{3, 3, 3}, Field::Z2, 23}, Goal{{2, 2, 2}, Field::Z3, 7},
                        Goal{{3, 3, 3}, Field::Z3, 23}, Goal{{3, 3, 3}, Field::Z2, 23, Symmetry::Cyclic}}) {
    std::vector<double> times;
    int reached = 0;
    for (int s = 1; s <= seeds; ++s) {
      improve::SearchOptions o;
      o.field = g.field;
      o.target_rank = g.rank;
      o.seed = uint64_t(s);
      o.pool_size = g.symmetry == Symmetry::Cyclic ? 8 : 1;  // as improve's default: one symmetric walk often stalls
      o.symmetry = g.symmetry;
      const Timed r = timed_search(naive_scheme(g.format), o, 1, limit);
      reached += r.rank <= g.rank;
      times.push_back(r.rank <= g.rank ? r.seconds : limit);
    }
    std::vector<double> process;
    int process_reached = 0;
    for (int s = 1; s <= seeds; ++s) {
      const double t = whole_process(g.format, g.field, g.rank, g.symmetry, s, limit);
      process_reached += t >= 0;
      process.push_back(t >= 0 ? t : limit);
    }
    const std::string name = g.format.str() + (g.field == Field::Z2 ? " GF(2)" : " GF(3)") + " naive to rank " + std::to_string(g.rank) +
                             (g.symmetry == Symmetry::Cyclic ? " with cyclic symmetry" : "") + ", 1 thread";
    for (auto* v : {&times, &process}) {
      const std::string kind = v == &times ? " (in process)" : " (whole improve process, files written)";
      std::sort(v->begin(), v->end());
      report(json, "improve", name + kind + ", median of " + std::to_string(seeds) + " seeds", (*v)[v->size() / 2] * 1e3, "ms");
      report(json, "improve", name + kind + ", slowest seed", v->back() * 1e3, "ms");
      report(json, "improve", name + kind + ", seeds reaching it within " + std::to_string(int(limit)) + " s",
             v == &times ? reached : process_reached, "seeds");
    }
  }
  return kOk;
}

}  // namespace at::cli
