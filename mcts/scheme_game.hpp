#pragma once
// Schemes and games, both ways: a game's moves (or a solved game's, in its basis) as a scheme, an
// unfinished game completed into one, and a scheme replayed as a game (to learn from it). Used by
// self-play, the trainer, polish, the fake networks and the commands.
#include <vector>

#include "core/game.hpp"
#include "core/scheme.hpp"
#include "core/synthetic.hpp"

namespace at::mcts {

// Σ actions as a scheme in the actions' basis (entries exact; nothing verified).
Scheme scheme_of_actions(const Format& f, Field field, const std::vector<Action>& actions);

// A decomposition of a residual tensor (d0 × d1 × d2) into rank-one terms: for each mode-0 slice
// S[a,:,:], one term e_a ⊗ e_b ⊗ S[a,b,:] per non-zero row b, or e_a ⊗ S[a,:,c] ⊗ e_c per non-zero
// column c, whichever takes fewer. Far from optimal (the flip graph reduces it), but exact over Z
// and, for a residual reduced mod 2, over Z2. Factors are unbounded int8 (not game actions).
std::vector<Action> residual_terms(const TensorI8& residual);

// A scheme of the canonical T(f) from a game played on (A⊗B⊗C)·T(f): its moves plus
// residual_terms(final residual), mapped back through the inverses. Not verified here.
Scheme complete_game(const Format& f, Field field, const BasisChange& basis, const std::vector<Action>& moves,
                     const TensorI8& residual);

// A scheme of T(f) (canonical basis) as a game: start (A⊗B⊗C)·T(f) and the terms mapped by
// A, B, C as legal, canonical actions (coefficients within `bound`, int8 states) whose play reaches
// zero. Returns false (leaving *out unspecified) when some term or state leaves those ranges.
bool scheme_game(const Scheme& s, const BasisChange& basis, int bound, Demonstration* out);

// The scheme of a solved game started by start_in_basis: its moves' terms (game_terms) mapped back
// to the canonical basis through the inverses (not yet verified). Under Cyclic it is invariant.
Scheme scheme_of_game(const Format& f, Field field, const std::vector<Action>& actions, const BasisChange& basis,
                      Symmetry sym = Symmetry::None);

// The terms of a scheme as game actions (integer coefficients that fit int8; throws otherwise).
std::vector<Action> scheme_actions(const Scheme& s);

}  // namespace at::mcts
