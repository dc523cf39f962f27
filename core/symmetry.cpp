#include "core/symmetry.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include "core/ops.hpp"

namespace at {
namespace {

using Key = std::vector<int64_t>;

// The rank-one tensor u⊗v⊗w in `over`, written so that equal tensors give equal keys: u and v
// scaled to a leading 1, w carrying the product of the scalars (a zero factor makes the zero key).
Key term_key(const Rational* u, const Rational* v, const Rational* w, int len, Field over) {
  std::vector<Rational> f[3];
  const Rational* rows[3] = {u, v, w};
  for (int r = 0; r < 3; ++r) {
    f[r].reserve(size_t(len));
    for (int i = 0; i < len; ++i) f[r].push_back(reduce_in(over, rows[r][i]));
  }
  Key key;
  key.reserve(size_t(6 * len));
  Rational carry(1);
  for (int r = 0; r < 3; ++r) {
    int lead = 0;
    while (lead < len && f[r][size_t(lead)].is_zero()) ++lead;
    if (lead == len) return Key(size_t(6 * len), 0);
    Rational scale = r < 2 ? f[r][size_t(lead)] : Rational(1);
    // Mod 2 and mod 3 every unit is its own inverse.
    const Rational inv = is_modular(over) ? scale : Rational(1) / scale;
    if (r == 2) scale = carry;
    for (int i = 0; i < len; ++i) {
      const Rational x = reduce_in(over, r < 2 ? f[r][size_t(i)] * inv : f[r][size_t(i)] * scale);
      key.push_back(x.num());
      key.push_back(x.den());
    }
    if (r < 2) carry = reduce_in(over, carry * f[r][size_t(lead)]);
  }
  return key;
}

}  // namespace

std::string symmetry_name(Symmetry s) { return s == Symmetry::Cyclic ? "cyclic" : "none"; }

Symmetry parse_symmetry(const std::string& s) {
  if (s == "none") return Symmetry::None;
  if (s == "cyclic") return Symmetry::Cyclic;
  throw std::invalid_argument("unknown symmetry '" + s + "' (none or cyclic)");
}

void check_cyclic_format(const Format& f) {
  if (f.n != f.m || f.m != f.p)
    throw std::invalid_argument("cyclic symmetry needs a square format n,n,n, not " + f.str());
}

std::optional<CyclicOrbits> cyclic_orbits(const Scheme& s, Field over) {
  check_cyclic_format(s.format);
  const int len = s.format.a_size();
  // Unmatched terms by key; each term is matched once, so repeated terms need repeated orbits.
  std::map<Key, std::vector<int>> free;
  std::vector<Key> keys;
  for (int t = 0; t < s.rank(); ++t) {
    keys.push_back(term_key(s.u_row(t), s.v_row(t), s.w_row(t), len, over));
    free[keys.back()].push_back(t);
  }
  auto take = [&](const Key& k, int t) {  // removes t (or, when t < 0, any term) with key k
    auto it = free.find(k);
    if (it == free.end() || it->second.empty()) return -1;
    std::vector<int>& ts = it->second;
    size_t i = 0;
    if (t >= 0)
      while (i < ts.size() && ts[i] != t) ++i;
    if (i == ts.size()) return -1;
    const int found = ts[i];
    ts.erase(ts.begin() + long(i));
    return found;
  };
  CyclicOrbits out;
  for (int t = 0; t < s.rank(); ++t) {
    if (take(keys[size_t(t)], t) < 0) continue;  // already matched as part of an earlier orbit
    const Key k1 = term_key(s.v_row(t), s.w_row(t), s.u_row(t), len, over);
    if (k1 == keys[size_t(t)]) {
      out.fixed.push_back(t);
      continue;
    }
    const int t1 = take(k1, -1);
    const int t2 = t1 < 0 ? -1 : take(term_key(s.w_row(t), s.u_row(t), s.v_row(t), len, over), -1);
    if (t2 < 0) return std::nullopt;
    out.orbits.push_back({t, t1, t2});
  }
  return out;
}

std::string cyclic_summary(const Scheme& s, Field over) {
  if (s.format.n != s.format.m || s.format.m != s.format.p) return "";
  std::optional<CyclicOrbits> o;
  try {
    o = cyclic_orbits(s, over);
  } catch (const std::domain_error&) {  // a coefficient without a value in `over` (1/2 mod 2)
  }
  if (!o) return "cyclic-invariant: no";
  return "cyclic-invariant: yes (" + std::to_string(o->fixed.size()) + " fixed, " + std::to_string(o->orbits.size()) +
         " orbits)";
}

Scheme cyclic_closure(const Scheme& g) {
  check_cyclic_format(g.format);
  const int len = g.format.a_size();
  Scheme out = Scheme::zeros(g.format, g.field, 0);
  for (int t = 0; t < g.rank(); ++t) {
    const std::vector<Rational> u(g.u_row(t), g.u_row(t) + len), v(g.v_row(t), g.v_row(t) + len),
        w(g.w_row(t), g.w_row(t) + len);
    out.add_term(u, v, w);
    if (term_key(v.data(), w.data(), u.data(), len, g.field) == term_key(u.data(), v.data(), w.data(), len, g.field))
      continue;
    out.add_term(v, w, u);
    out.add_term(w, u, v);
  }
  return out;
}

Scheme cyclic_generators(const Scheme& s, const CyclicOrbits& orbits) {
  const int len = s.format.a_size();
  Scheme out = Scheme::zeros(s.format, s.field, 0);
  auto add = [&](int t) {
    out.add_term(std::vector<Rational>(s.u_row(t), s.u_row(t) + len), std::vector<Rational>(s.v_row(t), s.v_row(t) + len),
                 std::vector<Rational>(s.w_row(t), s.w_row(t) + len));
  };
  for (int t : orbits.fixed) add(t);
  for (const auto& o : orbits.orbits) add(o[0]);
  return out;
}

Scheme cyclic_change_basis(const Scheme& s, const Mat& P) {
  check_cyclic_format(s.format);
  return change_basis(s, P, P, P);
}

Scheme cyclic_sandwich(const Scheme& s, const Mat& X) {
  check_cyclic_format(s.format);
  return sandwich(s, X, X, X);
}

Scheme cyclic_diagonal_scheme(int n, const std::vector<int>& sizes, Field field) {
  int total = 0, rank = n * n * n - n;
  for (int k : sizes) {
    if (k < 1) throw std::invalid_argument("diagonal part sizes must be >= 1");
    total += k;
    rank += k * k * k - k + 1;
  }
  if (n < 1 || total != n)
    throw std::invalid_argument("diagonal part sizes must sum to n = " + std::to_string(n) + ", not " + std::to_string(total));
  const Format f{n, n, n};
  Scheme s = Scheme::zeros(f, field, rank);
  int r = 0;
  auto term = [&](int a, int b, int c, int sign) {
    s.u_row(r)[a] = sign;
    s.v_row(r)[b] = 1;
    s.w_row(r)[c] = 1;
    ++r;
  };
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k)
        if (i != j || j != k) term(f.a_index(i, j), f.b_index(j, k), f.c_index(i, k), 1);
  const int minus = field == Field::Z2 ? 1 : -1;
  for (int first = 0, part = 0; part < int(sizes.size()); first += sizes[size_t(part)], ++part) {
    const int last = first + sizes[size_t(part)];
    for (int i = first; i < last; ++i) {
      const int d = f.a_index(i, i);  // E_ii has the same index in all three factors
      s.u_row(r)[d] = s.v_row(r)[d] = s.w_row(r)[d] = 1;
    }
    ++r;
    for (int i = first; i < last; ++i)
      for (int j = first; j < last; ++j)
        for (int k = first; k < last; ++k)
          if (i != j || j != k) term(f.a_index(i, i), f.a_index(j, j), f.a_index(k, k), minus);
  }
  return s;
}

std::vector<int> parse_diagonal_sizes(const std::string& text) {
  std::vector<int> sizes;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 3)
      throw std::invalid_argument("diagonal part sizes must be positive integers separated by commas, not '" + text + "'");
    sizes.push_back(std::stoi(item));
    pos = comma + 1;
  }
  return sizes;
}

}  // namespace at
