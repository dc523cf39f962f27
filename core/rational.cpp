#include "core/rational.hpp"

#include <cctype>
#include <numeric>

namespace at {

Rational::Rational(int64_t n, int64_t d) {
  if (d == 0) throw std::domain_error("rational with zero denominator");
  if (d < 0) {
    n = checked_mul(n, -1);
    d = checked_mul(d, -1);
  }
  const int64_t g = std::gcd(n, d);
  num_ = n / g;
  den_ = d / g;
}

Rational Rational::operator-() const { return Rational(checked_mul(num_, -1), den_); }

Rational Rational::operator+(const Rational& o) const {
  if (den_ == 1 && o.den_ == 1) return Rational(checked_add(num_, o.num_));
  const int64_t g = std::gcd(den_, o.den_);
  const int64_t a = checked_mul(num_, o.den_ / g);
  const int64_t b = checked_mul(o.num_, den_ / g);
  return Rational(checked_add(a, b), checked_mul(den_, o.den_ / g));
}

Rational Rational::operator-(const Rational& o) const { return *this + (-o); }

Rational Rational::operator*(const Rational& o) const {
  if (den_ == 1 && o.den_ == 1) return Rational(checked_mul(num_, o.num_));
  // Cross-reduce first so intermediate products stay small.
  const int64_t g1 = std::gcd(num_, o.den_);
  const int64_t g2 = std::gcd(o.num_, den_);
  return Rational(checked_mul(num_ / g1, o.num_ / g2), checked_mul(den_ / g2, o.den_ / g1));
}

Rational Rational::operator/(const Rational& o) const {
  if (o.num_ == 0) throw std::domain_error("division by zero");
  return *this * Rational(o.den_, o.num_);
}

bool Rational::operator<(const Rational& o) const {
  return (__int128)num_ * o.den_ < (__int128)o.num_ * den_;
}

int Rational::mod(int p) const {
  if (den_ % p == 0) throw std::domain_error("coefficient " + str() + " has no value mod " + std::to_string(p));
  const int64_t n = ((num_ % p) + p) % p, d = den_ % p;
  int64_t inv = 1;  // d^(p-2) = d^-1 (Fermat)
  for (int i = 0; i < p - 2; ++i) inv = inv * d % p;
  return static_cast<int>(n * inv % p);
}

std::string Rational::str() const {
  return den_ == 1 ? std::to_string(num_) : std::to_string(num_) + "/" + std::to_string(den_);
}

namespace {
int64_t parse_int(const std::string& s, size_t b, size_t e, bool allow_sign) {
  if (b >= e) throw std::invalid_argument("empty number");
  bool neg = false;
  if (allow_sign && (s[b] == '-' || s[b] == '+')) {
    neg = s[b] == '-';
    if (++b >= e) throw std::invalid_argument("sign without digits");
  }
  int64_t v = 0;
  for (size_t i = b; i < e; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i])))
      throw std::invalid_argument("not a number: '" + s + "'");
    int64_t r;
    if (__builtin_mul_overflow(v, 10, &r) || __builtin_add_overflow(r, s[i] - '0', &v))
      throw std::invalid_argument("number out of range: '" + s + "'");
  }
  return neg ? -v : v;
}
}  // namespace

Rational Rational::parse(const std::string& s) {
  const size_t slash = s.find('/');
  if (slash == std::string::npos) return Rational(parse_int(s, 0, s.size(), true));
  const int64_t d = parse_int(s, slash + 1, s.size(), false);
  if (d == 0) throw std::invalid_argument("zero denominator: '" + s + "'");
  return Rational(parse_int(s, 0, slash, true), d);
}

}  // namespace at
