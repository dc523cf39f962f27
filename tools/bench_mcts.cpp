// alphatensor bench mcts: search throughput (simulations/s with 1 and 2 threads, independent games
// and one tree searched in parallel), batching
// (evaluations/s, mean batch) and memory per node, with the deterministic fake network so that
// the figures measure the search itself; with --network PRESET, the same with the real network
// (CPU backend) as train plays: games in flight batched per network replica.
#include <dirent.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mcts/fake_networks.hpp"
#include "mcts/neural.hpp"
#include "mcts/selfplay.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

using bench_clock = std::chrono::steady_clock;

// Confines every thread of the process to the first `n` CPUs it may use (threads started later
// inherit it), so that a "1 thread" figure cannot borrow a second core for its waiting game
// threads; the destructor restores the mask.
class CpuLimit {
 public:
  explicit CpuLimit(int n) {
    if (sched_getaffinity(0, sizeof(saved_), &saved_) != 0) return;
    cpu_set_t want;
    CPU_ZERO(&want);
    for (int c = 0, taken = 0; c < CPU_SETSIZE && taken < n; ++c)
      if (CPU_ISSET(c, &saved_)) {
        CPU_SET(c, &want);
        ++taken;
      }
    ok_ = apply(want);
  }
  ~CpuLimit() {
    if (ok_) apply(saved_);
  }
  CpuLimit(const CpuLimit&) = delete;
  CpuLimit& operator=(const CpuLimit&) = delete;

 private:
  static bool apply(const cpu_set_t& set) {
    DIR* d = opendir("/proc/self/task");
    if (!d) return sched_setaffinity(0, sizeof(set), &set) == 0;
    while (const dirent* e = readdir(d))
      if (e->d_name[0] != '.') sched_setaffinity(pid_t(std::atoi(e->d_name)), sizeof(set), &set);
    closedir(d);
    return true;
  }
  cpu_set_t saved_{};
  bool ok_ = false;
};

// Self-play with the real network of `preset` on `threads` CPUs: `games` games in flight, their
// queries batched per replica (replicas single-threaded networks; 1: one network whose ops use
// the threads). Simulations/s and games/s.
struct RealRate {
  double sims = 0, games = 0, batch = 0;
};
RealRate real_selfplay(nn::Network& net, const TensorI8& start, const GameConfig& game, const mcts::SearchConfig& cfg,
                       int samples, int games, int threads, int replicas) {
  const CpuLimit limit(threads);
  tbb::task_arena arena(threads);
  mcts::NeuralReplicas nets(net, replicas, samples, 1.0, &arena);
  const std::unique_ptr<mcts::Evaluator> evaluator = nets.evaluator(games, std::chrono::microseconds(2000));
  mcts::Evaluator& eval = *evaluator;
  const std::vector<TensorI8> starts(size_t(games), start);
  const auto t0 = bench_clock::now();
  const auto played = mcts::play_games(starts, game, cfg, eval, 5, games, false);
  const double secs = std::chrono::duration<double>(bench_clock::now() - t0).count();
  long sims = 0;
  for (const auto& g : played) sims += g.search.simulations;
  return {double(sims) / secs, double(played.size()) / secs, eval.stats().mean_batch()};
}

// One tree searched by `threads` workers with the real network, one replica per worker. Games
// (seeds 3, 4, ...) follow each other for at least a second: one game of a few simulations per
// move lasts ~0.1 s, and its rate varied by ±8% from run to run.
double real_tree(nn::Network& net, const TensorI8& start, const GameConfig& game, mcts::SearchConfig cfg, int samples,
                 int threads) {
  const CpuLimit limit(threads);
  tbb::task_arena arena(threads);
  mcts::NeuralReplicas nets(net, threads, samples, 1.0, &arena);
  const std::unique_ptr<mcts::Evaluator> evaluator = nets.evaluator(threads, std::chrono::microseconds(200));
  mcts::Evaluator& eval = *evaluator;
  cfg.threads = threads;
  const auto t0 = bench_clock::now();
  long sims = 0;
  double secs = 0;
  for (uint64_t seed = 3; secs < 1.0; ++seed) {
    sims += mcts::play_game(start, game, cfg, eval, seed, false).search.simulations;
    secs = std::chrono::duration<double>(bench_clock::now() - t0).count();
  }
  return double(sims) / secs;
}

void bench_real(const std::string& preset, const Format& f, GameConfig game, const mcts::SearchConfig& cfg, int samples,
                int games, bool json) {
  const int S = std::max({f.a_size(), f.b_size(), f.c_size()});
  nn::ModelConfig mc;
  try {
    mc = nn::make_config(preset, {"S=" + std::to_string(S), "field=" + field_name(game.field)});
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  nn::CpuBackend<float> be;
  nn::Network net(mc, be, 1);
  game.coefficient_bound = mc.coefficient_bound;
  const TensorI8 start = matmul_tensor(f);
  const std::string what = preset + " network, " + f.str() + ", K=" + std::to_string(samples) + ", " +
                           std::to_string(games) + " games in flight";
  const RealRate one = real_selfplay(net, start, game, cfg, samples, games, 1, 1);
  const RealRate shared = real_selfplay(net, start, game, cfg, samples, games, 2, 1);
  const RealRate two = real_selfplay(net, start, game, cfg, samples, games, 2, 2);
  for (const auto& [name, r] : {std::pair<std::string, RealRate>{"1 thread", one}, {"2 threads, one network", shared},
                                {"2 threads, 2 replicas", two}}) {
    report(json, "mcts", "games/s, " + name + ", " + what, r.games, "games/s");
    report(json, "mcts", "simulations/s, " + name + ", " + what, r.sims, "sims/s");
    report(json, "mcts", "mean batch, " + name + ", " + what, r.batch, "queries");
  }
  report(json, "mcts", "scaling 2 threads / 1 thread, one network, " + what, shared.games / one.games, "x");
  report(json, "mcts", "scaling 2 threads / 1 thread, 2 replicas, " + what, two.games / one.games, "x");
  const double t1 = real_tree(net, start, game, cfg, samples, 1), t2 = real_tree(net, start, game, cfg, samples, 2);
  const std::string tree = preset + " network, " + std::to_string(cfg.simulations) + " simulations/move";
  report(json, "mcts", "tree-parallel simulations/s, one tree, 1 thread, " + tree, t1, "sims/s");
  report(json, "mcts", "tree-parallel simulations/s, one tree, 2 threads, " + tree, t2, "sims/s");
  report(json, "mcts", "tree-parallel scaling 2 threads / 1 thread, " + tree, t2 / t1, "x");
}

}  // namespace

int bench_mcts(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("format", po::value<std::string>()->default_value("3,3,3"), "target n,m,p")
      ("simulations", po::value<int>()->default_value(200), "simulations per move")
      ("samples", po::value<int>()->default_value(32), "K sampled actions per expansion")
      ("moves", po::value<int>()->default_value(20), "R_limit of the benchmark games")
      ("games", po::value<int>()->default_value(32), "games in flight for the batching figure")
      ("network", po::value<std::string>()->default_value("fake"), "fake (the search alone), or a preset of the "
                                                                   "real network on the CPU: small, cpu, paper")
      ("field", po::value<std::string>()->default_value("Z"), "Z or Z2 (the game's arithmetic)")
      ("json", po::bool_switch(), "JSON lines");
  po::variables_map vm;
  if (!parse("bench mcts", "[--format n,m,p] [--simulations N] [--network fake|small|cpu|paper] [--json]", args, opts,
             {}, vm))
    return kOk;
  const bool json = vm["json"].as<bool>();
  Format f;
  try {
    f = Format::parse(vm["format"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  GameConfig game;
  game.r_limit = vm["moves"].as<int>();
  try {
    game.field = parse_field(vm["field"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  mcts::SearchConfig cfg;
  cfg.simulations = vm["simulations"].as<int>();
  if (cfg.simulations < 1 || vm["samples"].as<int>() < 1 || vm["games"].as<int>() < 1 || game.r_limit < 1)
    throw UsageError("--simulations, --samples, --games and --moves must be >= 1");
  if (vm["network"].as<std::string>() != "fake") {
    bench_real(vm["network"].as<std::string>(), f, game, cfg, vm["samples"].as<int>(), vm["games"].as<int>(), json);
    return kOk;
  }
  mcts::UniformNetwork net(vm["samples"].as<int>());
  using clock = std::chrono::steady_clock;

  // Independent games, one per thread, each evaluating inline: the search's own scaling.
  double rate[3] = {0, 0, 0};
  size_t bytes = 0, nodes = 0;
  for (int threads : {1, 2}) {
    mcts::DirectEvaluator eval(net);
    const std::vector<TensorI8> starts(size_t(2 * threads), matmul_tensor(f));
    const auto t0 = clock::now();
    const auto games = mcts::play_games(starts, game, cfg, eval, 1, threads, false);
    const double secs = std::chrono::duration<double>(clock::now() - t0).count();
    long sims = 0;
    for (const auto& g : games) {
      sims += g.search.simulations;
      bytes = std::max(bytes, g.search.bytes);
      nodes = std::max(nodes, g.search.nodes);
    }
    rate[threads] = double(sims) / secs;
    report(json, "mcts", "simulations/s, " + std::to_string(threads) + " thread(s), " + f.str() + ", K=" +
           std::to_string(vm["samples"].as<int>()), rate[threads], "sims/s");
  }
  report(json, "mcts", "scaling 2 threads / 1 thread", rate[2] / rate[1], "x");

  // One game, one tree, searched by 1 and 2 workers with virtual loss (alphatensor search), the
  // network evaluated inline and through the batching evaluator.
  for (const bool batched : {false, true}) {
    double tree_rate[3] = {0, 0, 0};
    for (int threads : {1, 2}) {
      mcts::SearchConfig tcfg = cfg;
      tcfg.threads = threads;
      mcts::DirectEvaluator direct(net);
      mcts::BatchingEvaluator batching(net, threads, std::chrono::microseconds(200));  // as alphatensor search
      mcts::Evaluator& eval = batched ? static_cast<mcts::Evaluator&>(batching) : direct;
      const auto t0 = clock::now();
      const mcts::GameRecord g = mcts::play_game(matmul_tensor(f), game, tcfg, eval, 3, false);
      tree_rate[threads] = double(g.search.simulations) / std::chrono::duration<double>(clock::now() - t0).count();
      report(json, "mcts", "tree-parallel simulations/s, one tree, " + std::to_string(threads) + " thread(s), " +
             (batched ? "batching" : "inline") + " evaluator, virtual loss " + std::to_string(tcfg.virtual_loss),
             tree_rate[threads], "sims/s");
    }
    report(json, "mcts", std::string("tree-parallel scaling 2 threads / 1 thread, ") + (batched ? "batching" : "inline") +
           " evaluator", tree_rate[2] / tree_rate[1], "x");
  }
  report(json, "mcts", "memory per node (largest tree at a move)", nodes ? double(bytes) / double(nodes) : 0, "bytes");

  // Many games through one batching evaluator.
  const int n = vm["games"].as<int>();
  mcts::BatchingEvaluator eval(net, n, std::chrono::microseconds(2000));
  const std::vector<TensorI8> starts(size_t(n), matmul_tensor(f));
  const auto t0 = clock::now();
  mcts::play_games(starts, game, cfg, eval, 2, n, false);
  const double secs = std::chrono::duration<double>(clock::now() - t0).count();
  const mcts::EvaluatorStats st = eval.stats();
  report(json, "mcts", "network evaluations/s, " + std::to_string(n) + " games in flight", double(st.queries) / secs, "evals/s");
  report(json, "mcts", "mean batch size", st.mean_batch(), "queries");
  return kOk;
}

}  // namespace at::cli
