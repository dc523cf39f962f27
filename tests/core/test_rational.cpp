#include <boost/test/unit_test.hpp>
#include <climits>

#include "core/field.hpp"
#include "core/format.hpp"
#include "core/rational.hpp"

using at::Rational;

BOOST_AUTO_TEST_SUITE(rational)

BOOST_AUTO_TEST_CASE(arithmetic_is_exact_and_normalised) {
  const Rational a(1, 2), b(1, 3);
  BOOST_TEST((a + b) == Rational(5, 6));
  BOOST_TEST((a - b) == Rational(1, 6));
  BOOST_TEST((a * b) == Rational(1, 6));
  BOOST_TEST((a / b) == Rational(3, 2));
  BOOST_TEST(Rational(4, -8) == Rational(-1, 2));
  BOOST_TEST(Rational(-1, 2).den() == 2);
  BOOST_TEST((Rational(2, 3) * Rational(3, 2)).is_integer());
  BOOST_TEST(Rational(1, 3) < Rational(1, 2));
}

BOOST_AUTO_TEST_CASE(parse_and_print) {
  BOOST_TEST(Rational::parse("-3/6") == Rational(-1, 2));
  BOOST_TEST(Rational::parse("7").str() == "7");
  BOOST_TEST(Rational::parse("+2/4").str() == "1/2");
  for (const char* bad : {"", "-", "1/", "/2", "1/0", "1.5", "a", "1//2", "99999999999999999999", "1/-2"})
    BOOST_CHECK_THROW(Rational::parse(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(overflow_is_detected_not_wrapped) {
  const Rational big(INT64_MAX);
  BOOST_CHECK_THROW(big + Rational(1), at::OverflowError);
  BOOST_CHECK_THROW(big * Rational(2), at::OverflowError);
  BOOST_CHECK_THROW(-Rational(INT64_MIN), at::OverflowError);
  BOOST_CHECK_THROW(Rational(1, INT64_MAX) + Rational(1, INT64_MAX - 1), at::OverflowError);
}

BOOST_AUTO_TEST_CASE(mod2_values) {
  BOOST_TEST(Rational(3).mod2() == 1);
  BOOST_TEST(Rational(-2).mod2() == 0);
  BOOST_TEST(Rational(1, 3).mod2() == 1);  // 3 is invertible mod 2
  BOOST_CHECK_THROW(Rational(1, 2).mod2(), std::domain_error);
}

BOOST_AUTO_TEST_CASE(mod3_values_and_representatives) {
  BOOST_TEST(Rational(-1).mod(3) == 2);
  BOOST_TEST(Rational(7).mod(3) == 1);
  BOOST_TEST(Rational(1, 2).mod(3) == 2);   // 2·2 = 4 = 1
  BOOST_TEST(Rational(-5, 4).mod(3) == 1);  // -5 = 1, 4 = 1
  BOOST_CHECK_THROW(Rational(1, 3).mod(3), std::domain_error);
  BOOST_TEST(at::reduce_in(at::Field::Z3, Rational(1, 2)) == Rational(-1));  // written as -1, 0, 1
  BOOST_TEST(at::reduce_in(at::Field::Z2, Rational(-3)) == Rational(1));
  BOOST_TEST(at::reduce_in(at::Field::Q, Rational(1, 2)) == Rational(1, 2));
  BOOST_TEST((at::parse_field("GF3") == at::Field::Z3));
  BOOST_TEST(at::field_name(at::Field::Z3) == "Z3");
  BOOST_TEST(at::characteristic(at::Field::Z3) == 3);
  BOOST_TEST(at::characteristic(at::Field::Q) == 0);
}

BOOST_AUTO_TEST_CASE(format_parsing) {
  BOOST_TEST(at::Format::parse("2,3,4").str() == "2x3x4");
  BOOST_TEST(at::Format::parse("16x1x5").n == 16);
  for (const char* bad : {"", "2,3", "2,3,4,5", "0,1,1", "17,1,1", "a,b,c", "2,,3", "1000,1,1"})
    BOOST_CHECK_THROW(at::Format::parse(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
