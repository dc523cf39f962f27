#include "core/field.hpp"

#include <stdexcept>

namespace at {

std::string field_name(Field f) {
  switch (f) {
    case Field::Z: return "Z";
    case Field::Z2: return "Z2";
    case Field::Q: return "Q";
  }
  return "?";
}

Field parse_field(const std::string& s) {
  if (s == "Z" || s == "z") return Field::Z;
  if (s == "Z2" || s == "z2" || s == "mod2" || s == "GF2" || s == "gf2") return Field::Z2;
  if (s == "Q" || s == "q") return Field::Q;
  throw std::invalid_argument("unknown field '" + s + "' (use Z, Z2 or Q)");
}

}  // namespace at
