#include "codegen/plan.hpp"

#include <algorithm>

#include "core/files.hpp"
#include "core/scheme_io.hpp"

namespace at::codegen {

namespace {

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

long passes(const Form& f) { return f.size() == 1 && f[0].coef == Rational(1) ? 0 : long(f.size()) + 1; }

// Moves product r's C-side coefficient `coef` into its operands so that it can accumulate straight
// into C: into a non-lone A- or B-form (lone ones stay in place), or nowhere when it is 1.
bool absorb(Plan& plan, int r, const Rational& coef) {
  if (coef == Rational(1)) return true;
  for (Form* f : {&plan.a_forms[size_t(r)], &plan.b_forms[size_t(r)]})
    if (f->size() > 1) {
      for (Term& t : *f) t.coef *= coef;
      return true;
    }
  return false;
}

// Marks the products used once on the C side, in a C-block, as direct (Plan::direct).
void find_direct_products(Plan& plan) {
  std::vector<int> uses(size_t(plan.rank), 0);
  for (const LinearStep& t : plan.c_temps)
    for (const Term& x : t.form)
      if (x.var < plan.rank) ++uses[size_t(x.var)];
  for (const Form& f : plan.c_forms)
    for (const Term& x : f)
      if (x.var < plan.rank) ++uses[size_t(x.var)];
  plan.direct.assign(size_t(plan.rank), -1);
  for (int c = 0; c < plan.c_blocks(); ++c) {
    Form& f = plan.c_forms[size_t(c)];
    for (size_t t = 0; t < f.size();) {
      const int r = f[t].var;
      if (r < plan.rank && uses[size_t(r)] == 1 && absorb(plan, r, f[t].coef)) {
        plan.direct[size_t(r)] = c;
        f.erase(f.begin() + long(t));
      } else {
        ++t;
      }
    }
  }
}

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
  plan.a_forms = a_forms(s);  // a_index(i,j) = i*m+j = A-block index
  plan.b_forms = b_forms(s);  // b_index(j,k) = j*p+k = B-block index
  plan.a_temps = eliminate_pairs(plan.a_forms, plan.a_blocks(), options.cse_min_uses, options.cse_goal, true);
  plan.b_temps = eliminate_pairs(plan.b_forms, plan.b_blocks(), options.cse_min_uses, options.cse_goal, true);
  for (int r = 0; r < plan.rank; ++r) {
    scale[size_t(r)] = normalize(plan.a_forms[size_t(r)]);
    scale[size_t(r)] *= normalize(plan.b_forms[size_t(r)]);
  }
  // C-blocks in row-major block order; the scheme's w indexes C transposed (k*n+i). Elimination
  // runs on the scheme's own coefficients (as additions_after_elimination counts them), then each
  // product's moved factor goes into every coefficient of it.
  const std::vector<Form> by_c_index = c_forms(s);
  for (int i = 0; i < f.n; ++i)
    for (int k = 0; k < f.p; ++k) plan.c_forms.push_back(by_c_index[size_t(f.c_index(i, k))]);
  plan.c_temps = eliminate_pairs(plan.c_forms, plan.rank, options.cse_min_uses, options.cse_goal, false);
  auto rescale = [&](Form& x) {
    for (Term& t : x)
      if (t.var < plan.rank) t.coef *= scale[size_t(t.var)];
  };
  for (LinearStep& t : plan.c_temps) rescale(t.form);
  for (Form& x : plan.c_forms) rescale(x);
  find_direct_products(plan);
  return plan;
}

PlanCost plan_cost(const Scheme& s, const Plan& plan) {
  PlanCost cost;
  cost.naive_additions = scheme_stats(s).additions;
  for (const auto* steps : {&plan.a_temps, &plan.b_temps, &plan.c_temps})
    for (const LinearStep& t : *steps) {
      cost.plan_additions += form_additions(t.form);
      cost.block_passes += long(t.form.size()) + 1;
    }
  for (const auto* forms : {&plan.a_forms, &plan.b_forms})
    for (const Form& x : *forms) {
      cost.plan_additions += form_additions(x);
      cost.block_passes += passes(x);
    }
  for (int r = 0; r < plan.rank; ++r) {
    if (plan.direct[size_t(r)] < 0) cost.block_passes += 1;  // its buffer
  }
  std::vector<long> direct_terms(size_t(plan.c_blocks()), 0);
  for (int c : plan.direct)
    if (c >= 0) ++direct_terms[size_t(c)];
  for (int c = 0; c < plan.c_blocks(); ++c) {
    const Form& x = plan.c_forms[size_t(c)];
    // k terms in one pass then each direct product accumulating: k+d-1 additions; written into C
    // even when it is a lone product.
    cost.plan_additions += std::max(0L, long(x.size()) + direct_terms[size_t(c)] - 1);
    cost.block_passes += x.empty() ? 1 : long(x.size()) + 1;
  }
  cost.temporaries = int(plan.a_temps.size() + plan.b_temps.size() + plan.c_temps.size());
  return cost;
}

}  // namespace at::codegen
