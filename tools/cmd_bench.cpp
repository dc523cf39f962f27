// alphatensor bench TARGET: prints measured figures (speed goals live here, not in tests).
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/isa.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {

double time_per_call(const std::function<void()>& f, double min_seconds, bool warm_up) {
  using clock = std::chrono::steady_clock;
  if (warm_up) f();
  long calls = 0;
  const auto start = clock::now();
  double elapsed = 0;
  long batch = 1;
  do {  // at least one timed call: --seconds 0 still gives a figure
    for (long i = 0; i < batch; ++i) f();
    calls += batch;
    batch *= 2;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < min_seconds);
  return elapsed / double(calls);
}

void report(bool json, const std::string& bench, const std::string& name, double value, const std::string& unit) {
  // Every figure depends on the CPU path the hot loops run (core/isa.hpp): named before the first.
  static std::once_flag path_named;
  std::call_once(path_named, [&] {
    const char* isa = isa_name(active_isa());
    if (json) std::cout << nlohmann::json{{"bench", bench}, {"name", "CPU path"}, {"value", isa}}.dump() << "\n";
    else std::cout << bench << " CPU path: " << isa << "\n";
  });
  if (json) std::cout << nlohmann::json{{"bench", bench}, {"name", name}, {"value", value}, {"unit", unit}}.dump() << "\n";
  else std::cout << bench << " " << name << ": " << value << " " << unit << "\n";
  std::cout.flush();
}

int cmd_bench(const std::vector<std::string>& args) {
  struct Target { const char* name; int (*run)(const std::vector<std::string>&); const char* what; };
  static const Target targets[] = {
      {"core", bench_core, "exact verification and game steps"},
      {"mcts", bench_mcts, "search simulations/s, batching, memory per node"},
      {"nn", bench_nn, "network inference and training step on the CPU backend"},
      {"scheme", bench_scheme, "a scheme as a fast matrix multiply against Eigen alone"},
      {"improve", bench_improve, "flip-graph flips/s, time from naive to rank 7 (2x2x2) and 23 (3x3x3) over GF(2) and GF(3)"},
      {"mpi", bench_mpi, "under an MPI launcher: train self-play games/s and learner idle, broadcast of the paper network's weights, improve flips/s over the ranks"},
      {"report", bench_report, "reading a one-million-line metrics.jsonl and writing its page; the page's size"},
  };
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::ostream& o = args.empty() ? std::cerr : std::cout;
    o << "Usage: alphatensor bench TARGET [options]   (alphatensor bench TARGET --help)\n\nTargets:\n";
    for (const Target& t : targets) o << "  " << t.name << "  " << t.what << "\n";
    return args.empty() ? kUsage : kOk;
  }
  for (const Target& t : targets)
    if (args[0] == t.name) return t.run(std::vector<std::string>(args.begin() + 1, args.end()));
  throw UsageError("unknown bench target '" + args[0] + "'");
}

}  // namespace at::cli
