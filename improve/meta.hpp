#pragma once
// Meta operations across formats (as in the flip-graph suites), to seed a search in one format
// from schemes of others. Axis 0 is n (rows of A and C), 1 is m (the inner dimension), 2 is p
// (columns of B and C).
#include <string>

#include "core/scheme.hpp"

namespace at::improve {

// (n,m,p) -> (n+1,m,p) etc.: direct sum with the naive scheme of the added slice (rank + the
// slice's naive rank).
Scheme extend(const Scheme& s, int axis);
// (n,m,p) -> (n−1,m,p) etc.: drops the last index of that dimension (T(n−1,m,p) is a restriction
// of T(n,m,p)); terms that become zero are removed. Throws std::invalid_argument for size 1.
Scheme project(const Scheme& s, int axis);
// Direct sum along an axis (core direct_sum): (n1,m,p) and (n2,m,p) give (n1+n2,m,p), rank R1+R2.
// Kronecker product (core kronecker): (n1 n2, m1 m2, p1 p2), rank R1·R2. Both hold in the weaker
// field of the two (a Z scheme is reduced mod 2 to combine with a Z2 one).
Scheme merge(Scheme a, Scheme b, int axis);
Scheme product(Scheme a, Scheme b);

// Applies "extend:AXIS", "project:AXIS", "merge:AXIS:OPERAND" or "product:OPERAND", where an
// operand is "strassen", "naive:n,m,p" or a scheme file. Throws std::invalid_argument on a bad
// spec (InputError for an unreadable file).
Scheme apply_meta(const Scheme& s, const std::string& spec);

}  // namespace at::improve
