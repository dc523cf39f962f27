#pragma once
// Common subexpressions of a scheme's linear forms, and the additions they save.
//
// A scheme evaluated naively computes, per product r, Σ u_r·a and Σ v_r·b, and per entry of C,
// Σ_r w_r[c]·M_r. Greedy pairwise elimination computes a pair x_i + q·x_j that occurs (up to a
// common factor) in several forms once, as a temporary, and substitutes it everywhere; the most
// frequent pair goes first. The code generator's block plan (codegen/plan.hpp) runs these steps on
// blocks; the flip-graph search (improve) counts with them. One home for both.
#include <string>
#include <vector>

#include "core/rational.hpp"
#include "core/scheme.hpp"

namespace at {

struct Term {
  int var;       // operand index
  Rational coef;
};
using Form = std::vector<Term>;  // sorted by var, no zero coefficients

// dst = Σ coef·var (dst is a temporary's operand index).
struct LinearStep {
  int dst;
  Form form;
};

// The non-zero entries of coefs[0..size) as a form over operands 0..size-1.
Form form_of(const Rational* coefs, int size);

// What greedy elimination minimises. Additions: the most frequent pair first (fewest additions).
// Traffic: block reads and writes of the fused passes codegen's plan runs, where a temporary is a
// pass of its own (2 reads, 1 write) and saves one read per use, so a pair used twice costs one
// block more unless it turns forms into lone operands (`lone_saves`: a lone A- or B-operand needs
// no pass at all, 2 blocks more saved per form; a C entry is written anyway): the pair with the
// largest saving goes first, taken while it saves >= 0 blocks.
enum class CseGoal { additions, traffic };
std::string cse_goal_name(CseGoal g);
CseGoal parse_cse_goal(const std::string& text);  // "additions" or "traffic"; std::invalid_argument otherwise

// Greedy pairwise elimination: while some pair x_i + q·x_j (i < j, up to a common factor) occurs in
// at least max(2, min_uses) forms (and, for CseGoal::traffic, saves blocks), computes it once as a
// new operand (indices continue after num_vars) and substitutes it. Deterministic: ties go to the
// smallest (i, j, q).
std::vector<LinearStep> eliminate_pairs(std::vector<Form>& forms, int num_vars, int min_uses = 2,
                                        CseGoal goal = CseGoal::additions, bool lone_saves = false);

// Additions of a k-term form: k-1 (scalings are not additions).
inline long form_additions(const Form& f) { return f.empty() ? 0 : long(f.size()) - 1; }

// The scheme's A-side (u), B-side (v) and C-side forms (per entry c_ik, over the products), in the
// index order of Scheme (a_index, b_index, c_index).
std::vector<Form> a_forms(const Scheme& s);
std::vector<Form> b_forms(const Scheme& s);
std::vector<Form> c_forms(const Scheme& s);

// Additions of one evaluation after greedy elimination on the three sides (each temporary costs one
// addition). Over Z2 and Z3 the coefficients are their representatives (±1), so a pair and its
// negative are the same subexpression, as over Z.
long additions_after_elimination(const Scheme& s, int min_uses = 2);

// Block reads + writes of one level as codegen's plan runs it (codegen/plan.hpp), the memory
// traffic that decides the speed once the blocks outgrow the caches (improve --objective traffic).
// After elimination on the three sides: a temporary or a form of k > 1 terms is one pass (k reads,
// one write); a lone A- or B-operand is used in place (0); a product goes into a buffer (one write)
// unless it is used once on the C side, in a C entry, and its factor can ride in a non-lone operand
// (or is 1): then the multiply accumulates straight into that C block (0). A C entry with k terms
// left is one pass (k + 1), or, with none left, one write (its first direct product sets it).
long block_traffic(const Scheme& s, int min_uses = 2, CseGoal goal = CseGoal::additions);

}  // namespace at
