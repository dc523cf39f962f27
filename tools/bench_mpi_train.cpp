// bench mpi's train part (bench_mpi.cpp): self-play games/s of one actor rank alone and of every
// actor rank together (the same threads per rank), then a real train run across the ranks: the
// learner's idle fraction and the traffic (report and weights sizes and rates).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cluster/train_ranks.hpp"
#include "nn/cpu_backend.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

// Counts the games of the rounds sent; no learner.
class Counting final : public mcts::Transport {
 public:
  void send(mcts::RoundReport r) override { games += r.played; }
  std::optional<long> take_weights(nn::Network&) override { return std::nullopt; }
  std::vector<mcts::RoundReport> receive() override { return {}; }
  void publish(nn::Network&) override {}
  void wait(double) override {}
  long games = 0;
};

mcts::TrainConfig bench_config(const Format& target, int threads, double seconds, const std::string& out) {
  mcts::TrainConfig tc;
  tc.targets = {target};
  tc.field = Field::Z2;
  mcts::apply_train_preset("small", tc);
  tc.threads = threads;
  tc.time_limit = seconds;
  tc.out_dir = out;
  tc.checkpoint_every = 0;
  tc.checkpoint_seconds = 0;
  tc.weights_every = 4;  // weights often enough to be measured in a short run
  mcts::finish_train_config(tc);
  return tc;
}

struct Played {
  double games_per_s = 0, games = 0, cpu = 0;
};

// Self-play rounds for `seconds` (whole rounds).
Played play(mcts::Actors& actors, double seconds) {
  Counting t;
  const std::atomic<bool> never{false};
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  double dt = 0;
  while ((dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) < seconds)
    actors.round(t, never);
  return {double(t.games) / dt, double(t.games), cpu_seconds() - cpu0};
}

}  // namespace

void bench_mpi_train(cluster::World& world, const Format& target, int threads, double seconds, bool json) {
  const bool root = world.rank() == 0;
  auto out = [&](const std::string& name, double value, const std::string& unit) {
    if (root) report(json, "mpi", name, value, unit);
  };
  if (world.size() < 2) throw UsageError("bench mpi's train part needs at least 2 ranks (a learner and an actor)");
  const mcts::TrainConfig tc = bench_config(target, threads, seconds, "");
  const nn::ModelConfig mc = mcts::train_model_config("small", tc, {});
  // 1. Actors only (rank 0 sleeps): rank 1 alone, then every actor rank.
  Played alone, mine;
  {
    nn::CpuBackend<float> be;
    nn::Network net(mc, be, tc.seed);
    mcts::Actors actors(mcts::resolve_train_config(tc, mc), net, world.rank(), 0);
    if (world.rank() == 1) alone = play(actors, seconds);
    else std::this_thread::sleep_for(std::chrono::duration<double>(seconds + 1));
    world.call([](cluster::Mpi& m) { m.barrier(); });
    if (!root) mine = play(actors, seconds);
    else std::this_thread::sleep_for(std::chrono::duration<double>(seconds + 1));
  }
  auto sum = [&](double v) { return world.call([&](cluster::Mpi& m) { return m.allreduce(v, cluster::Op::Sum); }); };
  const double one = sum(alone.games_per_s), all = sum(mine.games_per_s);
  const double one_cpu = sum(alone.games) / sum(alone.cpu), all_cpu = sum(mine.games) / sum(mine.cpu);
  const std::string what = "train " + target.str() + " GF(2) self-play games/s";
  const std::string actors = std::to_string(world.size() - 1) + " actor ranks";
  out(what + ", one actor rank", one, "games/s");
  out(what + ", " + actors, all, "games/s");
  out("train self-play speed-up, all actor ranks over one", all / one, "x");
  out("train self-play games per CPU second, one actor rank", one_cpu, "games/s");
  out("train self-play games per CPU second, " + actors, all_cpu, "games/s");

  // 2. A real run across the ranks for `seconds`: the learner's idle fraction and the traffic.
  std::string dir;
  if (root) {
    char tmpl[] = "/tmp/alphatensor_bench_mpi_XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary folder");
    dir = tmpl;
  }
  mcts::TrainRun run(bench_config(target, threads, seconds, dir), mc, std::make_unique<nn::CpuBackend<float>>(), root);
  cluster::TrainTraffic traffic;
  cluster::TrainRanksOptions o;
  o.traffic = &traffic;
  const std::atomic<bool> never{false};
  cluster::train_across_ranks(world, run, never, [](const mcts::TrainProgress&, bool) {}, o);
  if (!root) return;
  const mcts::TrainProgress& p = run.trainer().progress();
  out("train run: learner idle", 100 * p.learner_idle, "%");
  out("train run: learner steps/s", double(p.step) / p.elapsed, "steps/s");
  out("train run: games/s, all actor ranks", double(p.games) / p.elapsed, "games/s");
  out("train run: round reports/s", double(traffic.reports) / p.elapsed, "msg/s");
  out("train run: bytes per round report", traffic.reports ? double(traffic.report_bytes) / double(traffic.reports) : 0, "B");
  out("train run: weights messages/s (all actors, every 4 steps)", double(traffic.weights_sent) / p.elapsed, "msg/s");
  out("train run: bytes per weights message", traffic.weights_sent ? double(traffic.weights_bytes) / double(traffic.weights_sent) : 0, "B");
  std::filesystem::remove_all(dir);
}

}  // namespace at::cli
