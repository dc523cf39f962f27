// alphatensor bench mcts: search throughput (simulations/s with 1 and 2 threads, independent games
// and one tree searched in parallel), batching
// (evaluations/s, mean batch) and memory per node, with the deterministic fake network so that
// the figures measure the search itself.
#include <chrono>

#include "mcts/fake_networks.hpp"
#include "mcts/selfplay.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {

int bench_mcts(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("format", po::value<std::string>()->default_value("3,3,3"), "target n,m,p")
      ("simulations", po::value<int>()->default_value(200), "simulations per move")
      ("samples", po::value<int>()->default_value(32), "K sampled actions per expansion")
      ("moves", po::value<int>()->default_value(20), "R_limit of the benchmark games")
      ("games", po::value<int>()->default_value(32), "games in flight for the batching figure")
      ("json", po::bool_switch(), "JSON lines");
  po::variables_map vm;
  if (!parse("bench mcts", "[--format n,m,p] [--simulations N] [--json]", args, opts, {}, vm)) return kOk;
  const bool json = vm["json"].as<bool>();
  Format f;
  try {
    f = Format::parse(vm["format"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  mcts::UniformNetwork net(vm["samples"].as<int>());
  GameConfig game;
  game.r_limit = vm["moves"].as<int>();
  mcts::SearchConfig cfg;
  cfg.simulations = vm["simulations"].as<int>();
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
