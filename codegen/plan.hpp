#pragma once
// A block plan: how one level of a scheme turns C = A·B into block operations.
//
// A (n×m) is split into sn×sm blocks, B (m×p) into sm×sp, C (n×p) into sn×sp (Format{sn,sm,sp}
// of the scheme). Each product r multiplies a linear form of A-blocks by a linear form of
// B-blocks; each C-block is a linear form of the products. The plan stores those forms after
//  - normalisation: each operand form starts with a positive coefficient (1 when that creates no
//    fractions), the factor moves into the C-side coefficients (so a lone block is used in place,
//    without a copy);
//  - common subexpressions: repeated pairs x_i + q·x_j are computed once into temporaries
//    (greedy pairwise elimination, most frequent pair first), on the A, B and C side;
//  - direct products: a product used once on the C side, in a C-block, is multiplied straight into
//    that block (accumulating; no buffer, no pass over it), its coefficient moved into a non-lone
//    operand form (or 1 already). Such C-blocks are first written by their remaining terms (when
//    any), then the direct products accumulate into them.
// Every form is evaluated as one fused pass (each input block read once, the output written once).
// The in-process executor (executor.hpp) and the emitted sources (emit.hpp) run this same plan.
#include <string>
#include <vector>

#include "core/cse.hpp"
#include "core/rational.hpp"
#include "core/scheme.hpp"

namespace at::codegen {

// Forms and steps over operand indices (see Plan); the elimination itself lives in core/cse.hpp.
using at::Form;
using at::LinearStep;
using at::Term;
using at::CseGoal;

struct PlanOptions {
  int cse_min_uses = 2;  // a pair becomes a temporary when used by at least this many forms
  CseGoal cse_goal = CseGoal::additions;  // what the elimination minimises (core/cse.hpp)
};

struct Plan {
  Format split;  // (sn, sm, sp): block grid of A (sn×sm), B (sm×sp), C (sn×sp)
  int rank = 0;
  // A-side operands: 0..sn*sm-1 are A-blocks (i*sm+j), then a_temps in order.
  std::vector<LinearStep> a_temps;
  // B-side operands: 0..sm*sp-1 are B-blocks (j*sp+k), then b_temps in order.
  std::vector<LinearStep> b_temps;
  std::vector<Form> a_forms, b_forms;  // per product r: its A and B operand
  // C-side operands: 0..rank-1 are the products M_r, then c_temps in order.
  std::vector<LinearStep> c_temps;
  std::vector<Form> c_forms;  // per C-block (i*sp+k): its value over C-side operands, less direct products
  std::vector<int> direct;    // per product: the C-block it accumulates into, or -1 (it goes to its buffer)

  int a_blocks() const { return split.n * split.m; }
  int b_blocks() const { return split.m * split.p; }
  int c_blocks() const { return split.n * split.p; }
};

// Block additions of one level: the naive evaluation (scheme_stats) and the plan's (each fused
// k-term pass counts k-1 additions; a lone operand with coefficient 1 counts none). plan_additions
// equals additions_after_elimination(s, cse_min_uses) of core/cse.hpp (with CseGoal::additions).
struct PlanCost {
  long naive_additions = 0;
  long plan_additions = 0;
  int temporaries = 0;  // A-, B- and C-side temporaries
  // Block reads + writes of the plan's linear forms and product buffers (a k-term pass reads k
  // blocks and writes one; a lone operand with coefficient 1 costs nothing; a buffered product
  // one write; a C-block with only direct products one write): the memory traffic beside the
  // multiplies. Equals block_traffic(s, cse_min_uses, cse_goal) of core/cse.hpp (what improve --objective
  // traffic minimises).
  long block_passes = 0;
};

// Builds the plan; throws InputError when the scheme holds only mod 2 (no real arithmetic).
Plan build_plan(const Scheme& s, const PlanOptions& options = {});
PlanCost plan_cost(const Scheme& s, const Plan& plan);

// Float value of a coefficient, as the executor and the emitted code use it.
inline float to_float(const Rational& q) { return float(double(q.num()) / double(q.den())); }

// Throws InputError("NAME: ...") for a mod-2 scheme.
void require_real_scheme(const Scheme& s, const std::string& name);
// Reads a scheme file for real arithmetic: InputError (one line naming the file) when it is
// unreadable, fails exact verification, or holds only mod 2.
Scheme read_real_scheme(const std::string& path);

}  // namespace at::codegen
