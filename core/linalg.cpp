#include "core/linalg.hpp"

#include <algorithm>
#include <cmath>
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

namespace {

using u64 = uint64_t;
using u128 = unsigned __int128;

u64 mulmod(u64 a, u64 b, u64 m) { return u64(u128(a) * b % m); }
u64 powmod(u64 a, u64 e, u64 m) {
  u64 r = 1;
  for (a %= m; e; e >>= 1, a = mulmod(a, a, m))
    if (e & 1) r = mulmod(r, a, m);
  return r;
}
// Deterministic Miller-Rabin for 64-bit numbers.
bool is_prime(u64 n) {
  if (n < 2) return false;
  for (u64 p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37})
    if (n % p == 0) return n == p;
  u64 d = n - 1;
  int s = 0;
  while ((d & 1) == 0) { d >>= 1; ++s; }
  for (u64 a : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    u64 x = powmod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < s && composite; ++i) composite = (x = mulmod(x, x, n)) != n - 1;
    if (composite) return false;
  }
  return true;
}

int rank_mod(const std::vector<int64_t>& m, int rows, int cols, u64 p) {
  std::vector<u64> a(m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    const int64_t r = m[i] % int64_t(p);
    a[i] = u64(r < 0 ? r + int64_t(p) : r);
  }
  int rank = 0;
  for (int c = 0; c < cols && rank < rows; ++c) {
    int piv = -1;
    for (int r = rank; r < rows; ++r)
      if (a[size_t(r) * cols + c]) { piv = r; break; }
    if (piv < 0) continue;
    for (int j = 0; j < cols; ++j) std::swap(a[size_t(piv) * cols + j], a[size_t(rank) * cols + j]);
    const u64 inv = powmod(a[size_t(rank) * cols + c], p - 2, p);
    for (int r = rank + 1; r < rows; ++r) {
      const u64 f = mulmod(a[size_t(r) * cols + c], inv, p);
      if (!f) continue;
      for (int j = c; j < cols; ++j)
        a[size_t(r) * cols + j] = (a[size_t(r) * cols + j] + p - mulmod(f, a[size_t(rank) * cols + j], p)) % p;
    }
    ++rank;
  }
  return rank;
}

// Exact rank over Q by elimination modulo several 62-bit primes. The rank mod p never exceeds the
// rank over Q, and a non-zero minor (|minor| <= Hadamard's bound H) cannot vanish modulo primes
// whose product exceeds H, so the maximum over enough primes is the exact rank.
int rank_multimodular(const std::vector<int64_t>& m, int rows, int cols) {
  double log2_h = 0;  // Hadamard: |minor| <= product of the row norms
  for (int r = 0; r < rows; ++r) {
    double norm2 = 0;
    for (int c = 0; c < cols; ++c) norm2 += double(m[size_t(r) * cols + c]) * double(m[size_t(r) * cols + c]);
    if (norm2 > 1) log2_h += 0.5 * std::log2(norm2);
  }
  int best = 0;
  double covered = 0;  // log2 of the product of the primes used
  for (u64 p = (u64(1) << 62) - 57; covered <= log2_h + 1; p -= 2) {
    if (!is_prime(p)) continue;
    best = std::max(best, rank_mod(m, rows, cols, p));
    covered += 61.9;
  }
  return best;
}

// Fraction-free (Bareiss) elimination in 128-bit integers: exact, and every division is exact.
// Returns -1 if an intermediate value overflows.
int rank_bareiss(const std::vector<int64_t>& m, int rows, int cols) {
  std::vector<__int128> a(m.begin(), m.end());
  __int128 prev = 1;
  int rank = 0;
  for (int c = 0; c < cols && rank < rows; ++c) {
    int piv = -1;
    for (int r = rank; r < rows; ++r)
      if (a[size_t(r) * cols + c] != 0) { piv = r; break; }
    if (piv < 0) continue;
    for (int j = 0; j < cols; ++j) std::swap(a[size_t(piv) * cols + j], a[size_t(rank) * cols + j]);
    const __int128 p = a[size_t(rank) * cols + c];
    for (int r = rank + 1; r < rows; ++r) {
      const __int128 f = a[size_t(r) * cols + c];
      for (int j = c; j < cols; ++j) {
        __int128 x, y, d;
        if (__builtin_mul_overflow(a[size_t(r) * cols + j], p, &x) ||
            __builtin_mul_overflow(f, a[size_t(rank) * cols + j], &y) || __builtin_sub_overflow(x, y, &d))
          return -1;
        a[size_t(r) * cols + j] = d / prev;
      }
    }
    prev = p;
    ++rank;
  }
  return rank;
}

}  // namespace

int rank_q(const std::vector<int64_t>& m, int rows, int cols) {
  const int r = rank_bareiss(m, rows, cols);
  return r >= 0 ? r : rank_multimodular(m, rows, cols);
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
  auto reduce = [f](const Rational& x) { return reduce_in(f, x); };
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
    const Rational p = a(c, c);  // over Z2 and Z3 the pivot is ±1
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
