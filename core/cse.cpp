#include "core/cse.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>

namespace at {

Form form_of(const Rational* coefs, int size) {
  Form f;
  for (int i = 0; i < size; ++i)
    if (!coefs[i].is_zero()) f.push_back({i, coefs[i]});
  return f;
}

std::string cse_goal_name(CseGoal g) { return g == CseGoal::traffic ? "traffic" : "additions"; }

CseGoal parse_cse_goal(const std::string& text) {
  if (text == "additions") return CseGoal::additions;
  if (text == "traffic") return CseGoal::traffic;
  throw std::invalid_argument("unknown elimination goal '" + text + "' (additions or traffic)");
}

std::vector<LinearStep> eliminate_pairs(std::vector<Form>& forms, int num_vars, int min_uses, CseGoal goal,
                                        bool lone_saves) {
  using Key = std::tuple<int, int, Rational>;
  struct Uses {
    int forms = 0;  // forms holding the pair
    int pairs = 0;  // of them, forms that are the pair alone (they become lone operands)
  };
  // Additions: the use count. Traffic: blocks saved (one read per use, two more per form turned
  // lone when lone_saves, less the temporary's pass of 3), offset so that 0 saved still counts.
  const auto score = [&](const Uses& u) {
    if (u.forms < std::max(2, min_uses)) return 0;
    return goal == CseGoal::additions ? u.forms : u.forms + (lone_saves ? 2 * u.pairs : 0) - 3 + 1;
  };
  std::vector<LinearStep> temps;
  for (;;) {
    std::map<Key, Uses> count;
    for (const Form& f : forms)
      for (size_t a = 0; a < f.size(); ++a)
        for (size_t b = a + 1; b < f.size(); ++b) {
          Uses& u = count[Key{f[a].var, f[b].var, f[b].coef / f[a].coef}];
          ++u.forms;
          u.pairs += f.size() == 2;
        }
    const Key* best = nullptr;
    int best_score = 0;
    for (const auto& [key, u] : count)
      if (score(u) > best_score) best = &key, best_score = score(u);
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

long block_traffic(const Scheme& s, int min_uses, CseGoal goal) {
  const auto pass = [](const Form& f) { return long(f.size()) + 1; };
  const int rank = s.rank();
  long total = 0;
  std::vector<Form> a = a_forms(s), b = b_forms(s), c = c_forms(s);
  for (const LinearStep& t : eliminate_pairs(a, s.format.a_size(), min_uses, goal, true)) total += pass(t.form);
  for (const LinearStep& t : eliminate_pairs(b, s.format.b_size(), min_uses, goal, true)) total += pass(t.form);
  std::vector<int> uses(size_t(rank), 0);
  for (const LinearStep& t : eliminate_pairs(c, rank, min_uses, goal, false)) {
    total += pass(t.form);
    for (const Term& x : t.form)
      if (x.var < rank) ++uses[size_t(x.var)];
  }
  for (const Form& f : c)
    for (const Term& x : f)
      if (x.var < rank) ++uses[size_t(x.var)];
  // Per product: its operands' passes, and its buffer write unless it goes straight into C.
  auto direct = [&](const Term& t) {
    if (t.var >= rank || uses[size_t(t.var)] != 1) return false;
    const Form& x = a[size_t(t.var)];
    const Form& y = b[size_t(t.var)];
    return x.size() > 1 || y.size() > 1 || t.coef * x[0].coef * y[0].coef == Rational(1);
  };
  std::vector<bool> buffered(size_t(rank), true);
  for (const Form& f : c) {
    long left = 0;
    for (const Term& t : f) {
      if (direct(t)) buffered[size_t(t.var)] = false;
      else ++left;
    }
    total += left > 0 ? left + 1 : 1;
  }
  for (int r = 0; r < rank; ++r) {
    const Form& x = a[size_t(r)];
    const Form& y = b[size_t(r)];
    total += (x.size() > 1 ? pass(x) : 0) + (y.size() > 1 ? pass(y) : 0) + (buffered[size_t(r)] ? 1 : 0);
  }
  return total;
}

}  // namespace at
