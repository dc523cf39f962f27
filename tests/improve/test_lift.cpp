// Hensel lifting on the shared mod-2 schemes: those that lift, and a proved refusal.
#include <boost/test/unit_test.hpp>
#include <string>

#include <tbb/global_control.h>

#include "core/builtin.hpp"
#include "core/scheme_io.hpp"
#include "improve/lift.hpp"
#include "improve/search.hpp"

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
    const Scheme back = r.scheme.reduced_mod(Field::Z2);
    BOOST_TEST((back.u == s.reduced_mod(Field::Z2).u && back.v == s.reduced_mod(Field::Z2).v && back.w == s.reduced_mod(Field::Z2).w), name);
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

BOOST_AUTO_TEST_CASE(rational_reconstruction_mod_powers_of_two) {
  const int bits = 40;
  const uint64_t m = uint64_t(1) << bits;
  // 1/3 and -5/7 mod 2^40: inverses of odd numbers exist mod 2^k.
  auto inverse = [&](uint64_t a) {
    uint64_t x = 1;
    for (int i = 0; i < 6; ++i) x *= 2 - a * x;  // Newton: doubles the correct low bits
    return x & (m - 1);
  };
  int64_t num = 0, den = 0;
  BOOST_TEST(rational_reconstruction(inverse(3), bits, num, den));
  BOOST_TEST((num == 1 && den == 3));
  BOOST_TEST(rational_reconstruction((m - 5) * inverse(7) % m, bits, num, den));
  BOOST_TEST((num == -5 && den == 7));
  BOOST_TEST(rational_reconstruction(m - 2, bits, num, den));
  BOOST_TEST((num == -2 && den == 1));
  // Most residues have some fraction within the bounds (hence the exact check over Q after it);
  // whatever comes back satisfies num ≡ den·x.
  const uint64_t x = 0x5a5a5a5a5b;
  if (rational_reconstruction(x, bits, num, den)) BOOST_TEST(((uint64_t(num) - uint64_t(den) * x) & (m - 1)) == 0u);
}

BOOST_AUTO_TEST_CASE(search_find_that_needs_a_new_support) {
  // The flip graph's 3x3x3 rank-23 scheme for seed 3 has no lift with its zero pattern (proved by
  // the first step), but lifts when zero coefficients may become even (here: some become ±2).
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, 1);
  SearchOptions o;
  o.target_rank = 23;
  o.seed = 3;
  SearchProgress progress;
  const Scheme found = search(naive_scheme(Format{3, 3, 3}), o, progress);
  BOOST_TEST_REQUIRE(found.rank() == 23);
  const LiftResult same = hensel_lift(found);
  BOOST_TEST(!same.ok);
  BOOST_TEST(same.proof);
  LiftOptions any;
  any.same_support = false;
  const LiftResult r = hensel_lift(found, any);
  BOOST_TEST_REQUIRE(r.ok, r.message);
  BOOST_TEST(verify(r.scheme, Field::Z).ok);
  BOOST_TEST(r.scheme.max_abs_numerator() == 2);
}
