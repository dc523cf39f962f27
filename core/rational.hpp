#pragma once
// Exact rational numbers on 64-bit integers. Every operation checks for overflow and throws
// OverflowError instead of wrapping: a verifier that silently wraps would accept wrong schemes.
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>

namespace at {

struct OverflowError : std::overflow_error {
  using std::overflow_error::overflow_error;
};

// Checked int64 helpers, shared by every exact path (rationals, integer verification, ranks).
inline int64_t checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw OverflowError("integer overflow in addition");
  return r;
}
inline int64_t checked_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) throw OverflowError("integer overflow in subtraction");
  return r;
}
inline int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw OverflowError("integer overflow in multiplication");
  return r;
}

class Rational {
 public:
  Rational() = default;
  Rational(int64_t n) : num_(n) {}  // NOLINT: integers convert implicitly, as in math
  Rational(int64_t n, int64_t d);

  int64_t num() const { return num_; }
  int64_t den() const { return den_; }
  bool is_zero() const { return num_ == 0; }
  bool is_integer() const { return den_ == 1; }
  int sign() const { return (num_ > 0) - (num_ < 0); }

  Rational operator-() const;
  Rational operator+(const Rational& o) const;
  Rational operator-(const Rational& o) const;
  Rational operator*(const Rational& o) const;
  Rational operator/(const Rational& o) const;
  Rational& operator+=(const Rational& o) { return *this = *this + o; }
  Rational& operator-=(const Rational& o) { return *this = *this - o; }
  Rational& operator*=(const Rational& o) { return *this = *this * o; }
  bool operator==(const Rational& o) const { return num_ == o.num_ && den_ == o.den_; }
  bool operator!=(const Rational& o) const { return !(*this == o); }
  bool operator<(const Rational& o) const;

  // Value in GF(p) as 0..p-1, for a small prime p; throws std::domain_error when p divides the
  // denominator (1/2 has no value mod 2).
  int mod(int p) const;
  int mod2() const { return mod(2); }
  // "3", "-1/2"
  std::string str() const;
  // Parses "p", "-p", "p/q" (whitespace not allowed); throws std::invalid_argument.
  static Rational parse(const std::string& s);

 private:
  int64_t num_ = 0;
  int64_t den_ = 1;  // always > 0, gcd(num, den) == 1
};

inline std::ostream& operator<<(std::ostream& o, const Rational& q) { return o << q.str(); }

}  // namespace at
