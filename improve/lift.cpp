#include "improve/lift.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <optional>
#include <vector>

#include "core/symmetry.hpp"

namespace at::improve {
namespace {

// Row arithmetic on bit-packed vectors over GF(p). A vector of n elements is `planes` blocks of
// nw = ceil(n/64) words each. In both fields every non-zero c is its own inverse (1, and 2·2 = 4 ≡ 1
// mod 3), which the eliminator uses to normalise pivots.
struct Gf2 {
  static constexpr int p = 2, planes = 1;
  static int get(const uint64_t* v, int /*nw*/, int i) { return int((v[i / 64] >> (i % 64)) & 1); }
  static void set(uint64_t* v, int /*nw*/, int i, int x) {
    v[i / 64] = (v[i / 64] & ~(uint64_t(1) << (i % 64))) | (uint64_t(x) << (i % 64));
  }
  // v -= c·s on words from..nw-1 (c is 1).
  static void sub(uint64_t* v, const uint64_t* s, int nw, int from, int /*c*/) {
    for (int k = from; k < nw; ++k) v[k] ^= s[k];
  }
  static void scale(uint64_t*, int, int, int) {}  // c is 1
};

// Bit-sliced GF(3): plane 0 holds [x == 1], plane 1 holds [x == 2]; 64 elements per word pair.
struct Gf3 {
  static constexpr int p = 3, planes = 2;
  static int get(const uint64_t* v, int nw, int i) {
    return int((v[i / 64] >> (i % 64)) & 1) | int(((v[nw + i / 64] >> (i % 64)) & 1) << 1);
  }
  static void set(uint64_t* v, int nw, int i, int x) {
    const uint64_t bit = uint64_t(1) << (i % 64);
    v[i / 64] = (v[i / 64] & ~bit) | (x == 1 ? bit : 0);
    v[nw + i / 64] = (v[nw + i / 64] & ~bit) | (x == 2 ? bit : 0);
  }
  // v -= c·s on words from..nw-1, as v + (−c)·s: −s swaps the planes of s. The addition takes six
  // word operations (Harrison, Page and Smart, "Software implementation of finite fields of
  // characteristic three", 2002).
  static void sub(uint64_t* v, const uint64_t* s, int nw, int from, int c) {
    const uint64_t* y1 = c == 1 ? s + nw : s;  // plane [y == 1] of y = −c·s
    const uint64_t* y2 = c == 1 ? s : s + nw;  // plane [y == 2]
    for (int k = from; k < nw; ++k) {
      const uint64_t x1 = v[k], x2 = v[nw + k];
      const uint64_t t = (x1 | y2[k]) ^ (x2 | y1[k]);
      v[k] = (x2 | y2[k]) ^ t;
      v[nw + k] = (x1 | y1[k]) ^ t;
    }
  }
  static void scale(uint64_t* v, int nw, int from, int c) {  // by 2 = −1: swap the planes
    if (c == 2) std::swap_ranges(v + from, v + nw, v + nw + from);
  }
};

// Gauss-Jordan elimination over GF(p) of a matrix (rows = tensor entries, columns = unknowns),
// done once; the row operations are recorded so that each right-hand side is solved in
// O(pivots · rows/64) word operations.
template <class F>
class LinearSystem {
 public:
  // mat: rows × (F::planes · ceil(cols/64)) words, one bit-packed row after the other.
  LinearSystem(std::vector<uint64_t> mat, int rows, int cols) : rows_(rows), cols_(cols), rw_((rows + 63) / 64) {
    const int w = (cols + 63) / 64;
    const size_t stride = size_t(F::planes) * w;
    auto row = [&](int r) { return mat.data() + size_t(r) * stride; };
    int piv = 0;
    for (int c = 0; c < cols && piv < rows; ++c) {
      int r = piv;
      while (r < rows && !F::get(row(r), w, c)) ++r;
      if (r == rows) continue;
      std::swap_ranges(row(r), row(r) + stride, row(piv));
      const int pivot = F::get(row(piv), w, c);
      F::scale(row(piv), w, c / 64, pivot);  // pivot entry 1
      std::vector<uint64_t> mult(size_t(F::planes) * rw_, 0);  // per row: how often the pivot row was subtracted
      for (int r2 = 0; r2 < rows; ++r2) {
        const int m = r2 == piv ? 0 : F::get(row(r2), w, c);
        if (!m) continue;
        F::set(mult.data(), rw_, r2, m);
        F::sub(row(r2), row(piv), w, c / 64, m);
      }
      pivot_col_.push_back(c);
      swap_row_.push_back(r);
      pivot_.push_back(pivot);
      mult_.insert(mult_.end(), mult.begin(), mult.end());
      ++piv;
    }
  }
  int rank() const { return int(pivot_col_.size()); }
  // Solves for `rhs` (F::planes · ceil(rows/64) words); free variables 0; x[c] in 0..p-1. False if
  // inconsistent.
  bool solve(std::vector<uint64_t> rhs, std::vector<uint8_t>& x) const {
    uint64_t* b = rhs.data();
    for (int i = 0; i < rank(); ++i) {
      const int s = swap_row_[size_t(i)];
      const int at_s = F::get(b, rw_, s), at_i = F::get(b, rw_, i);
      const int v = at_s * pivot_[size_t(i)] % F::p;  // rows i and s swapped, row i scaled by pivot⁻¹ = pivot
      F::set(b, rw_, s, at_i);
      F::set(b, rw_, i, v);
      if (v) F::sub(b, &mult_[size_t(i) * F::planes * rw_], rw_, 0, v);
    }
    for (int r = rank(); r < rows_; ++r)
      if (F::get(b, rw_, r)) return false;
    x.assign(size_t(cols_), 0);
    for (int i = 0; i < rank(); ++i) x[size_t(pivot_col_[size_t(i)])] = uint8_t(F::get(b, rw_, i));
    return true;
  }

 private:
  int rows_, cols_, rw_;
  std::vector<int> pivot_col_, swap_row_, pivot_;
  std::vector<uint64_t> mult_;  // per pivot, F::planes·rw_ words: the multiple of the pivot row taken from each row
};

uint64_t power(int p, int k) {
  uint64_t r = 1;
  while (k-- > 0) r *= uint64_t(p);
  return r;
}

// Residues mod m, or mod 2^64 when m == 0 (wrapping arithmetic, exact modulo every power of 2).
struct Modulus {
  uint64_t m;
  uint64_t mul(uint64_t a, uint64_t b) const { return m ? uint64_t((unsigned __int128)a * b % m) : a * b; }
  uint64_t sub(uint64_t a, uint64_t b) const { return m ? (a >= b ? a - b : a + (m - b)) : a - b; }
  uint64_t add(uint64_t a, uint64_t b) const { return sub(a, sub(0, b)); }
};

// The representative of x (0 <= x < m) in (−m/2, m/2].
int64_t symmetric(uint64_t x, uint64_t m) { return x > m / 2 ? int64_t(x) - int64_t(m) : int64_t(x); }

// All coefficients mod p, u then v then w, term-major.
std::vector<uint64_t> residues(const Scheme& s, int p) {
  std::vector<uint64_t> x;
  for (const auto* part : {&s.u, &s.v, &s.w})
    for (const Rational& q : *part) {
      try {
        x.push_back(uint64_t(q.mod(p)));
      } catch (const std::domain_error& e) {
        throw std::invalid_argument(e.what());
      }
    }
  return x;
}

// T − Σ u⊗v⊗w for the coefficients x (laid out as in `residues`), entry (a·nb + b)·nc + c.
std::vector<uint64_t> residual(const Format& f, int rank, const std::vector<uint64_t>& x, const Modulus& mod) {
  const int na = f.a_size(), nb = f.b_size(), nc = f.c_size();
  const size_t off[3] = {0, size_t(rank) * na, size_t(rank) * (na + nb)};
  std::vector<uint64_t> e(size_t(na) * nb * nc, 0);
  for (int i = 0; i < f.n; ++i)
    for (int j = 0; j < f.m; ++j)
      for (int l = 0; l < f.p; ++l) e[(size_t(f.a_index(i, j)) * nb + f.b_index(j, l)) * nc + f.c_index(i, l)] = 1;
  for (int r = 0; r < rank; ++r)
    for (int a = 0; a < na; ++a) {
      const uint64_t ua = x[off[0] + size_t(r) * na + a];
      if (!ua) continue;
      for (int b = 0; b < nb; ++b) {
        const uint64_t vb = x[off[1] + size_t(r) * nb + b];
        if (!vb) continue;
        const uint64_t uv = mod.mul(ua, vb);
        for (int c = 0; c < nc; ++c) {
          const uint64_t wc = x[off[2] + size_t(r) * nc + c];
          if (!wc) continue;
          uint64_t& ec = e[(size_t(a) * nb + b) * nc + c];
          ec = mod.sub(ec, mod.mul(uv, wc));
        }
      }
    }
  return e;
}

// The lift of x0 (the scheme's coefficients mod F::p, as 0..p-1) with modulus F::p^bits.
// tie[i]: the coefficient that coefficient i must equal (itself when free); tied coefficients move
// together, so that a cyclic-invariant scheme stays invariant.
template <class F>
LiftResult lift(const Format& f, int rank, const std::vector<uint64_t>& x0, const std::vector<int>& tie, int bits,
                bool same_support) {
  const int p = F::p, na = f.a_size(), nb = f.b_size(), nc = f.c_size();
  const long entries = long(na) * nb * nc;
  const Modulus mod{p == 2 ? 0 : power(p, bits)};
  // Start from the symmetric residues (2 ≡ −1 mod 3): the coefficients that stay free then keep
  // small values, and a ternary scheme is its own lift.
  std::vector<uint64_t> x;
  for (const uint64_t d : x0) x.push_back(d > uint64_t(p / 2) ? mod.sub(d, uint64_t(p)) : d);
  const std::string mod_p = "mod " + std::to_string(p);
  {
    const std::vector<uint64_t> e = residual(f, rank, x, mod);
    if (std::any_of(e.begin(), e.end(), [&](uint64_t v) { return v % p != 0; }))
      throw std::invalid_argument("the scheme is not valid " + mod_p);
  }
  const int len[3] = {na, nb, nc};
  const size_t off[3] = {0, size_t(rank) * na, size_t(rank) * (na + nb)};
  std::vector<int> unknowns, col_of(x.size(), -1);  // the free coefficients that may change, and their columns
  for (size_t i = 0; i < x.size(); ++i)
    if (tie[i] == int(i) && (!same_support || x0[i])) {
      col_of[i] = int(unknowns.size());
      unknowns.push_back(int(i));
    }

  // Jacobian mod p: d(u_r⊗v_r⊗w_r)/d(u_r[a]) = e_a⊗v_r⊗w_r, evaluated at x0; a column sums the
  // derivatives of the coefficients tied to its unknown.
  const int cols = int(unknowns.size()), words = (cols + 63) / 64;
  const size_t stride = size_t(F::planes) * words;
  std::vector<uint64_t> jac(size_t(entries) * stride, 0);
  for (size_t pos = 0; pos < x.size(); ++pos) {
    const int col = col_of[size_t(tie[pos])];
    if (col < 0) continue;
    const int role = pos >= off[2] ? 2 : pos >= off[1] ? 1 : 0;
    const int r = int((pos - off[role]) / size_t(len[role])), at = int((pos - off[role]) % size_t(len[role]));
    const int o1 = (role + 1) % 3, o2 = (role + 2) % 3;
    for (int i1 = 0; i1 < len[o1]; ++i1) {
      const uint64_t x1 = x0[off[o1] + size_t(r) * len[o1] + i1];
      if (!x1) continue;
      for (int i2 = 0; i2 < len[o2]; ++i2) {
        const uint64_t x2 = x0[off[o2] + size_t(r) * len[o2] + i2];
        if (!x2) continue;
        int idx[3];
        idx[role] = at, idx[o1] = i1, idx[o2] = i2;
        uint64_t* row = &jac[size_t((long(idx[0]) * nb + idx[1]) * nc + idx[2]) * stride];
        F::set(row, words, col, int((uint64_t(F::get(row, words, col)) + x1 * x2) % uint64_t(p)));
      }
    }
  }
  const LinearSystem<F> system(std::move(jac), int(entries), cols);

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
  const std::string power_of_p = std::to_string(p) + "^";
  const int rw = int((entries + 63) / 64);
  uint64_t pk = 1;  // p^k
  for (int k = 1; k < bits; ++k) {
    pk *= uint64_t(p);
    // x ≡ a solution mod p^k, so the residual is divisible by p^k; its next digit is the right-hand side.
    const std::vector<uint64_t> e = residual(f, rank, x, mod);
    std::vector<uint64_t> rhs(size_t(F::planes) * rw, 0);
    for (long i = 0; i < entries; ++i) F::set(rhs.data(), rw, int(i), int(e[size_t(i)] / pk % uint64_t(p)));
    std::vector<uint8_t> delta;
    if (!system.solve(std::move(rhs), delta)) {
      result.steps = k - 1;
      result.proof = k == 1 || result.free_variables == 0;
      result.message = k == 1 ? std::string("cannot be lifted") + (same_support ? " with its sparsity pattern" : "") +
                                    ": the linear system " + mod_p + " of the first step (mod " + std::to_string(p * p) +
                                    ") has no solution"
                              : "the lifting system of step " + std::to_string(k) + " (mod " + power_of_p +
                                    std::to_string(k + 1) + ") has no solution along the chosen path (free variables set to 0; " +
                                    std::to_string(result.free_variables) + " free variables)";
      return result;
    }
    for (size_t i = 0; i < x.size(); ++i) {
      const int col = col_of[size_t(tie[i])];
      if (col >= 0) x[i] = mod.add(x[i], delta[size_t(col)] * pk);
    }
    result.steps = k;
    Scheme z = as_scheme([&](uint64_t v) { return Rational(symmetric(v % (pk * uint64_t(p)), pk * uint64_t(p))); });
    if (valid(z, Field::Z)) {
      result.ok = true;
      result.scheme = std::move(z);
      result.message = "lifted from " + mod_p + " to an integer scheme after " + std::to_string(k) + " step(s)";
      return result;
    }
  }
  bool all = true;
  Scheme q = as_scheme([&](uint64_t v) {
    int64_t num = 0, den = 1;
    all &= rational_reconstruction(v, p, bits, num, den);
    return Rational(num, den);
  });
  const std::string lifted = "lifted mod " + power_of_p + std::to_string(bits);
  if (all && valid(q, q.all_integer() ? Field::Z : Field::Q)) {
    result.ok = true;
    result.scheme = std::move(q);
    result.message = lifted + " and rebuilt with rational coefficients";
    return result;
  }
  result.message = lifted + " but found no small rational coefficients that hold over Q (free variables set to 0; " +
                   std::to_string(result.free_variables) + " free variables)";
  return result;
}

// Ties for a scheme that is cyclic-invariant mod p with the terms of each orbit exact rotations of
// each other mod p and fixed terms (x,x,x) (as improve --symmetry writes them): each coefficient
// tied to the one of its fixed term's u or its orbit's first term. Empty when the scheme is not so.
std::vector<int> cyclic_ties(const Scheme& s, const std::vector<uint64_t>& x0, int p) {
  const Format& f = s.format;
  if (f.n != f.m || f.m != f.p) return {};
  std::optional<CyclicOrbits> orbits;
  try {
    orbits = cyclic_orbits(s, p == 2 ? Field::Z2 : Field::Z3);
  } catch (const std::domain_error&) {
    return {};
  }
  if (!orbits) return {};
  const int len = f.a_size(), rank = s.rank();
  auto pos = [&](int role, int t, int a) { return (size_t(role) * rank + t) * len + a; };
  std::vector<int> tie(x0.size());
  for (size_t i = 0; i < tie.size(); ++i) tie[i] = int(i);
  auto tie_term = [&](int t, int t0, int shift) {  // term t = term t0 with its factors rotated by shift
    for (int role = 0; role < 3; ++role)
      for (int a = 0; a < len; ++a) {
        const size_t from = pos(role, t, a), to = pos((role + shift) % 3, t0, a);
        if (x0[from] != x0[to]) return false;
        tie[from] = int(to);
      }
    return true;
  };
  for (int t : orbits->fixed)
    for (int shift = 1; shift < 3; ++shift)
      for (int a = 0; a < len; ++a) {  // v and w of a fixed term tied to its u
        const size_t from = pos(shift, t, a), to = pos(0, t, a);
        if (x0[from] != x0[to]) return {};
        tie[from] = int(to);
      }
  for (const auto& o : orbits->orbits)
    if (!tie_term(o[1], o[0], 1) || !tie_term(o[2], o[0], 2)) return {};
  return tie;
}

}  // namespace

int max_lift_bits(int prime) {
  if (prime == 2) return 62;
  if (prime == 3) return 39;
  throw std::invalid_argument("lifting works mod 2 or mod 3, not mod " + std::to_string(prime));
}

bool rational_reconstruction(uint64_t x, int prime, int bits, int64_t& num, int64_t& den) {
  if (bits < 2 || bits > max_lift_bits(prime))
    throw std::invalid_argument("lifting bits must be in 2.." + std::to_string(max_lift_bits(prime)) + " mod " +
                                std::to_string(prime));
  const __int128 m = __int128(power(prime, bits));
  // The largest bound with 2·bound² < m: then at most one fraction within the bounds fits.
  __int128 bound = __int128(std::sqrt(double(m) / 2));
  while (2 * bound * bound >= m) --bound;
  while (2 * (bound + 1) * (bound + 1) < m) ++bound;
  __int128 r0 = m, r1 = __int128(x) % m, t0 = 0, t1 = 1;
  while (r1 > bound) {
    const __int128 q = r0 / r1;
    const __int128 r2 = r0 - q * r1, t2 = t0 - q * t1;
    r0 = r1, r1 = r2, t0 = t1, t1 = t2;
  }
  if (t1 == 0 || t1 > bound || -t1 > bound || (t1 % prime) == 0) return false;
  num = int64_t(t1 < 0 ? -r1 : r1);
  den = int64_t(t1 < 0 ? -t1 : t1);
  return true;
}

LiftResult hensel_lift(const Scheme& s, const LiftOptions& o) {
  const int p = o.prime, bits = o.bits ? o.bits : p == 3 ? 25 : 40;
  if (bits < 2 || bits > max_lift_bits(p))
    throw std::invalid_argument("lifting bits must be in 2.." + std::to_string(max_lift_bits(p)) + " mod " +
                                std::to_string(p));
  const Format& f = s.format;
  if (long(f.a_size()) * f.b_size() * f.c_size() > (1L << 20))
    throw std::invalid_argument("format " + f.str() + " is too large to lift here");
  const std::vector<uint64_t> x0 = residues(s, p);
  auto run = [&](const std::vector<int>& tie) {
    return p == 2 ? lift<Gf2>(f, s.rank(), x0, tie, bits, o.same_support)
                  : lift<Gf3>(f, s.rank(), x0, tie, bits, o.same_support);
  };
  std::vector<int> free(x0.size());
  for (size_t i = 0; i < free.size(); ++i) free[i] = int(i);
  const std::vector<int> tie = o.keep_cyclic ? cyclic_ties(s, x0, p) : std::vector<int>{};
  if (tie.empty()) return run(free);
  LiftResult r = run(tie);
  if (r.ok) {
    r.message += ", cyclic-invariant (the fixed terms and orbit representatives lifted)";
    return r;
  }
  LiftResult any = run(free);
  any.message += " (no cyclic-invariant lift: " + r.message + ")";
  return any;
}

}  // namespace at::improve
