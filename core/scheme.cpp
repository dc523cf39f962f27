#include "core/scheme.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/cse.hpp"

namespace at {

Scheme Scheme::zeros(const Format& f, Field field, int rank) {
  Scheme s;
  s.format = f;
  s.field = field;
  s.u.assign(size_t(rank) * f.a_size(), Rational());
  s.v.assign(size_t(rank) * f.b_size(), Rational());
  s.w.assign(size_t(rank) * f.c_size(), Rational());
  return s;
}

void Scheme::add_term(const std::vector<Rational>& a, const std::vector<Rational>& b,
                      const std::vector<Rational>& c) {
  if (int(a.size()) != format.a_size() || int(b.size()) != format.b_size() ||
      int(c.size()) != format.c_size())
    throw std::invalid_argument("term does not match format " + format.str());
  u.insert(u.end(), a.begin(), a.end());
  v.insert(v.end(), b.begin(), b.end());
  w.insert(w.end(), c.begin(), c.end());
}

void Scheme::drop_zero_terms() {
  Scheme out = zeros(format, field, 0);
  auto zero = [](const Rational* x, int n) {
    return std::all_of(x, x + n, [](const Rational& q) { return q.is_zero(); });
  };
  for (int r = 0; r < rank(); ++r) {
    if (zero(u_row(r), format.a_size()) || zero(v_row(r), format.b_size()) ||
        zero(w_row(r), format.c_size()))
      continue;
    out.add_term({u_row(r), u_row(r) + format.a_size()}, {v_row(r), v_row(r) + format.b_size()},
                 {w_row(r), w_row(r) + format.c_size()});
  }
  *this = std::move(out);
}

bool Scheme::all_integer() const {
  for (const auto* f : {&u, &v, &w})
    for (const Rational& q : *f)
      if (!q.is_integer()) return false;
  return true;
}

int64_t Scheme::max_abs_numerator() const {
  int64_t m = 0;
  for (const auto* f : {&u, &v, &w})
    for (const Rational& q : *f) m = std::max(m, q.num() < 0 ? -q.num() : q.num());
  return m;
}

int64_t Scheme::max_denominator() const {
  int64_t m = 1;
  for (const auto* f : {&u, &v, &w})
    for (const Rational& q : *f) m = std::max(m, q.den());
  return m;
}

Scheme Scheme::reduced_mod(Field f) const {
  if (!is_modular(f)) throw std::invalid_argument("reduced_mod: " + field_name(f) + " is not Z2 or Z3");
  Scheme s = *this;
  s.field = f;
  for (auto* x : {&s.u, &s.v, &s.w})
    for (Rational& q : *x) q = reduce_in(f, q);
  return s;
}

SchemeStats scheme_stats(const Scheme& s) {
  SchemeStats st;
  st.rank = s.rank();
  const Format& f = s.format;
  auto nnz = [](const Rational* x, int n) {
    return long(std::count_if(x, x + n, [](const Rational& q) { return !q.is_zero(); }));
  };
  std::vector<long> per_c(f.c_size(), 0);
  for (int r = 0; r < st.rank; ++r) {
    const long nu = nnz(s.u_row(r), f.a_size()), nv = nnz(s.v_row(r), f.b_size());
    const long nw = nnz(s.w_row(r), f.c_size());
    st.nonzeros += nu + nv + nw;
    st.additions += std::max(0L, nu - 1) + std::max(0L, nv - 1);
    for (int c = 0; c < f.c_size(); ++c)
      if (!s.w_row(r)[c].is_zero()) ++per_c[c];
  }
  for (long n : per_c) st.additions += std::max(0L, n - 1);
  st.additions_cse = additions_after_elimination(s);
  return st;
}

std::string entry_name(const Format& f, int a, int b, int c) {
  auto two = [](int x, int y) {
    return (x < 9 && y < 9) ? std::to_string(x + 1) + std::to_string(y + 1)
                            : std::to_string(x + 1) + "," + std::to_string(y + 1);
  };
  const int i = a / f.m, j = a % f.m, j2 = b / f.p, k = b % f.p, k2 = c / f.n, i2 = c % f.n;
  return "a" + two(i, j) + "·b" + two(j2, k) + " → c" + two(i2, k2);
}

namespace {

// The three exact arithmetics of the verifier. Each maps a coefficient into the ring, and adds
// the product of three coefficients to an accumulator.
struct IntRing {
  using T = int64_t;
  static T from(const Rational& q) {
    if (!q.is_integer()) throw std::domain_error("coefficient " + q.str() + " is not an integer");
    return q.num();
  }
  static void fma3(T& acc, T a, T b, T c) {
    acc = checked_add(acc, checked_mul(checked_mul(a, b), c));
  }
  static std::string str(T x) { return std::to_string(x); }
};
struct Mod2Ring {
  using T = uint8_t;
  static T from(const Rational& q) { return T(q.mod2()); }
  static void fma3(T& acc, T a, T b, T c) { acc ^= (a & b & c); }
  static std::string str(T x) { return std::to_string(int(x)); }
};
struct Mod3Ring {
  using T = uint8_t;
  static T from(const Rational& q) { return T(q.mod(3)); }
  static void fma3(T& acc, T a, T b, T c) { acc = T((acc + a * b * c) % 3); }
  static std::string str(T x) { return std::to_string(int(x)); }
};
struct RationalRing {
  using T = Rational;
  static T from(const Rational& q) { return q; }
  static void fma3(T& acc, const T& a, const T& b, const T& c) { acc += a * b * c; }
  static std::string str(const T& x) { return x.str(); }
};

template <typename Ring>
VerifyResult verify_in(const Scheme& s, Field field) {
  using T = typename Ring::T;
  VerifyResult res;
  res.field = field;
  const Format& f = s.format;
  const int A = f.a_size(), B = f.b_size(), C = f.c_size(), R = s.rank();
  if (s.u.size() != size_t(R) * A || s.v.size() != size_t(R) * B || s.w.size() != size_t(R) * C) {
    res.error = "factor sizes do not match the format";
    return res;
  }
  // Sparse factors: for each term the non-zero (index, value) pairs; for each A index the terms.
  struct Entry { int idx; T val; };
  std::vector<std::vector<Entry>> vs(R), ws(R);
  std::vector<std::vector<std::pair<int, T>>> terms_of_a(A);
  for (int r = 0; r < R; ++r) {
    for (int a = 0; a < A; ++a)
      if (!s.u_row(r)[a].is_zero()) {
        T x = Ring::from(s.u_row(r)[a]);
        if (x != T(0)) terms_of_a[a].push_back({r, x});
      }
    for (int b = 0; b < B; ++b)
      if (!s.v_row(r)[b].is_zero()) {
        T x = Ring::from(s.v_row(r)[b]);
        if (x != T(0)) vs[r].push_back({b, x});
      }
    for (int c = 0; c < C; ++c)
      if (!s.w_row(r)[c].is_zero()) {
        T x = Ring::from(s.w_row(r)[c]);
        if (x != T(0)) ws[r].push_back({c, x});
      }
  }
  // One A index at a time: acc[b*C + c] = Σ_r u_r[a] v_r[b] w_r[c].
  std::vector<T> acc(size_t(B) * C);
  for (int a = 0; a < A; ++a) {
    std::fill(acc.begin(), acc.end(), T(0));
    for (const auto& [r, x] : terms_of_a[a])
      for (const Entry& y : vs[r])
        for (const Entry& z : ws[r]) Ring::fma3(acc[size_t(y.idx) * C + z.idx], x, y.val, z.val);
    const int i = a / f.m, j = a % f.m;
    for (int b = 0; b < B; ++b)
      for (int c = 0; c < C; ++c) {
        const int j2 = b / f.p, k = b % f.p, k2 = c / f.n, i2 = c % f.n;
        const T expected = (j == j2 && k == k2 && i == i2) ? T(1) : T(0);
        if (acc[size_t(b) * C + c] != expected) {
          res.error = entry_name(f, a, b, c) + ": expected " + Ring::str(expected) + ", found " +
                      Ring::str(acc[size_t(b) * C + c]);
          return res;
        }
      }
  }
  res.ok = true;
  return res;
}

}  // namespace

VerifyResult verify(const Scheme& s, Field over) {
  try {
    switch (over) {
      case Field::Z: return verify_in<IntRing>(s, over);
      case Field::Z2: return verify_in<Mod2Ring>(s, over);
      case Field::Z3: return verify_in<Mod3Ring>(s, over);
      case Field::Q:
        return s.all_integer() ? verify_in<IntRing>(s, over) : verify_in<RationalRing>(s, over);
    }
  } catch (const std::exception& e) {  // overflow, non-integer over Z, a denominator with no inverse mod p
    VerifyResult res;
    res.field = over;
    res.error = e.what();
    return res;
  }
  return {};
}

}  // namespace at
