#pragma once
// Synthetic demonstrations and change-of-basis sampling with the published distributions
// (alphatensor-method.md, "Data"), from a seeded Rng: the same seed gives the same output
// everywhere.
#include <vector>

#include "core/game.hpp"
#include "core/rng.hpp"

namespace at {

struct SyntheticConfig {
  int max_rank = 125;     // R ~ U{1..max_rank} (published: R_limit)
  double p_zero = 0.8;    // Z: p(0); p(±1) = 0.099 each; p(±2) = 0.001 each (published)
  double p_one = 0.099;
  double p_two = 0.001;
  double p_zero_mod2 = 0.5;  // Z2: p(0), p(1) = 1 - p(0) (published: 1/2)
  double p_fixed = 0.25;     // cyclic game: the share of fixed-term moves (ours: Strassen's invariant
                             // forms have 1 of 3 and 4 of 5 moves fixed)

  // Keeps the entries within {-bound..bound}, a network's alphabet F: with bound 1 the mass of ±2
  // goes to 0 (a demonstration with a ±2 entry cannot be encoded).
  void limit_to(int coefficient_bound) {
    if (coefficient_bound >= 2) return;
    p_zero += 2 * p_two;
    p_two = 0;
  }
};

// R random rank-one terms and their sum: the terms in any order solve the tensor.
struct Demonstration {
  TensorI8 tensor;
  std::vector<Action> actions;
};

// Entries i.i.d. (Z: the distribution above; Z2: 0 with p_zero_mod2, else 1), all-zero factors redrawn,
// and a whole draw repeated if the sum is zero or leaves int8.
Demonstration sample_demonstration(int d0, int d1, int d2, Field f, const SyntheticConfig& cfg, Rng& rng);

// A random game of the cyclic game (game.hpp) on T(n,n,n)-sized tensors (n2 = n²): M ~ U{1..max_rank}
// moves, each a fixed term (x,x,x) with p_fixed, else a random term standing for its orbit; the
// tensor is their sum, cyclic-invariant. Moves canonical (canonicalize_move); redrawn as above.
Demonstration sample_cyclic_demonstration(int n2, Field f, const SyntheticConfig& cfg, Rng& rng);

// One random rank-one term with the entry distribution above (no zero factor), canonical.
Action sample_action(int d0, int d1, int d2, Field f, const SyntheticConfig& cfg, Rng& rng);

struct BasisConfig {
  double p_offdiag = 0.015;  // P(entry ≠ 0) off the diagonal; ±1 with half each (published)
  bool same_for_equal_modes = true;  // the paper uses A = B = C (possible when sizes match)
};

// An invertible matrix P·L, P upper and L lower triangular with ±1 on the diagonal (1 over Z2).
// Its inverse is integral: det = ±1.
Mat sample_basis_matrix(int n, Field f, const BasisConfig& cfg, Rng& rng);

struct BasisChange {
  Mat A, B, C;  // acting on modes 0, 1, 2
};
BasisChange sample_basis_change(int d0, int d1, int d2, Field f, const BasisConfig& cfg, Rng& rng);

// The published pool of bases drawn once (100,000), stored as a seed: basis i is regenerated on
// demand from Rng::stream(seed, i), so the pool costs no memory. With probability p_canonical the
// game is played in the canonical basis.
class BasisPool {
 public:
  BasisPool(uint64_t seed, int size = 100000, double p_canonical = 0.01, BasisConfig cfg = {});
  // Index in [0, size) or -1 for the canonical basis.
  int draw(Rng& rng) const;
  BasisChange get(int index, int d0, int d1, int d2, Field f) const;

 private:
  uint64_t seed_;
  int size_;
  double p_canonical_;
  BasisConfig cfg_;
};

}  // namespace at
