#include "codegen/plan.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/files.hpp"
#include "core/scheme_io.hpp"

namespace at::codegen {

namespace {

Form form_of(const Rational* coefs, int size) {
  Form f;
  for (int i = 0; i < size; ++i)
    if (!coefs[i].is_zero()) f.push_back({i, coefs[i]});
  return f;
}

// Moves a factor out of the form and returns it: the first coefficient when that makes the form
// start with 1 without creating fractions (it is ±1, or the form is a lone operand), else its sign.
Rational normalize(Form& f) {
  if (f.empty()) return Rational(1);
  const Rational first = f[0].coef;
  const bool unit = first == Rational(1) || first == Rational(-1);
  const Rational factor = unit || f.size() == 1 ? first : Rational(first.sign());
  for (Term& t : f) t.coef = t.coef / factor;
  return factor;
}

// Greedy pairwise elimination: while some pair x_i + q·x_j (i < j, up to a common factor) occurs in
// at least min_uses forms, compute it once as a new operand and substitute it. Operand indices of
// the temporaries continue after num_vars. Deterministic: ties go to the smallest (i, j, q).
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

long additions(const Form& f) { return f.empty() ? 0 : long(f.size()) - 1; }
long passes(const Form& f) { return f.size() == 1 && f[0].coef == Rational(1) ? 0 : long(f.size()) + 1; }

}  // namespace

void require_real_scheme(const Scheme& s, const std::string& name) {
  if (is_modular(s.field))
    throw InputError(name + ": the scheme holds only mod " + std::to_string(characteristic(s.field)) + " and cannot multiply real matrices "
                            "(use a scheme valid over Z or Q)");
}

Scheme read_real_scheme(const std::string& path) {
  const Scheme s = read_scheme(path);
  require_real_scheme(s, path);
  const VerifyResult v = verify(s);
  if (!v.ok) throw InputError(path + ": not a valid scheme over " + field_name(s.field) + ": " + v.error);
  return s;
}

Plan build_plan(const Scheme& s, const PlanOptions& options) {
  require_real_scheme(s, "scheme");
  const Format& f = s.format;
  Plan plan;
  plan.split = f;
  plan.rank = s.rank();
  std::vector<Rational> scale(size_t(plan.rank), Rational(1));
  for (int r = 0; r < plan.rank; ++r) {
    plan.a_forms.push_back(form_of(s.u_row(r), f.a_size()));  // a_index(i,j) = i*m+j = A-block index
    plan.b_forms.push_back(form_of(s.v_row(r), f.b_size()));  // b_index(j,k) = j*p+k = B-block index
  }
  plan.a_temps = eliminate_pairs(plan.a_forms, plan.a_blocks(), options.cse_min_uses);
  plan.b_temps = eliminate_pairs(plan.b_forms, plan.b_blocks(), options.cse_min_uses);
  for (int r = 0; r < plan.rank; ++r) {
    scale[size_t(r)] = normalize(plan.a_forms[size_t(r)]);
    scale[size_t(r)] *= normalize(plan.b_forms[size_t(r)]);
  }
  // C-blocks in row-major block order; the scheme's w indexes C transposed (k*n+i).
  for (int i = 0; i < f.n; ++i)
    for (int k = 0; k < f.p; ++k) {
      Form c;
      for (int r = 0; r < plan.rank; ++r) {
        const Rational w = s.w_row(r)[f.c_index(i, k)];
        if (!w.is_zero()) c.push_back({r, w * scale[size_t(r)]});
      }
      plan.c_forms.push_back(std::move(c));
    }
  plan.c_temps = eliminate_pairs(plan.c_forms, plan.rank, options.cse_min_uses);
  return plan;
}

PlanCost plan_cost(const Scheme& s, const Plan& plan) {
  PlanCost cost;
  const Format& f = s.format;
  for (int r = 0; r < s.rank(); ++r) {
    cost.naive_additions += additions(form_of(s.u_row(r), f.a_size())) + additions(form_of(s.v_row(r), f.b_size()));
  }
  for (int c = 0; c < f.c_size(); ++c) {
    long terms = 0;
    for (int r = 0; r < s.rank(); ++r) terms += !s.w_row(r)[c].is_zero();
    cost.naive_additions += terms ? terms - 1 : 0;
  }
  for (const auto* steps : {&plan.a_temps, &plan.b_temps, &plan.c_temps})
    for (const LinearStep& t : *steps) {
      cost.plan_additions += additions(t.form);
      cost.block_passes += long(t.form.size()) + 1;
    }
  for (const auto* forms : {&plan.a_forms, &plan.b_forms})
    for (const Form& x : *forms) {
      cost.plan_additions += additions(x);
      cost.block_passes += passes(x);
    }
  for (const Form& x : plan.c_forms) {
    cost.plan_additions += additions(x);
    cost.block_passes += long(x.size()) + 1;  // written into C even when it is a lone product
  }
  cost.temporaries = int(plan.a_temps.size() + plan.b_temps.size() + plan.c_temps.size());
  return cost;
}

}  // namespace at::codegen
