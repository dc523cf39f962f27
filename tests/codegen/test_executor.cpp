// The in-process executor multiplies correctly: every integer scheme of ../shared/schemes, 1-2
// levels, sizes that are and are not multiples of the split, against the plain reference.
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>

#include "codegen/executor.hpp"
#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "tests/codegen/common.hpp"

namespace at::codegen {

namespace {

// Multiplies random n×m by m×p with the executor and the reference; returns the relative error.
double executor_error(Executor& ex, int n, int m, int p, int levels) {
  const auto A = test::random_matrix(n, m, 1), B = test::random_matrix(m, p, 2);
  std::vector<float> C(size_t(n) * size_t(p), 7.0f), R(C.size());  // 7: C is overwritten, not added to
  ex.multiply({A.data(), m}, {B.data(), p}, {C.data(), p}, n, m, p, levels);
  reference_multiply({A.data(), m}, {B.data(), p}, {R.data(), p}, n, m, p);
  return test::relative_error(C, R);
}

// Sizes per level count: exact multiples of split^levels and odd sizes that need peeling.
void check_scheme(const Scheme& s, const std::string& what) {
  Executor ex(build_plan(s), 2);
  const Format& f = s.format;
  for (int levels = 1; levels <= 2; ++levels) {
    const int sn = levels == 1 ? f.n : f.n * f.n, sm = levels == 1 ? f.m : f.m * f.m,
              sp = levels == 1 ? f.p : f.p * f.p;
    for (const auto& [n, m, p] : {std::tuple{2 * sn, 2 * sm, 2 * sp}, std::tuple{sn + 3, 2 * sm + 1, sp + 2}}) {
      const double err = executor_error(ex, n, m, p, levels);
      BOOST_TEST(err < 1e-5, what << " " << n << "x" << m << "x" << p << " levels " << levels << ": error " << err);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(strassen_and_its_square) {
  check_scheme(strassen_scheme(), "strassen");
  check_scheme(kronecker(strassen_scheme(), strassen_scheme()), "strassen x strassen");
  Executor ex(build_plan(strassen_scheme()), 2);
  // Larger and uneven: three levels, every dimension odd, tall and flat shapes, tiny sizes.
  for (const auto& [n, m, p, levels] : {std::tuple{131, 97, 75, 3}, std::tuple{1, 1, 1, 1}, std::tuple{3, 1, 5, 2},
                                        std::tuple{64, 2, 64, 1}, std::tuple{0, 4, 4, 1}}) {
    const double err = executor_error(ex, n, m, p, levels);
    BOOST_TEST(err < 1e-5, n << "x" << m << "x" << p << " levels " << levels << ": error " << err);
  }
  BOOST_TEST(executor_error(ex, 40, 40, 40, 0) < 1e-6);  // level 0: the base multiply alone
}

BOOST_AUTO_TEST_CASE(every_integer_scheme_multiplies) {
  const auto files = test::z_scheme_files();
  BOOST_TEST(files.size() >= 20u);
  for (const std::string& file : files) check_scheme(read_scheme(test::shared_scheme(file)), file);
}

BOOST_AUTO_TEST_CASE(elimination_is_exact_on_integer_matrices) {
  // Small integers stay exact in float through every block addition and product: the plan (with
  // its common subexpressions and direct products) must give the reference product bit for bit,
  // one level; two levels (direct products accumulate through the level below) and peeled sizes
  // for the small formats.
  std::vector<std::pair<Scheme, std::string>> schemes{{strassen_scheme(), "strassen"},
                                                      {winograd_scheme(), "winograd"},
                                                      {naive_scheme(Format{2, 3, 2}), "naive 2x3x2"},
                                                      {kronecker(strassen_scheme(), strassen_scheme()), "strassen x strassen"},
                                                      {kronecker(winograd_scheme(), winograd_scheme()), "winograd x winograd"}};
  for (const std::string& file : test::z_scheme_files()) schemes.emplace_back(read_scheme(test::shared_scheme(file)), file);
  for (const auto& [s, what] : schemes)
    for (const CseGoal goal : {CseGoal::additions, CseGoal::traffic}) {
      PlanOptions options;
      options.cse_goal = goal;
      Executor ex(build_plan(s, options), 1);
      const int n = 3 * s.format.n, m = 3 * s.format.m, p = 3 * s.format.p;
      auto ints = [](int rows, int cols, uint64_t seed) {
        std::vector<float> x = test::random_matrix(rows, cols, seed);
        for (float& v : x) v = std::floor(v * 4);  // integers in [-4, 3]
        return x;
      };
      auto exact = [&](int n, int m, int p, int levels) {
        const auto A = ints(n, m, 3), B = ints(m, p, 4);
        std::vector<float> C(size_t(n) * size_t(p), 7.0f), R(C.size());
        ex.multiply({A.data(), m}, {B.data(), p}, {C.data(), p}, n, m, p, levels);
        reference_multiply({A.data(), m}, {B.data(), p}, {R.data(), p}, n, m, p);
        BOOST_TEST((C == R), what << " (" << cse_goal_name(goal) << ") " << n << "x" << m << "x" << p << " levels " << levels);
      };
      exact(n, m, p, 1);
      if (s.format.a_size() <= 9 && s.format.b_size() <= 9)
        exact(s.format.n * s.format.n * 2 + 1, s.format.m * s.format.m * 2 + 3, s.format.p * s.format.p * 2 + 2, 2);
    }
}

BOOST_AUTO_TEST_CASE(passes_alone_leave_the_products_out) {
  // multiply_passes runs the plan with every product zero (`bench scheme --model`): C comes out
  // zero, peeled strips included, and the next multiply is whole again.
  Executor ex(build_plan(kronecker(winograd_scheme(), strassen_scheme())), 2);
  const int n = 4 * 8 + 3;
  const auto A = test::random_matrix(n, n, 5), B = test::random_matrix(n, n, 6);
  std::vector<float> C(size_t(n) * n, 7.0f);
  ex.multiply_passes({A.data(), n}, {B.data(), n}, {C.data(), n}, n, n, n, 1);
  BOOST_TEST(std::all_of(C.begin(), C.end(), [](float x) { return x == 0.0f; }));
  BOOST_TEST(executor_error(ex, n, n, n, 1) < 1e-5);
}

BOOST_AUTO_TEST_CASE(rational_coefficients_multiply) {
  // Strassen in a rescaled basis: A-blocks times 2, C-forms times 1/2 (coefficients 1/2, 2).
  Scheme s = strassen_scheme();
  for (int r = 0; r < s.rank(); ++r) {
    for (int i = 0; i < s.format.a_size(); ++i) s.u_row(r)[i] *= Rational(2);
    for (int i = 0; i < s.format.c_size(); ++i) s.w_row(r)[i] *= Rational(1, 2);
  }
  s.field = Field::Q;
  BOOST_TEST_REQUIRE(verify(s).ok);
  check_scheme(s, "rational strassen");
}

BOOST_AUTO_TEST_CASE(same_threads_same_bits) {
  Executor ex(build_plan(read_scheme(test::shared_scheme("3x3x3_r23_Z.json"))), 2);
  const int n = 97;
  const auto A = test::random_matrix(n, n, 3), B = test::random_matrix(n, n, 4);
  std::vector<float> C1(size_t(n) * n), C2(C1.size());
  ex.multiply({A.data(), n}, {B.data(), n}, {C1.data(), n}, n, n, n, 2);
  ex.multiply({A.data(), n}, {B.data(), n}, {C2.data(), n}, n, n, n, 2);
  BOOST_TEST(C1 == C2);
}

}  // namespace at::codegen
