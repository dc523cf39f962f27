#pragma once
// Pieces shared by the C++ and CUDA emitters (internal to codegen/).
//
// Both languages define, before the shared part, in namespace NAME_impl:
//   struct View  { float* data; long ld; };        row-major, element (i,j) at data[i*ld+j]
//   struct CView { const float* data; long ld; };
//   struct Term  { CView v; float c; };
//   struct Ctx;                                      base multiply / stream of one call
//   CView sub(CView, long row, long col); View sub(View, long, long);
//   CView lincomb(const Ctx&, View out, int rows, int cols, std::initializer_list<Term>);
//   void base(const Ctx&, CView A, CView B, View C, int n, int m, int p, int accumulate);
// The shared part then defines workspace(), run_blocks() and run() from the plan.
#include <string>

#include "codegen/emit.hpp"

namespace at::codegen::emit_detail {

// The whole file: header comment with `api_notes`, then `prelude` (language part before the shared
// functions), the plan's workspace(), run_blocks() and run(), then `api`; NAME and LEVELS are
// substituted in the notes, prelude and api.
std::string assemble(const Scheme& s, const Plan& plan, const EmitOptions& o, const std::string& api_notes,
                     const std::string& prelude, const std::string& api);

}  // namespace at::codegen::emit_detail
