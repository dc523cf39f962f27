#pragma once
// Matrix multiplication formats (n,m,p): A is n×m, B is m×p, C = A·B is n×p.
// Index conventions (shared/README.md): u indexes A row-major (i*m+j), v indexes B row-major
// (j*p+k), w indexes C transposed (k*n+i).
#include <string>

namespace at {

constexpr int kMaxDim = 16;

struct Format {
  int n = 0, m = 0, p = 0;

  int a_size() const { return n * m; }
  int b_size() const { return m * p; }
  int c_size() const { return p * n; }
  int a_index(int i, int j) const { return i * m + j; }
  int b_index(int j, int k) const { return j * p + k; }
  int c_index(int i, int k) const { return k * n + i; }  // C transposed
  int naive_rank() const { return n * m * p; }
  bool operator==(const Format& o) const { return n == o.n && m == o.m && p == o.p; }
  bool operator!=(const Format& o) const { return !(*this == o); }
  bool operator<(const Format& o) const {
    return n != o.n ? n < o.n : m != o.m ? m < o.m : p < o.p;
  }
  // "2x3x4"
  std::string str() const;
  // The same dimensions with n <= m <= p (rank is invariant under format permutations).
  Format sorted() const;
  // Accepts "n,m,p" and "nxmxp"; each dimension 1..kMaxDim. Throws std::invalid_argument.
  static Format parse(const std::string& s);
};

}  // namespace at
