#pragma once
#include "core/scheme.hpp"

namespace at {

// The schoolbook scheme: one product a_ij·b_jk per (i,j,k), rank n·m·p.
Scheme naive_scheme(const Format& f, Field field = Field::Z);
// Strassen (1969): 2×2×2 in 7 products, integer coefficients.
Scheme strassen_scheme();
// Winograd's variant of Strassen (1971): 7 products with 15 additions when common subexpressions
// are shared (Strassen's own needs 18).
Scheme winograd_scheme();

}  // namespace at
