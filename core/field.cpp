#include "core/field.hpp"

#include <stdexcept>

namespace at {

std::string field_name(Field f) {
  switch (f) {
    case Field::Z: return "Z";
    case Field::Z2: return "Z2";
    case Field::Q: return "Q";
    case Field::Z3: return "Z3";
  }
  return "?";
}

Field parse_field(const std::string& s) {
  if (s == "Z" || s == "z") return Field::Z;
  if (s == "Z2" || s == "z2" || s == "mod2" || s == "GF2" || s == "gf2") return Field::Z2;
  if (s == "Z3" || s == "z3" || s == "mod3" || s == "GF3" || s == "gf3") return Field::Z3;
  if (s == "Q" || s == "q") return Field::Q;
  throw std::invalid_argument("unknown field '" + s + "' (use Z, Z2, Z3 or Q)");
}

int characteristic(Field f) { return f == Field::Z2 ? 2 : f == Field::Z3 ? 3 : 0; }

Rational reduce_in(Field f, const Rational& x) {
  const int p = characteristic(f);
  if (!p) return x;
  const int r = x.mod(p);
  return Rational(int64_t(p == 3 && r == 2 ? -1 : r));
}

}  // namespace at
