#pragma once
// What the training loop's data depends on the game's symmetry for (game.hpp: under Cyclic a move
// is a fixed term or an orbit): demonstrations, augmentations and a scheme's game. Kept apart from
// the loop (trainer.cpp) so that the loop only passes the symmetry through.
#include <vector>

#include "core/linalg.hpp"
#include "core/rng.hpp"
#include "core/synthetic.hpp"

namespace at::mcts {

// A random game for target f: sample_demonstration, or sample_cyclic_demonstration under Cyclic.
Demonstration sample_target_demonstration(const Format& f, Field field, Symmetry sym, const SyntheticConfig& cfg,
                                          Rng& rng);

// A random signed permutation per mode (drawn in mode order); under Cyclic one, the same on all
// three modes: the only ones that keep an invariant state invariant.
struct Augmentation {
  Mat p, q, r;
};
Augmentation draw_augmentation(int d0, int d1, int d2, Symmetry sym, Rng& rng);
// The move in the permuted basis, canonical (canonicalize_move).
Action augment_move(const Augmentation& g, const Action& a, Field f, Symmetry sym);

// Turns the terms of a scheme's game (one per term, as scheme_game writes them) into the game's
// moves: unchanged without symmetry; under Cyclic the fixed terms, then one move per orbit. False
// when the terms are not cyclic-invariant (no symmetric game plays them).
bool moves_of_terms(std::vector<Action>* actions, int n2, Field f, Symmetry sym);

// True when the moves can be played from d.tensor under gc (each legal: int8 stays exact).
bool game_playable(const Demonstration& d, GameConfig gc);

}  // namespace at::mcts
