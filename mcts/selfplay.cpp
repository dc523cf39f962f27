#include "mcts/selfplay.hpp"

#include <algorithm>

#include "core/ops.hpp"
#include "mcts/parallel.hpp"

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
  run_blocking_tasks(starts.size(), concurrency, [&](size_t i) {
    out[i] = play_game(starts[i], game, cfg, eval, Rng::stream(seed, i).next(), keep_records, stop);
  });
  return out;
}

TensorI8 start_in_basis(const Format& f, Field field, const BasisPool& pool, Rng& rng, BasisChange* basis) {
  const TensorI8 canonical = matmul_tensor(f);
  *basis = pool.get(pool.draw(rng), f.a_size(), f.b_size(), f.c_size(), field);
  try {
    return transform_tensor(canonical, basis->A, basis->B, basis->C, field);
  } catch (const OverflowError&) {  // a basis whose tensor leaves int8: play canonically
    *basis = pool.get(-1, f.a_size(), f.b_size(), f.c_size(), field);
    return canonical;
  }
}

Scheme scheme_of_game(const Format& f, Field field, const std::vector<Action>& actions, const BasisChange& basis) {
  // The game was played on (A⊗B⊗C)·T: the inverses map its actions to a scheme of T.
  Scheme moved = Scheme::zeros(f, field, 0);
  for (const Action& a : actions)
    moved.add_term(std::vector<Rational>(a.u.begin(), a.u.end()), std::vector<Rational>(a.v.begin(), a.v.end()),
                   std::vector<Rational>(a.w.begin(), a.w.end()));
  Scheme s = change_basis(moved, inverse(basis.A, field), inverse(basis.B, field), inverse(basis.C, field));
  s.field = field;
  return s;
}

}  // namespace at::mcts
