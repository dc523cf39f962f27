#pragma once
// Constructions on schemes: format permutations, Kronecker product, direct sums, change of basis.
#include <vector>

#include "core/linalg.hpp"
#include "core/scheme.hpp"

namespace at {

// (n,m,p) -> (m,p,n): (u,v,w) -> (v,w,u).
Scheme cyclic_shift(const Scheme& s);
// (n,m,p) -> (p,m,n), from (AB)^T = B^T A^T: u' = v^T, v' = u^T, w' = w^T.
Scheme transpose(const Scheme& s);
// The scheme for a permutation `target` of s.format (throws if it is none).
Scheme to_format(const Scheme& s, const Format& target);
// All six permutations of the format (duplicates included when dimensions repeat).
std::vector<Scheme> all_permutations(const Scheme& s);

// Scheme for (n1 n2, m1 m2, p1 p2) of rank R1·R2 (block matrices of blocks).
Scheme kronecker(const Scheme& outer, const Scheme& inner);

// Splits one dimension: axis 0 stacks A and C by rows (n1+n2, m, p), axis 1 splits the inner
// dimension (n, m1+m2, p) and sums the products, axis 2 stacks B and C by columns (n, m, p1+p2).
// The other two dimensions must agree. Rank R1+R2.
Scheme direct_sum(const Scheme& s1, const Scheme& s2, int axis);

// Applies (A,B,C) to every term: u' = A u, v' = B v, w' = C w. A scheme of T becomes one of the
// tensor T' = (A⊗B⊗C)·T; apply the inverses to map back.
Scheme change_basis(const Scheme& s, const Mat& A, const Mat& B, const Mat& C);

// A symmetry of T(n,m,p): the scheme computing C = X⁻¹·S(X A Y⁻¹, Y B Z⁻¹)·Z, of the same rank.
// X (n×n), Y (m×m), Z (p×p) must be invertible over the scheme's field (over Z: unimodular).
Scheme sandwich(const Scheme& s, const Mat& X, const Mat& Y, const Mat& Z);
// A random signed permutation matrix.
class Rng;
Mat random_signed_permutation(int n, Rng& rng);

}  // namespace at
