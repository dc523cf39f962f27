// Plans are exact: expanding the temporaries and the moved factors gives back a valid scheme.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "codegen/plan.hpp"
#include "core/cse.hpp"
#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "tests/codegen/common.hpp"

namespace at::codegen {

namespace {

// Coefficients of each operand over the original blocks (or products), temporaries expanded.
std::vector<std::vector<Rational>> expand(int base_vars, const std::vector<LinearStep>& temps) {
  std::vector<std::vector<Rational>> value;
  for (int v = 0; v < base_vars; ++v) {
    value.emplace_back(size_t(base_vars), Rational(0));
    value.back()[size_t(v)] = 1;
  }
  for (const LinearStep& t : temps) {
    BOOST_TEST_REQUIRE(t.dst == int(value.size()));
    std::vector<Rational> x(size_t(base_vars), Rational(0));
    for (const Term& term : t.form)
      for (int v = 0; v < base_vars; ++v) x[size_t(v)] += term.coef * value[size_t(term.var)][size_t(v)];
    value.push_back(x);
  }
  return value;
}

std::vector<Rational> evaluate(const Form& f, const std::vector<std::vector<Rational>>& value, int base_vars) {
  std::vector<Rational> x(size_t(base_vars), Rational(0));
  for (const Term& t : f)
    for (int v = 0; v < base_vars; ++v) x[size_t(v)] += t.coef * value[size_t(t.var)][size_t(v)];
  return x;
}

// The scheme the plan computes, rebuilt exactly in the scheme's index conventions.
Scheme scheme_of_plan(const Plan& p, Field field) {
  const Format& f = p.split;
  const auto av = expand(p.a_blocks(), p.a_temps), bv = expand(p.b_blocks(), p.b_temps),
             cv = expand(p.rank, p.c_temps);
  Scheme s = Scheme::zeros(f, field, p.rank);
  for (int r = 0; r < p.rank; ++r) {
    const auto a = evaluate(p.a_forms[size_t(r)], av, p.a_blocks());
    const auto b = evaluate(p.b_forms[size_t(r)], bv, p.b_blocks());
    std::copy(a.begin(), a.end(), s.u_row(r));
    std::copy(b.begin(), b.end(), s.v_row(r));
  }
  for (int i = 0; i < f.n; ++i)
    for (int k = 0; k < f.p; ++k) {
      const auto c = evaluate(p.c_forms[size_t(i * f.p + k)], cv, p.rank);
      for (int r = 0; r < p.rank; ++r) s.w_row(r)[f.c_index(i, k)] = c[size_t(r)];
    }
  for (int r = 0; r < p.rank; ++r) {  // a direct product accumulates into its C-block with factor 1
    const int c = p.direct[size_t(r)];
    if (c >= 0) s.w_row(r)[f.c_index(c / f.p, c % f.p)] += Rational(1);
  }
  return s;
}

void check_plan(const Scheme& s, const std::string& what, CseGoal goal = CseGoal::additions) {
  PlanOptions options;
  options.cse_goal = goal;
  const Plan p = build_plan(s, options);
  // The moved factors may make integer coefficients fractional: check over Q (same tensor).
  const VerifyResult v = verify(scheme_of_plan(p, Field::Q), Field::Q);
  BOOST_TEST(v.ok, what << ": " << v.error);
  const PlanCost cost = plan_cost(s, p);
  BOOST_TEST(cost.plan_additions <= cost.naive_additions, what);
  // One count: the plan's additions are core's (what scheme, verify and improve report).
  if (goal == CseGoal::additions) BOOST_TEST(cost.plan_additions == additions_after_elimination(s), what);
  BOOST_TEST(cost.naive_additions == scheme_stats(s).additions, what);
  // One traffic count: what the plan runs is what improve --objective traffic minimises.
  BOOST_TEST(cost.block_passes == block_traffic(s, 2, goal), what);
  for (const auto* forms : {&p.a_forms, &p.b_forms})
    for (size_t r = 0; r < forms->size(); ++r) {
      const Form& f = (*forms)[r];
      // A direct product's factor may have moved into a non-lone operand (any sign).
      BOOST_TEST((!f.empty() && (f[0].coef.sign() > 0 || p.direct[r] >= 0)), what << ": operand not normalised");
      if (f.size() == 1) BOOST_TEST((f[0].coef == Rational(1)), what << ": lone operand needs a copy");
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(plans_rebuild_valid_schemes) {
  check_plan(strassen_scheme(), "strassen");
  check_plan(kronecker(strassen_scheme(), strassen_scheme()), "strassen x strassen");
  for (const std::string& file : test::z_scheme_files()) {
    check_plan(read_scheme(test::shared_scheme(file)), file);
    check_plan(read_scheme(test::shared_scheme(file)), file + " (traffic)", CseGoal::traffic);
  }
}

BOOST_AUTO_TEST_CASE(traffic_elimination_saves_blocks) {
  // A pair used twice costs a block more than it saves unless it turns operands lone: the
  // traffic goal keeps fewer temporaries and reads and writes fewer blocks (Strassen x Strassen:
  // 555 with the additions goal, 507 with traffic's; Winograd's variant 44 and 43).
  const Scheme ss = kronecker(strassen_scheme(), strassen_scheme());
  check_plan(ss, "strassen x strassen (traffic)", CseGoal::traffic);
  check_plan(winograd_scheme(), "winograd (traffic)", CseGoal::traffic);
  BOOST_TEST(block_traffic(ss) == 555);
  BOOST_TEST(block_traffic(ss, 2, CseGoal::traffic) == 507);
  BOOST_TEST(block_traffic(winograd_scheme()) == 44);
  BOOST_TEST(block_traffic(winograd_scheme(), 2, CseGoal::traffic) == 43);
  BOOST_TEST((parse_cse_goal(cse_goal_name(CseGoal::traffic)) == CseGoal::traffic));
  BOOST_CHECK_THROW(parse_cse_goal("speed"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(strassen_and_winograd_addition_counts) {
  // Strassen's forms share no pair (18 stays 18); Winograd's variant needs 15 once S1, S2, T1, T2
  // and M1+M6 are shared (24 naive), the published count.
  BOOST_TEST(plan_cost(strassen_scheme(), build_plan(strassen_scheme())).plan_additions == 18);
  const PlanCost w = plan_cost(winograd_scheme(), build_plan(winograd_scheme()));
  BOOST_TEST(w.naive_additions == 24);
  BOOST_TEST(w.plan_additions == 15);
  check_plan(winograd_scheme(), "winograd");
  check_plan(kronecker(winograd_scheme(), winograd_scheme()), "winograd x winograd");
}

BOOST_AUTO_TEST_CASE(common_subexpressions_are_found) {
  // Strassen x Strassen repeats sums of blocks across products: CSE must save additions.
  const Scheme s = kronecker(strassen_scheme(), strassen_scheme());
  const PlanCost cost = plan_cost(s, build_plan(s));
  BOOST_TEST(cost.temporaries > 0);
  BOOST_TEST(cost.plan_additions < cost.naive_additions);
  // A threshold above every pair count leaves the forms as they are.
  PlanOptions none;
  none.cse_min_uses = 1000;
  const PlanCost plain = plan_cost(s, build_plan(s, none));
  BOOST_TEST(plain.temporaries == 0);
  BOOST_TEST(plain.plan_additions == plain.naive_additions);
  BOOST_TEST(cost.block_passes < plain.block_passes);  // fewer block reads and writes, too
}

BOOST_AUTO_TEST_CASE(direct_products_skip_their_buffers) {
  // Naive 2x2x2: every product goes straight into its C-block (one write per block, the first
  // product's); Strassen: M6 and M7 are used once (C22, C11); Strassen x Strassen: 2 x 2 of them.
  const Scheme naive = naive_scheme(Format{2, 2, 2});
  const Plan np = build_plan(naive);
  BOOST_TEST(std::count(np.direct.begin(), np.direct.end(), -1) == 0);
  BOOST_TEST(plan_cost(naive, np).block_passes == 4);
  const Plan sp = build_plan(strassen_scheme());
  BOOST_TEST(std::count_if(sp.direct.begin(), sp.direct.end(), [](int c) { return c >= 0; }) == 2);
  const Scheme ss = kronecker(strassen_scheme(), strassen_scheme());
  const Plan ssp = build_plan(ss);
  BOOST_TEST(std::count_if(ssp.direct.begin(), ssp.direct.end(), [](int c) { return c >= 0; }) == 4);
  check_plan(naive, "naive 2x2x2");
}

BOOST_AUTO_TEST_CASE(mod2_schemes_are_refused) {
  const Scheme z2 = read_scheme(test::shared_scheme("4x4x4_r47_Z2.json"));
  BOOST_CHECK_THROW(build_plan(z2), InputError);
  try {
    read_real_scheme(test::shared_scheme("4x4x4_r47_Z2.json"));
    BOOST_FAIL("no error for a mod-2 scheme");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("4x4x4_r47_Z2.json") != std::string::npos, msg);
    BOOST_TEST(msg.find("mod 2") != std::string::npos, msg);
    BOOST_TEST(msg.find('\n') == std::string::npos, msg);
  }
}

}  // namespace at::codegen
