#include "mcts/selfplay.hpp"

#include <algorithm>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <stdexcept>
#include <thread>

#include "core/ops.hpp"

namespace at::mcts {

GameRecord play_game(const TensorI8& start, const GameConfig& game, const SearchConfig& cfg,
                     Evaluator& eval, uint64_t seed, bool keep_records, const std::atomic<bool>* stop,
                     const std::function<void(int, const SearchStats&)>& on_move) {
  GameRecord rec;
  rec.seed = seed;
  rec.start = start;
  Rng rng(seed);
  TensorGame g(start, game);
  Search search(cfg, game, eval);
  search.reset(start);
  std::vector<float> rewards;
  while (!g.terminal()) {
    if (stop && stop->load()) return rec;
    search.run(g.state(), g.history(), rng, stop);
    if (stop && stop->load()) return rec;
    if (keep_records) {
      MoveRecord m;
      m.state = g.state();
      const size_t h = std::min(g.history().size(), size_t(std::max(0, cfg.history)));
      m.history.assign(g.history().end() - long(h), g.history().end());
      m.move = g.moves();
      search.improved_policy(&m.actions, &m.policy);
      rec.moves.push_back(std::move(m));
    }
    const Action a = search.select_action(rng);
    rewards.push_back(float(g.step(a)));
    search.advance(a, g.state(), g.moves());
    if (on_move) on_move(g.moves(), search.stats());
  }
  const SearchStats& st = search.stats();
  rec.search = st;
  rec.actions = g.history();
  rec.solved = g.solved();
  float ret = 0;
  for (size_t i = rewards.size(); i-- > 0;) {
    ret += rewards[i];
    if (keep_records) rec.moves[i].return_to_go = ret;
  }
  rec.total_return = ret;
  return rec;
}

std::vector<GameRecord> play_games(const std::vector<TensorI8>& starts, const GameConfig& game,
                                   const SearchConfig& cfg, Evaluator& eval, uint64_t seed,
                                   int concurrency, bool keep_records, const std::atomic<bool>* stop) {
  std::vector<GameRecord> out(starts.size());
  // Game tasks block while the evaluator batches their queries, so the arena needs one thread per
  // game in flight, not per core: the waiting threads sleep. The network, run meanwhile by the
  // evaluator's thread, keeps a worker per core on top of them.
  const int n = std::max(1, concurrency);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              size_t(n) + std::max(1u, std::thread::hardware_concurrency()));
  tbb::task_arena arena(n);
  // Each task publishes its record with a release increment read back (acquire) below: the same
  // ordering the join gives, made visible to ThreadSanitizer, which does not see inside oneTBB.
  std::atomic<size_t> finished{0};
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, starts.size(), 1), [&](const tbb::blocked_range<size_t>& r) {
      for (size_t i = r.begin(); i != r.end(); ++i) {
        out[i] = play_game(starts[i], game, cfg, eval, Rng::stream(seed, i).next(), keep_records, stop);
        finished.fetch_add(1, std::memory_order_release);
      }
    }, tbb::simple_partitioner());
  });
  if (finished.load(std::memory_order_acquire) != starts.size()) throw std::logic_error("self-play: a game task did not finish");
  return out;
}

TensorI8 start_in_basis(const Format& f, Field field, const BasisPool& pool, Rng& rng, BasisChange* basis,
                        Symmetry sym) {
  const TensorI8 canonical = matmul_tensor(f);
  *basis = pool.get(pool.draw(rng), f.a_size(), f.b_size(), f.c_size(), field);
  if (sym == Symmetry::Cyclic) {
    check_cyclic_format(f);
    basis->B = basis->A;
    basis->C = basis->A;
  }
  try {
    return transform_tensor(canonical, basis->A, basis->B, basis->C, field);
  } catch (const OverflowError&) {  // a basis whose tensor leaves int8: play canonically
    *basis = pool.get(-1, f.a_size(), f.b_size(), f.c_size(), field);
    return canonical;
  }
}

}  // namespace at::mcts
