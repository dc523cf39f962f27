#include "core/linalg.hpp"

#include <stdexcept>

namespace at {

Mat Mat::identity(int n) {
  Mat m(n, n);
  for (int i = 0; i < n; ++i) m(i, i) = 1;
  return m;
}

Mat Mat::operator*(const Mat& o) const {
  if (cols != o.rows) throw std::invalid_argument("matrix product: shapes do not match");
  Mat r(rows, o.cols);
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k < cols; ++k) {
      const Rational& x = (*this)(i, k);
      if (x.is_zero()) continue;
      for (int j = 0; j < o.cols; ++j)
        if (!o(k, j).is_zero()) r(i, j) += x * o(k, j);
    }
  return r;
}

Mat Mat::transposed() const {
  Mat t(cols, rows);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) t(j, i) = (*this)(i, j);
  return t;
}

std::vector<Rational> Mat::apply(const Rational* x) const {
  std::vector<Rational> y(rows);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      if (!x[j].is_zero() && !(*this)(i, j).is_zero()) y[i] += (*this)(i, j) * x[j];
  return y;
}

int rank_q(const std::vector<int64_t>& m, int rows, int cols) {
  std::vector<Rational> a(m.begin(), m.end());
  int rank = 0;
  for (int c = 0; c < cols && rank < rows; ++c) {
    int piv = -1;
    for (int r = rank; r < rows; ++r)
      if (!a[size_t(r) * cols + c].is_zero()) { piv = r; break; }
    if (piv < 0) continue;
    for (int j = 0; j < cols; ++j) std::swap(a[size_t(piv) * cols + j], a[size_t(rank) * cols + j]);
    const Rational p = a[size_t(rank) * cols + c];
    for (int r = rank + 1; r < rows; ++r) {
      const Rational f = a[size_t(r) * cols + c] / p;
      if (f.is_zero()) continue;
      for (int j = c; j < cols; ++j) a[size_t(r) * cols + j] -= f * a[size_t(rank) * cols + j];
    }
    ++rank;
  }
  return rank;
}

int rank_gf2(const std::vector<int64_t>& m, int rows, int cols) {
  // Rows as bit sets; cols is small (<= a few hundred) so a vector of words per row is enough.
  const int words = (cols + 63) / 64;
  std::vector<uint64_t> b(size_t(rows) * words, 0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      if (m[size_t(r) * cols + c] & 1) b[size_t(r) * words + c / 64] |= uint64_t(1) << (c % 64);
  int rank = 0;
  for (int c = 0; c < cols && rank < rows; ++c) {
    const uint64_t bit = uint64_t(1) << (c % 64);
    int piv = -1;
    for (int r = rank; r < rows; ++r)
      if (b[size_t(r) * words + c / 64] & bit) { piv = r; break; }
    if (piv < 0) continue;
    for (int w = 0; w < words; ++w) std::swap(b[size_t(piv) * words + w], b[size_t(rank) * words + w]);
    for (int r = 0; r < rows; ++r)
      if (r != rank && (b[size_t(r) * words + c / 64] & bit))
        for (int w = 0; w < words; ++w) b[size_t(r) * words + w] ^= b[size_t(rank) * words + w];
    ++rank;
  }
  return rank;
}

Mat inverse(const Mat& m, Field f) {
  if (m.rows != m.cols) throw std::invalid_argument("inverse of a non-square matrix");
  const int n = m.rows;
  Mat a = m, inv = Mat::identity(n);
  auto reduce = [f](Rational x) { return f == Field::Z2 ? Rational(x.mod2()) : x; };
  for (auto& x : a.a) x = reduce(x);
  for (int c = 0; c < n; ++c) {
    int piv = -1;
    for (int r = c; r < n; ++r)
      if (!a(r, c).is_zero()) { piv = r; break; }
    if (piv < 0) throw std::domain_error("matrix is singular");
    for (int j = 0; j < n; ++j) {
      std::swap(a(piv, j), a(c, j));
      std::swap(inv(piv, j), inv(c, j));
    }
    const Rational p = a(c, c);  // over Z2 the pivot is 1
    for (int j = 0; j < n; ++j) {
      a(c, j) = a(c, j) / p;
      inv(c, j) = inv(c, j) / p;
    }
    for (int r = 0; r < n; ++r) {
      if (r == c || a(r, c).is_zero()) continue;
      const Rational g = a(r, c);
      for (int j = 0; j < n; ++j) {
        a(r, j) = reduce(a(r, j) - g * a(c, j));
        inv(r, j) = reduce(inv(r, j) - g * inv(c, j));
      }
    }
  }
  if (f == Field::Z)
    for (const Rational& x : inv.a)
      if (!x.is_integer()) throw std::domain_error("matrix is not invertible over the integers");
  return inv;
}

}  // namespace at
