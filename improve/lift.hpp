#pragma once
// Hensel lifting: from a scheme valid mod p (p = 2 or 3) to one valid over Z (or Q) that reduces
// to it mod p. Step k solves the linear system J·Δ ≡ E_k / p^k (mod p) for the correction
// x ← x + p^k·Δ, where J is the Jacobian of Σ u⊗v⊗w at the mod-p scheme (the same matrix at every
// step, so it is eliminated once) and E_k the residual T − Σ u⊗v⊗w, divisible by p^k. Free
// variables get no correction: they keep their residues, read in (−p/2, p/2]. After each step the
// coefficients read as symmetric residues mod p^(k+1) are tried over Z; after the last step each
// coefficient is rebuilt as a small rational with a denominator prime to p (rational
// reconstruction mod p^bits) and the result is verified exactly over Q.
#include <cstdint>
#include <string>

#include "core/scheme.hpp"

namespace at::improve {

struct LiftOptions {
  int prime = 2;              // the scheme is valid mod this prime: 2 or 3
  // Lift up to modulus prime^bits; 0 picks a modulus near 2^40 (2^40, or 3^25). Range: 2..62 for
  // p = 2, 2..39 for p = 3 (3^39 < 2^62, so sums of two residues stay below 2^64).
  int bits = 0;
  bool same_support = true;   // only coefficients non-zero mod p may change (the zero pattern is kept)
  // A cyclic-invariant scheme (fixed terms (x,x,x), orbits of exact rotations mod p, as improve
  // --symmetry cyclic writes them) is lifted through its fixed terms and orbit representatives, so
  // that the lift is invariant too; when that has no solution, as any scheme (the message says so).
  bool keep_cyclic = true;
};

// The largest `bits` for `prime`; throws std::invalid_argument for a prime other than 2 or 3.
int max_lift_bits(int prime);

struct LiftResult {
  bool ok = false;
  Scheme scheme;        // when ok: verified exactly, field Z (integers) or Q
  int steps = 0;        // lifting steps done
  int free_variables = 0;  // dimension of the solution space of each step's linear system
  bool proof = false;   // when !ok: true if no lift with these options exists at all
  std::string message;  // one line: what was found, or why there is no lift
};

// Rational reconstruction: num/den ≡ x (mod prime^bits) with |num|, den <= sqrt(prime^bits / 2)
// and den prime to `prime`; false when there is none. `prime` and `bits` as in LiftOptions.
bool rational_reconstruction(uint64_t x, int prime, int bits, int64_t& num, int64_t& den);

// `s` must be valid mod options.prime (its coefficients are read mod p). Throws
// std::invalid_argument when it is not, when a denominator is divisible by p, when the prime or
// bits are out of range, or when the tensor is too large to lift here (more than 2^20 entries).
LiftResult hensel_lift(const Scheme& s, const LiftOptions& options = {});

}  // namespace at::improve
