#include <boost/test/unit_test.hpp>

#include "core/builtin.hpp"
#include "core/scheme_io.hpp"
#include "helpers.hpp"

using namespace at;

BOOST_AUTO_TEST_SUITE(scheme)

BOOST_AUTO_TEST_CASE(naive_schemes_verify_in_every_field) {
  for (int n = 1; n <= 5; ++n)
    for (int m = 1; m <= 5; ++m)
      for (int p = 1; p <= 5; ++p) {
        const Scheme s = naive_scheme(Format{n, m, p});
        BOOST_TEST(s.rank() == n * m * p);
        for (Field f : {Field::Z, Field::Z2, Field::Z3, Field::Q}) BOOST_TEST(verify(s, f).ok);
      }
  BOOST_TEST(verify(naive_scheme(Format{16, 16, 16})).ok);
}

BOOST_AUTO_TEST_CASE(strassen_has_rank_7_and_known_counts) {
  const Scheme s = strassen_scheme();
  BOOST_TEST(s.rank() == 7);
  BOOST_TEST(verify(s).ok);
  BOOST_TEST(verify(s, Field::Z2).ok);
  const SchemeStats st = scheme_stats(s);
  BOOST_TEST(st.nonzeros == 36);
  BOOST_TEST(st.additions == 18);  // Strassen's 18 additions
}

BOOST_AUTO_TEST_CASE(first_wrong_entry_is_reported) {
  Scheme s = naive_scheme(Format{2, 2, 2});
  s.w_row(0)[0] = 0;  // a11·b11 no longer reaches c11
  const VerifyResult r = verify(s);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error == "a11·b11 → c11: expected 1, found 0");
  Scheme t = naive_scheme(Format{2, 3, 4});
  t.v_row(5)[t.format.b_index(2, 0)] = 1;  // term 5 is a12·b22→c12; adds a12·b31→c11
  const VerifyResult r2 = verify(t);
  BOOST_TEST(!r2.ok);
  BOOST_TEST(r2.error.find("expected 0, found 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rational_schemes_verify_over_q_only) {
  Scheme s = naive_scheme(Format{2, 2, 2});
  s.u_row(0)[0] = 2;
  s.v_row(0)[0] = Rational(1, 2);
  BOOST_TEST(verify(s, Field::Q).ok);
  BOOST_TEST(!verify(s, Field::Z).ok);   // 1/2 is not an integer
  BOOST_TEST(!verify(s, Field::Z2).ok);  // 1/2 has no value mod 2
  BOOST_TEST(verify(s, Field::Z3).ok);   // 2·(1/2) = 1 mod 3 too
}

BOOST_AUTO_TEST_CASE(mod3_schemes_verify_mod_3_only) {
  Scheme s = mod3_only_scheme();
  BOOST_TEST(verify(s, Field::Z3).ok);
  BOOST_TEST(!verify(s, Field::Z).ok);
  BOOST_TEST(!verify(s, Field::Z2).ok);
  const Scheme r = s.reduced_mod(Field::Z3);
  BOOST_TEST((r.field == Field::Z3));
  BOOST_TEST(verify(r).ok);
  BOOST_TEST(r.max_abs_numerator() == 1);  // written with -1, 0, 1
  s.u_row(0)[0] = Rational(3);              // a11·b11 → c11 drops out mod 3
  const VerifyResult bad = verify(s, Field::Z3);
  BOOST_TEST(!bad.ok);
  BOOST_TEST(bad.error.find("expected") != std::string::npos);
  BOOST_CHECK_THROW(s.reduced_mod(Field::Q), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(overflow_is_an_invalid_scheme_not_a_wrap) {
  Scheme s = naive_scheme(Format{1, 1, 1});
  s.u_row(0)[0] = Rational(INT64_MAX / 2 + 1);
  s.v_row(0)[0] = 2;
  const VerifyResult r = verify(s, Field::Z);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error.find("overflow") != std::string::npos);
}

// Every published scheme verifies in its field; every single-coefficient change breaks it.
BOOST_AUTO_TEST_CASE(shared_schemes_verify_and_every_mutation_fails) {
  const auto files = shared_scheme_files();
  BOOST_TEST_REQUIRE(files.size() >= 40u);
  long mutations = 0;
  for (const std::string& path : files) {
    BOOST_TEST_CONTEXT(path) {
      const Scheme s = read_scheme(path);
      BOOST_TEST(verify(s).ok);
      const bool z2 = path.find("_Z2") != std::string::npos;
      BOOST_TEST((s.field == Field::Z2) == z2);
      for (int factor = 0; factor < 3; ++factor) {
        Scheme m = s;
        auto& coeffs = factor == 0 ? m.u : factor == 1 ? m.v : m.w;
        for (size_t i = 0; i < coeffs.size(); ++i) {
          const Rational old = coeffs[i];
          coeffs[i] = s.field == Field::Z2 ? Rational(1 - old.mod2()) : old + Rational(1);
          if (verify(m).ok) BOOST_ERROR(path << ": mutation " << i << " still verifies");
          coeffs[i] = old;
          ++mutations;
        }
      }
    }
  }
  BOOST_TEST_MESSAGE(mutations << " mutations rejected");
}

BOOST_AUTO_TEST_SUITE_END()
