// Hensel lifting on the shared mod-2 schemes: those that lift, and a proved refusal.
#include <boost/test/unit_test.hpp>
#include <string>

#include "core/scheme_io.hpp"
#include "improve/lift.hpp"

using namespace at;
using namespace at::improve;

namespace {
const std::string schemes = std::string(ALPHATENSOR_SHARED_DIR) + "/schemes/";
}

BOOST_AUTO_TEST_CASE(shared_mod2_schemes_that_lift) {
  for (const char* name : {"2x2x2_r7_Z2.json", "3x3x3_r23_Z2.json", "2x4x5_r33_Z2.json", "4x5x5_r76_Z2.json"}) {
    const Scheme s = read_scheme(schemes + name);
    BOOST_TEST_REQUIRE((s.field == Field::Z2));
    const LiftResult r = hensel_lift(s);
    BOOST_TEST_REQUIRE(r.ok, name << ": " << r.message);
    BOOST_TEST((r.scheme.field == Field::Z));
    BOOST_TEST(verify(r.scheme, Field::Z).ok, name);
    BOOST_TEST(r.scheme.rank() == s.rank());
    // It reduces to the input mod 2 (same terms, same order).
    const Scheme back = r.scheme.reduced_mod2();
    BOOST_TEST((back.u == s.reduced_mod2().u && back.v == s.reduced_mod2().v && back.w == s.reduced_mod2().w), name);
  }
}

BOOST_AUTO_TEST_CASE(rank_47_mod2_scheme_does_not_lift_with_its_sparsity) {
  const LiftResult r = hensel_lift(read_scheme(schemes + "4x4x4_r47_Z2.json"));
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.proof);
  BOOST_TEST(r.message.find("cannot be lifted with its sparsity pattern") != std::string::npos, r.message);
}

BOOST_AUTO_TEST_CASE(invalid_input_is_refused) {
  Scheme s = read_scheme(schemes + "2x2x2_r7_Z2.json");
  s.u_row(0)[0] = Rational(1) - s.u_row(0)[0];
  BOOST_CHECK_THROW(hensel_lift(s), std::invalid_argument);
  LiftOptions o;
  o.bits = 70;
  BOOST_CHECK_THROW(hensel_lift(read_scheme(schemes + "2x2x2_r7_Z2.json"), o), std::invalid_argument);
}
