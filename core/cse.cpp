#include "core/cse.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace at {

Form form_of(const Rational* coefs, int size) {
  Form f;
  for (int i = 0; i < size; ++i)
    if (!coefs[i].is_zero()) f.push_back({i, coefs[i]});
  return f;
}

std::vector<LinearStep> eliminate_pairs(std::vector<Form>& forms, int num_vars, int min_uses) {
  using Key = std::tuple<int, int, Rational>;
  std::vector<LinearStep> temps;
  for (;;) {
    std::map<Key, int> count;
    for (const Form& f : forms)
      for (size_t a = 0; a < f.size(); ++a)
        for (size_t b = a + 1; b < f.size(); ++b) ++count[Key{f[a].var, f[b].var, f[b].coef / f[a].coef}];
    const Key* best = nullptr;
    int best_count = std::max(2, min_uses) - 1;
    for (const auto& [key, c] : count)
      if (c > best_count) best = &key, best_count = c;
    if (!best) return temps;
    const int i = std::get<0>(*best), j = std::get<1>(*best);  // no structured bindings: lambdas use them
    const Rational q = std::get<2>(*best);
    const int t = num_vars + int(temps.size());
    temps.push_back({t, Form{{i, Rational(1)}, {j, q}}});
    for (Form& f : forms) {
      auto fi = std::find_if(f.begin(), f.end(), [&](const Term& x) { return x.var == i; });
      auto fj = std::find_if(f.begin(), f.end(), [&](const Term& x) { return x.var == j; });
      if (fi == f.end() || fj == f.end() || fj->coef / fi->coef != q) continue;
      const Rational c = fi->coef;
      f.erase(std::remove_if(f.begin(), f.end(), [&](const Term& x) { return x.var == i || x.var == j; }), f.end());
      f.push_back({t, c});  // t is the largest index so far: the form stays sorted
    }
  }
}

std::vector<Form> a_forms(const Scheme& s) {
  std::vector<Form> out;
  for (int r = 0; r < s.rank(); ++r) out.push_back(form_of(s.u_row(r), s.format.a_size()));
  return out;
}

std::vector<Form> b_forms(const Scheme& s) {
  std::vector<Form> out;
  for (int r = 0; r < s.rank(); ++r) out.push_back(form_of(s.v_row(r), s.format.b_size()));
  return out;
}

std::vector<Form> c_forms(const Scheme& s) {
  std::vector<Form> out(size_t(s.format.c_size()));
  for (int r = 0; r < s.rank(); ++r)
    for (int c = 0; c < s.format.c_size(); ++c)
      if (!s.w_row(r)[c].is_zero()) out[size_t(c)].push_back({r, s.w_row(r)[c]});
  return out;
}

long additions_after_elimination(const Scheme& s, int min_uses) {
  long total = 0;
  auto side = [&](std::vector<Form> forms, int vars) {
    total += long(eliminate_pairs(forms, vars, min_uses).size());
    for (const Form& f : forms) total += form_additions(f);
  };
  side(a_forms(s), s.format.a_size());
  side(b_forms(s), s.format.b_size());
  side(c_forms(s), s.rank());
  return total;
}

}  // namespace at
