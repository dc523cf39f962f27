#pragma once
// Cyclic symmetry of square formats. T(n,n,n), with C transposed as our layout writes it (u, v, w
// all index their matrix as i·n+j), is invariant under the shift of its three factors,
// (u, v, w) -> (v, w, u). A scheme is cyclic-invariant when the shift maps its terms (as rank-one
// tensors, i.e. up to a scaling (au)⊗(bv)⊗(cw) with abc = 1) to themselves: it is then made of
// fixed terms (x⊗x⊗x up to a scalar) and 3-orbits {(u,v,w), (v,w,u), (w,u,v)}.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/linalg.hpp"
#include "core/scheme.hpp"

namespace at {

// The symmetry a search keeps: none, or the cyclic shift (square formats only).
enum class Symmetry { None, Cyclic };
std::string symmetry_name(Symmetry s);
// "none" or "cyclic"; throws std::invalid_argument naming the choices.
Symmetry parse_symmetry(const std::string& s);

// Throws std::invalid_argument("cyclic symmetry needs a square format n,n,n, not 2x3x4") otherwise.
void check_cyclic_format(const Format& f);

struct CyclicOrbits {
  std::vector<int> fixed;                  // terms t with shift(t) = t
  std::vector<std::array<int, 3>> orbits;  // terms t, then the terms equal to shift(t), shift²(t)
};

// The orbits of s's terms in `over` (coefficients reduced there first), or nothing when s is not
// cyclic-invariant. Terms are matched as a multiset (a term repeated twice needs its orbit twice).
// Throws std::invalid_argument for a non-square format.
std::optional<CyclicOrbits> cyclic_orbits(const Scheme& s, Field over);
inline std::optional<CyclicOrbits> cyclic_orbits(const Scheme& s) { return cyclic_orbits(s, s.field); }

// "cyclic-invariant: yes (F fixed, K orbits)" or "cyclic-invariant: no" for a square format, ""
// otherwise (the words verify and scheme print).
std::string cyclic_summary(const Scheme& s, Field over);

// Symmetrises a list of generators: every term that the shift fixes is kept once, every other term
// becomes its orbit of three. The result is cyclic-invariant; it is a scheme of T only if the
// generators are fixed terms and orbit representatives of one.
Scheme cyclic_closure(const Scheme& generators);
// The fixed terms and one representative per orbit, in that order (cyclic_closure maps it back).
Scheme cyclic_generators(const Scheme& s, const CyclicOrbits& orbits);

// The naive scheme of T(n,n,n) with its diagonal products a_ii·b_ii grouped by the parts of
// `sizes` (consecutive indices, sizes summing to n): each part P becomes the fixed term x_P⊗x_P⊗x_P
// with x_P = Σ_{i∈P} E_ii, its extra terms E_ii⊗E_jj⊗E_kk (i,j,k ∈ P not all equal) are taken off
// again as orbits, and the other products form the naive orbits. Fixed terms: sizes.size(), rank
// n³ − n + Σ (|P|³ − |P| + 1). Cyclic symmetry keeps the number of fixed terms mod 3 in the rank
// (R = F + 3K): this start chooses it (5×5×5 record 93 = 3 + 3·30: sizes 2,2,1), where the
// naive scheme (n fixed terms) fixes it to n mod 3. Throws std::invalid_argument for bad sizes.
Scheme cyclic_diagonal_scheme(int n, const std::vector<int>& sizes, Field field = Field::Z);
// "2,2,1" -> {2,2,1}; throws std::invalid_argument naming the problem.
std::vector<int> parse_diagonal_sizes(const std::string& text);

// The change of basis (P, P, P): the same basis on all three modes, the only kind that keeps a
// cyclic-invariant scheme invariant (of the tensor (P⊗P⊗P)·T, itself invariant). P is n²×n².
Scheme cyclic_change_basis(const Scheme& s, const Mat& P);
// The symmetry A -> X A X⁻¹ on all three matrices (sandwich(s, X, X, X)): a scheme of T again,
// invariant when s is.
Scheme cyclic_sandwich(const Scheme& s, const Mat& X);

}  // namespace at
