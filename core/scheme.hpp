#pragma once
// A scheme: R rank-one terms u_r ⊗ v_r ⊗ w_r whose sum is T(n,m,p) over a field.
#include <string>
#include <vector>

#include "core/field.hpp"
#include "core/format.hpp"
#include "core/rational.hpp"

namespace at {

struct Scheme {
  Format format;
  Field field = Field::Z;  // the arithmetic the scheme claims to hold in
  // Factor matrices, term-major: u[r*a_size + a_index(i,j)], v[r*b_size + ...],
  // w[r*c_size + c_index(i,k)].
  std::vector<Rational> u, v, w;

  int rank() const { return format.a_size() ? int(u.size() / format.a_size()) : 0; }
  const Rational* u_row(int r) const { return &u[size_t(r) * format.a_size()]; }
  const Rational* v_row(int r) const { return &v[size_t(r) * format.b_size()]; }
  const Rational* w_row(int r) const { return &w[size_t(r) * format.c_size()]; }
  Rational* u_row(int r) { return &u[size_t(r) * format.a_size()]; }
  Rational* v_row(int r) { return &v[size_t(r) * format.b_size()]; }
  Rational* w_row(int r) { return &w[size_t(r) * format.c_size()]; }

  // Empty scheme of the given rank (all coefficients zero).
  static Scheme zeros(const Format& f, Field field, int rank);
  // Appends one term (sizes must match the format).
  void add_term(const std::vector<Rational>& a, const std::vector<Rational>& b,
                const std::vector<Rational>& c);
  // Drops terms in which a factor is zero (they contribute nothing).
  void drop_zero_terms();
  bool all_integer() const;
  // Largest |numerator| and denominator among the coefficients.
  int64_t max_abs_numerator() const;
  int64_t max_denominator() const;
  // Reduces every coefficient into the modular field f (Z2 or Z3, see reduce_in) and sets field =
  // f; throws std::domain_error for a denominator divisible by its prime.
  Scheme reduced_mod(Field f) const;
};

struct SchemeStats {
  int rank = 0;
  long nonzeros = 0;   // non-zero coefficients in u, v and w
  long additions = 0;  // additions and subtractions of the naive evaluation
  long additions_cse = 0;  // the same after greedy common-subexpression elimination (core/cse.hpp)
};

// Naive evaluation: each product needs nnz(u_r)-1 + nnz(v_r)-1 additions, each c_ik needs
// (terms with w_r[c_ik] != 0) - 1. Coefficients other than ±1 count as scalings, not additions.
// additions_cse: additions_after_elimination(s), what `codegen` evaluates per level.
SchemeStats scheme_stats(const Scheme& s);

struct VerifyResult {
  bool ok = false;
  Field field = Field::Z;  // the arithmetic checked
  std::string error;       // first wrong entry, e.g. "a12·b21 → c11: expected 1, found 0"
};

// Exact check Σ_r u_r⊗v_r⊗w_r == T(n,m,p) in the given arithmetic: Z and Q exactly with
// overflow detection, Z2 and Z3 with every coefficient reduced mod 2 or mod 3.
VerifyResult verify(const Scheme& s, Field over);
// Checks in the scheme's own field.
inline VerifyResult verify(const Scheme& s) { return verify(s, s.field); }

// Human-readable name of a tensor entry: "a12·b21 → c11" (1-based, as the .exp format).
std::string entry_name(const Format& f, int a, int b, int c);

}  // namespace at
