#pragma once
// Small exact linear algebra: ranks over Q and GF(2), inverses of change-of-basis matrices.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/field.hpp"
#include "core/rational.hpp"

namespace at {

// Dense matrix of exact rationals, row-major.
struct Mat {
  int rows = 0, cols = 0;
  std::vector<Rational> a;  // [rows * cols]

  Mat() = default;
  Mat(int r, int c) : rows(r), cols(c), a(size_t(r) * c) {}
  static Mat identity(int n);
  Rational& operator()(int i, int j) { return a[size_t(i) * cols + j]; }
  const Rational& operator()(int i, int j) const { return a[size_t(i) * cols + j]; }
  Mat operator*(const Mat& o) const;
  Mat transposed() const;
  bool operator==(const Mat& o) const { return rows == o.rows && cols == o.cols && a == o.a; }
  // y = M x
  std::vector<Rational> apply(const Rational* x) const;
};

// Rank of an integer matrix (row-major rows×cols) over Q, exactly (fraction-free elimination in
// 128 bits; multi-modular elimination when that overflows).
int rank_q(const std::vector<int64_t>& m, int rows, int cols);
// Rank over GF(2) of the entries taken mod 2.
int rank_gf2(const std::vector<int64_t>& m, int rows, int cols);
// Rank over Q (for Z and Q) or GF(2); throws std::invalid_argument for Z3, which the games that
// need it (Z and Z2 only) never ask.
inline int rank_in(Field f, const std::vector<int64_t>& m, int rows, int cols) {
  if (f == Field::Z3) throw std::invalid_argument("rank over Z3 is not available");
  return f == Field::Z2 ? rank_gf2(m, rows, cols) : rank_q(m, rows, cols);
}

// Inverse over Q, or mod 2 / mod 3 for Z2 / Z3 (entries reduced as by reduce_in). Throws
// std::domain_error if singular, and for Field::Z also if the inverse is not integral (not
// unimodular).
Mat inverse(const Mat& m, Field f);

}  // namespace at
