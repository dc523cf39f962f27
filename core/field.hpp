#pragma once
#include <string>

#include "core/rational.hpp"

namespace at {

// Z: integer coefficients, valid over every ring. Z2, Z3: valid mod 2, mod 3 (GF(2), GF(3)).
// Q: rational coefficients, valid over fields of characteristic 0.
enum class Field { Z, Z2, Q, Z3 };

std::string field_name(Field f);
// Accepts Z, Z2, Z3, Q (also "mod2", "GF2", "mod3", "GF3"); throws std::invalid_argument.
Field parse_field(const std::string& s);

// The prime of Z2 and Z3, 0 for Z and Q.
int characteristic(Field f);
inline bool is_modular(Field f) { return characteristic(f) != 0; }

// x in f: mod 2 as 0 or 1, mod 3 as -1, 0 or 1 (the representatives schemes are written with);
// over Z and Q unchanged. Throws std::domain_error when x has no value mod p (p | denominator).
Rational reduce_in(Field f, const Rational& x);

}  // namespace at
