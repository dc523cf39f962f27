#pragma once
// Hensel lifting: from a scheme valid mod 2 to one valid over Z (or Q) that reduces to it mod 2.
// Step k solves the linear system J·Δ ≡ E_k / 2^k (mod 2) for the correction x ← x + 2^k·Δ, where
// J is the Jacobian of Σ u⊗v⊗w at the mod-2 scheme (the same matrix at every step, so it is
// eliminated once) and E_k the residual T − Σ u⊗v⊗w, divisible by 2^k. Free variables are set
// to 0. After each step the coefficients read as integers in (−2^k, 2^k] are tried over Z; after
// the last step each coefficient is rebuilt as a small rational with odd denominator (rational
// reconstruction mod 2^bits) and the result is verified exactly over Q.
#include <cstdint>
#include <string>

#include "core/scheme.hpp"

namespace at::improve {

struct LiftOptions {
  int bits = 40;              // lift up to modulus 2^bits (2..62)
  bool same_support = true;   // only coefficients non-zero mod 2 may change (the zero pattern is kept)
};

struct LiftResult {
  bool ok = false;
  Scheme scheme;        // when ok: verified exactly, field Z (integers) or Q
  int steps = 0;        // lifting steps done
  int free_variables = 0;  // dimension of the solution space of each step's linear system
  bool proof = false;   // when !ok: true if no lift with these options exists at all
  std::string message;  // one line: what was found, or why there is no lift
};

// Rational reconstruction: num/den ≡ x (mod 2^bits) with |num|, den <= sqrt(2^bits / 2) and den
// odd; false when there is none (bits in 2..62).
bool rational_reconstruction(uint64_t x, int bits, int64_t& num, int64_t& den);

// `s` must be valid mod 2 (its coefficients are read mod 2). Throws std::invalid_argument when it
// is not, or when the tensor is too large to lift here (more than 2^20 entries).
LiftResult hensel_lift(const Scheme& s, const LiftOptions& options = {});

}  // namespace at::improve
