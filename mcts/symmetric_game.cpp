#include "mcts/symmetric_game.hpp"

#include <algorithm>

#include "core/ops.hpp"
#include "mcts/scheme_game.hpp"

namespace at::mcts {
namespace {

// x' = M x with M a signed permutation (entries stay in F; reduced mod 2 over Z2).
std::vector<int8_t> permute(const Mat& m, const std::vector<int8_t>& x, Field f) {
  std::vector<int8_t> y(x.size(), 0);
  for (int i = 0; i < m.rows; ++i)
    for (int j = 0; j < m.cols; ++j)
      if (!m(i, j).is_zero()) y[size_t(i)] = int8_t(m(i, j).num() * x[size_t(j)]);
  if (f == Field::Z2)
    for (auto& e : y) e = int8_t(e & 1);
  return y;
}

}  // namespace

Demonstration sample_target_demonstration(const Format& f, Field field, Symmetry sym, const SyntheticConfig& cfg,
                                          Rng& rng) {
  if (sym == Symmetry::Cyclic) {
    check_cyclic_format(f);
    return sample_cyclic_demonstration(f.a_size(), field, cfg, rng);
  }
  return sample_demonstration(f.a_size(), f.b_size(), f.c_size(), field, cfg, rng);
}

Augmentation draw_augmentation(int d0, int d1, int d2, Symmetry sym, Rng& rng) {
  if (sym == Symmetry::Cyclic) {
    const Mat p = random_signed_permutation(d0, rng);
    return {p, p, p};
  }
  Augmentation g;
  g.p = random_signed_permutation(d0, rng);
  g.q = random_signed_permutation(d1, rng);
  g.r = random_signed_permutation(d2, rng);
  return g;
}

Action augment_move(const Augmentation& g, const Action& a, Field f, Symmetry sym) {
  Action b{permute(g.p, a.u, f), permute(g.q, a.v, f), permute(g.r, a.w, f)};
  canonicalize_move(b, f, sym);
  return b;
}

bool moves_of_terms(std::vector<Action>* actions, int n2, Field f, Symmetry sym) {
  if (sym == Symmetry::None) return true;
  int n = 1;
  while (n * n < n2) ++n;
  const Format fmt{n, n, n};
  const Scheme s = scheme_of_actions(fmt, f, *actions);
  const std::optional<CyclicOrbits> orbits = cyclic_orbits(s, f);
  if (!orbits) return false;
  std::vector<Action> moves;
  for (int t : orbits->fixed) moves.push_back((*actions)[size_t(t)]);
  for (const auto& o : orbits->orbits) moves.push_back((*actions)[size_t(o[0])]);
  // A term equal to its shift has proportional factors (is_fixed_term), an orbit's first term not:
  // each move stands for exactly the terms it was matched with.
  for (Action& m : moves) canonicalize_move(m, f, sym);
  *actions = std::move(moves);
  return true;
}

bool game_playable(const Demonstration& d, GameConfig gc) {
  gc.r_limit = std::max(1, int(d.actions.size()));
  TensorGame game(d.tensor, gc);
  for (const Action& a : d.actions) {
    if (game.terminal() || !game.legal(a)) return false;  // terminal: zero before the last move
    game.step(a);
  }
  return game.solved();
}

}  // namespace at::mcts
