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
  // Keeps entries within {-b..b} (a network's alphabet): with b = 1 the mass of ±2 goes to 0.
  void bound_entries(int b) {
    if (b >= 2) return;
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
