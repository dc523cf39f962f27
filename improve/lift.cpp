#include "improve/lift.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

namespace at::improve {
namespace {

// Gaussian elimination of a GF(2) matrix (rows = tensor entries, columns = unknowns), done once;
// the row operations are recorded so that each right-hand side is solved in O(pivots · rows/64).
class Gf2System {
 public:
  Gf2System(std::vector<uint64_t> mat, int rows, int cols) : rows_(rows), cols_(cols) {
    const int w = (cols + 63) / 64;
    rw_ = (rows + 63) / 64;
    auto bit = [&](int r, int c) { return (mat[size_t(r) * w + c / 64] >> (c % 64)) & 1; };
    int piv = 0;
    for (int c = 0; c < cols && piv < rows; ++c) {
      int r = piv;
      while (r < rows && !bit(r, c)) ++r;
      if (r == rows) continue;
      for (int k = 0; k < w; ++k) std::swap(mat[size_t(r) * w + k], mat[size_t(piv) * w + k]);
      std::vector<uint64_t> xors(size_t(rw_), 0);  // rows that get the pivot row added
      for (int r2 = 0; r2 < rows; ++r2) {
        if (r2 == piv || !bit(r2, c)) continue;
        xors[size_t(r2 / 64)] |= uint64_t(1) << (r2 % 64);
        for (int k = c / 64; k < w; ++k) mat[size_t(r2) * w + k] ^= mat[size_t(piv) * w + k];
      }
      pivot_col_.push_back(c);
      swap_row_.push_back(r);
      xor_rows_.insert(xor_rows_.end(), xors.begin(), xors.end());
      ++piv;
    }
  }
  int rank() const { return int(pivot_col_.size()); }
  int cols() const { return cols_; }
  // Solves for the right-hand side `rhs` (one bit per row); free variables 0. False if inconsistent.
  bool solve(std::vector<uint64_t> rhs, std::vector<uint8_t>& x) const {
    auto get = [&](int r) { return (rhs[size_t(r / 64)] >> (r % 64)) & 1; };
    auto put = [&](int r, uint64_t b) {
      rhs[size_t(r / 64)] = (rhs[size_t(r / 64)] & ~(uint64_t(1) << (r % 64))) | (b << (r % 64));
    };
    for (int i = 0; i < rank(); ++i) {
      const uint64_t a = get(i), b = get(swap_row_[size_t(i)]);
      put(i, b);
      put(swap_row_[size_t(i)], a);
      if (b)
        for (int k = 0; k < rw_; ++k) rhs[size_t(k)] ^= xor_rows_[size_t(i) * rw_ + k];
    }
    for (int r = rank(); r < rows_; ++r)
      if (get(r)) return false;
    x.assign(size_t(cols_), 0);
    for (int i = 0; i < rank(); ++i) x[size_t(pivot_col_[size_t(i)])] = uint8_t(get(i));
    return true;
  }

 private:
  int rows_, cols_, rw_;
  std::vector<int> pivot_col_, swap_row_;
  std::vector<uint64_t> xor_rows_;  // per pivot, rw_ words: the rows the pivot row was added to
};

int64_t symmetric(uint64_t x, int bits) {
  const uint64_t m = uint64_t(1) << bits;
  x &= m - 1;
  return x > m / 2 ? int64_t(x) - int64_t(m) : int64_t(x);
}

}  // namespace

bool rational_reconstruction(uint64_t x, int bits, int64_t& num, int64_t& den) {
  const __int128 m = __int128(1) << bits;
  const __int128 bound = __int128(std::sqrt(double(uint64_t(1) << (bits - 1))));
  __int128 r0 = m, r1 = __int128(x) % m, t0 = 0, t1 = 1;
  while (r1 > bound) {
    const __int128 q = r0 / r1;
    const __int128 r2 = r0 - q * r1, t2 = t0 - q * t1;
    r0 = r1, r1 = r2, t0 = t1, t1 = t2;
  }
  if (t1 == 0 || t1 > bound || -t1 > bound || (t1 % 2) == 0) return false;
  num = int64_t(t1 < 0 ? -r1 : r1);
  den = int64_t(t1 < 0 ? -t1 : t1);
  return true;
}

LiftResult hensel_lift(const Scheme& input, const LiftOptions& o) {
  if (o.bits < 2 || o.bits > 62) throw std::invalid_argument("lifting bits must be in 2..62");
  const Scheme s0 = input.reduced_mod(Field::Z2);
  if (!verify(s0, Field::Z2).ok) throw std::invalid_argument("the scheme is not valid mod 2");
  const Format& f = s0.format;
  const int na = f.a_size(), nb = f.b_size(), nc = f.c_size(), rank = s0.rank();
  const long entries = long(na) * nb * nc;
  if (entries > (1L << 20)) throw std::invalid_argument("format " + f.str() + " is too large to lift here");
  const int len[3] = {na, nb, nc};
  // All coefficients, u then v then w, term-major; x0 = the scheme mod 2 as 0/1.
  std::vector<uint64_t> x;
  for (const auto* part : {&s0.u, &s0.v, &s0.w})
    for (const Rational& q : *part) x.push_back(uint64_t(q.num()));
  const size_t off[3] = {0, size_t(rank) * na, size_t(rank) * (na + nb)};
  const std::vector<uint64_t> x0 = x;
  std::vector<int> unknowns;  // coefficient positions that may change
  for (size_t i = 0; i < x.size(); ++i)
    if (!o.same_support || x0[i]) unknowns.push_back(int(i));

  // Jacobian mod 2: d(u_r⊗v_r⊗w_r)/d(u_r[a]) = e_a⊗v_r⊗w_r, evaluated at x0.
  const int cols = int(unknowns.size()), words = (cols + 63) / 64;
  std::vector<uint64_t> jac(size_t(entries) * size_t(words), 0);
  for (int col = 0; col < cols; ++col) {
    const size_t pos = size_t(unknowns[size_t(col)]);
    const int role = pos >= off[2] ? 2 : pos >= off[1] ? 1 : 0;
    const int r = int((pos - off[role]) / size_t(len[role])), at = int((pos - off[role]) % size_t(len[role]));
    const int o1 = (role + 1) % 3, o2 = (role + 2) % 3;
    for (int i1 = 0; i1 < len[o1]; ++i1) {
      if (!x0[off[o1] + size_t(r) * len[o1] + i1]) continue;
      for (int i2 = 0; i2 < len[o2]; ++i2) {
        if (!x0[off[o2] + size_t(r) * len[o2] + i2]) continue;
        int idx[3];
        idx[role] = at, idx[o1] = i1, idx[o2] = i2;
        const long e = (long(idx[0]) * nb + idx[1]) * nc + idx[2];
        jac[size_t(e) * words + size_t(col / 64)] |= uint64_t(1) << (col % 64);
      }
    }
  }
  const Gf2System system(std::move(jac), int(entries), cols);

  LiftResult result;
  result.free_variables = cols - system.rank();
  auto as_scheme = [&](auto coefficient) {
    Scheme out = Scheme::zeros(f, Field::Z, rank);
    size_t i = 0;
    for (auto* part : {&out.u, &out.v, &out.w})
      for (Rational& q : *part) q = coefficient(x[i++]);
    return out;
  };
  auto valid = [](Scheme& s, Field field) {
    s.field = field;
    try {
      return verify(s, field).ok;
    } catch (const OverflowError&) {
      return false;
    }
  };
  for (int k = 1; k < o.bits; ++k) {
    // Residual mod 2^64 (wrapping arithmetic is exact modulo 2^64).
    std::vector<uint64_t> e(size_t(entries), 0);
    for (int i = 0; i < f.n; ++i)
      for (int j = 0; j < f.m; ++j)
        for (int l = 0; l < f.p; ++l)
          e[size_t((long(f.a_index(i, j)) * nb + f.b_index(j, l)) * nc + f.c_index(i, l))] = 1;
    for (int r = 0; r < rank; ++r)
      for (int a = 0; a < na; ++a) {
        const uint64_t ua = x[off[0] + size_t(r) * na + a];
        if (!ua) continue;
        for (int b = 0; b < nb; ++b) {
          const uint64_t uv = ua * x[off[1] + size_t(r) * nb + b];
          if (!uv) continue;
          for (int c = 0; c < nc; ++c) e[size_t((long(a) * nb + b) * nc + c)] -= uv * x[off[2] + size_t(r) * nc + c];
        }
      }
    std::vector<uint64_t> rhs(size_t((entries + 63) / 64), 0);
    for (long i = 0; i < entries; ++i) rhs[size_t(i / 64)] |= ((e[size_t(i)] >> k) & 1) << (i % 64);
    std::vector<uint8_t> delta;
    if (!system.solve(std::move(rhs), delta)) {
      result.steps = k - 1;
      result.proof = k == 1 || result.free_variables == 0;
      result.message = k == 1 ? std::string("cannot be lifted") + (o.same_support ? " with its sparsity pattern" : "") +
                                    ": the linear system mod 2 of the first step (mod 4) has no solution"
                              : "the lifting system of step " + std::to_string(k) + " (mod 2^" + std::to_string(k + 1) +
                                    ") has no solution along the chosen path (free variables set to 0; " +
                                    std::to_string(result.free_variables) + " free variables)";
      return result;
    }
    for (int col = 0; col < cols; ++col)
      if (delta[size_t(col)]) x[size_t(unknowns[size_t(col)])] += uint64_t(1) << k;
    result.steps = k;
    Scheme z = as_scheme([&](uint64_t v) { return Rational(symmetric(v, k + 1)); });
    if (valid(z, Field::Z)) {
      result.ok = true;
      result.scheme = std::move(z);
      result.message = "lifted to an integer scheme after " + std::to_string(k) + " step(s)";
      return result;
    }
  }
  bool all = true;
  Scheme q = as_scheme([&](uint64_t v) {
    int64_t num = 0, den = 1;
    all &= rational_reconstruction(v, o.bits, num, den);
    return Rational(num, den);
  });
  if (all && valid(q, q.all_integer() ? Field::Z : Field::Q)) {
    result.ok = true;
    result.scheme = std::move(q);
    result.message = "lifted mod 2^" + std::to_string(o.bits) + " and rebuilt with rational coefficients";
    return result;
  }
  result.message = "lifted mod 2^" + std::to_string(o.bits) +
                   " but found no small rational coefficients that hold over Q (free variables set to 0; " +
                   std::to_string(result.free_variables) + " free variables)";
  return result;
}

}  // namespace at::improve
