#pragma once
#include <string>

namespace at {

// Z: integer coefficients, valid over every ring. Z2: valid mod 2. Q: rational coefficients,
// valid over fields of characteristic 0.
enum class Field { Z, Z2, Q };

std::string field_name(Field f);
// Accepts Z, Z2, Q (also "mod2", "GF2"); throws std::invalid_argument.
Field parse_field(const std::string& s);

}  // namespace at
