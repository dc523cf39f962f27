// Hensel lifting on the shared mod-2 schemes (those that lift, and a proved refusal) and on the
// shared integer schemes reduced mod 3.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <tbb/global_control.h>

#include "core/builtin.hpp"
#include "core/linalg.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "improve/lift.hpp"
#include "improve/search.hpp"

using namespace at;
using namespace at::improve;

namespace {
const std::string schemes = std::string(ALPHATENSOR_SHARED_DIR) + "/schemes/";

LiftOptions mod3() {
  LiftOptions o;
  o.prime = 3;
  return o;
}
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
  BOOST_TEST(rational_reconstruction(inverse(3), 2, bits, num, den));
  BOOST_TEST((num == 1 && den == 3));
  BOOST_TEST(rational_reconstruction((m - 5) * inverse(7) % m, 2, bits, num, den));
  BOOST_TEST((num == -5 && den == 7));
  BOOST_TEST(rational_reconstruction(m - 2, 2, bits, num, den));
  BOOST_TEST((num == -2 && den == 1));
  // Most residues have some fraction within the bounds (hence the exact check over Q after it);
  // whatever comes back satisfies num ≡ den·x.
  const uint64_t x = 0x5a5a5a5a5b;
  if (rational_reconstruction(x, 2, bits, num, den)) BOOST_TEST(((uint64_t(num) - uint64_t(den) * x) & (m - 1)) == 0u);
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

BOOST_AUTO_TEST_CASE(shared_integer_schemes_lift_back_from_mod_3) {
  int lifted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(schemes)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 7 || name.compare(name.size() - 7, 7, "_Z.json") != 0) continue;
    const Scheme s = read_scheme(entry.path().string());
    const Scheme m3 = s.reduced_mod(Field::Z3);
    const LiftResult r = hensel_lift(m3, mod3());
    BOOST_TEST_MESSAGE(name << ": " << r.message);
    BOOST_TEST_REQUIRE(r.ok, name << ": " << r.message);
    BOOST_TEST(verify(r.scheme).ok, name);
    BOOST_TEST(r.scheme.rank() == s.rank());
    const Scheme back = r.scheme.reduced_mod(Field::Z3);
    BOOST_TEST((back.u == m3.u && back.v == m3.v && back.w == m3.w), name);
    ++lifted;
  }
  BOOST_TEST(lifted >= 20);
}

BOOST_AUTO_TEST_CASE(schemes_with_halves_lift_from_mod_3_to_ones_over_q) {
  // Strassen's scheme moved by X = [[1, 1], [1, -1]] (det −2; sandwich by X, X, I) has
  // coefficients ±1/2, which are ∓1 mod 3; lifted from those residues it comes back over Q, alone
  // and in a 4x4x4 rank-49 Kronecker product with Strassen (4096 equations).
  Scheme s = strassen_scheme();
  s.field = Field::Q;
  Mat x(2, 2);
  x(0, 0) = 1, x(0, 1) = 1, x(1, 0) = 1, x(1, 1) = -1;
  const Scheme half = sandwich(s, x, x, Mat::identity(2));
  for (const Scheme& q : {half, kronecker(half, s)}) {
    BOOST_TEST_REQUIRE(verify(q, Field::Q).ok);
    BOOST_TEST_REQUIRE(!q.all_integer());
    const Scheme m3 = q.reduced_mod(Field::Z3);
    for (const int bits : {0, 39}) {  // the default (3^25) and the largest modulus
      LiftOptions o = mod3();
      o.bits = bits;
      const LiftResult r = hensel_lift(m3, o);
      BOOST_TEST_REQUIRE(r.ok, r.message);
      BOOST_TEST((r.scheme.field == Field::Q));
      BOOST_TEST(r.message.find("mod 3^" + std::to_string(bits ? bits : 25) + " and rebuilt with rational") != std::string::npos,
                 r.message);
      BOOST_TEST(verify(r.scheme, Field::Q).ok);
      BOOST_TEST(r.scheme.rank() == q.rank());
      const Scheme back = r.scheme.reduced_mod(Field::Z3);
      BOOST_TEST((back.u == m3.u && back.v == m3.v && back.w == m3.w));
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_input_mod_3_is_refused) {
  Scheme s = strassen_scheme();
  s.u_row(0)[0] += 1;
  BOOST_CHECK_THROW(hensel_lift(s, mod3()), std::invalid_argument);
  s = strassen_scheme();
  s.field = Field::Q;
  s.u_row(0)[0] = Rational(1, 3);  // no value mod 3
  BOOST_CHECK_THROW(hensel_lift(s, mod3()), std::invalid_argument);
  LiftOptions o = mod3();
  o.bits = 40;  // 3^40 is beyond the range
  BOOST_CHECK_THROW(hensel_lift(strassen_scheme(), o), std::invalid_argument);
  o.bits = 0;
  o.prime = 5;
  BOOST_CHECK_THROW(hensel_lift(strassen_scheme(), o), std::invalid_argument);
  int64_t num = 0, den = 0;
  BOOST_CHECK_THROW(rational_reconstruction(1, 3, 40, num, den), std::invalid_argument);
  BOOST_CHECK_THROW(rational_reconstruction(1, 5, 10, num, den), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(rational_reconstruction_mod_powers_of_three) {
  const int bits = 30;
  __int128 m = 1;
  for (int i = 0; i < bits; ++i) m *= 3;
  auto residue = [&](int64_t num, int64_t den) {  // num·den⁻¹ mod 3^bits, by extended Euclid
    __int128 r0 = m, r1 = den, t0 = 0, t1 = 1;
    while (r1 != 0) {
      const __int128 q = r0 / r1, r2 = r0 - q * r1, t2 = t0 - q * t1;
      r0 = r1, r1 = r2, t0 = t1, t1 = t2;
    }
    return uint64_t(((num * t0) % m + m) % m);
  };
  for (const auto& [n, d] : std::vector<std::pair<int64_t, int64_t>>{{1, 2}, {-5, 7}, {22, 7}, {-1, 10}, {0, 1}, {-2, 1}, {1000, 1}}) {
    int64_t num = 0, den = 0;
    BOOST_TEST(rational_reconstruction(residue(n, d), 3, bits, num, den), n << "/" << d);
    BOOST_TEST((num == n && den == d), n << "/" << d << " came back as " << num << "/" << den);
  }
  // 3^(bits-1) ≡ 0/3: the only small fraction has a denominator divisible by 3.
  int64_t num = 0, den = 0;
  BOOST_TEST(!rational_reconstruction(uint64_t(m / 3), 3, bits, num, den));
  BOOST_TEST(!rational_reconstruction(uint64_t(2 * m / 3), 3, bits, num, den));
}
