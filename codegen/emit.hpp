#pragma once
// Source emitters of `alphatensor codegen`: readable, self-contained C++ (standard library only)
// or CUDA that run the same Plan as the in-process executor: the same block forms, temporaries,
// workspace layout, recursion and peeling.
#include <string>

#include "codegen/plan.hpp"

namespace at::codegen {

struct EmitOptions {
  std::string name = "fast_matmul";  // C identifier: the API function and its namespace prefix
  int levels = 1;                    // default recursion depth of the emitted API
  std::string source;                // where the scheme came from (header comment only)
};

// Throws std::invalid_argument when the name is not a C identifier or levels < 0.
void check_emit_options(const EmitOptions& o);

// API: void NAME(const float* A, const float* B, float* C, int n, int m, int p,
//                int levels = L, NAME_base_fn base = nullptr, float* workspace = nullptr);
//      long NAME_workspace(int n, int m, int p, int levels);
//      void NAME_reference(const float* A, const float* B, float* C, int n, int m, int p);
// Row-major A (n×m), B (m×p), C (n×p). A main() that checks and times it is compiled only with
// -DALPHATENSOR_CODEGEN_MAIN.
std::string emit_cpp(const Scheme& s, const Plan& plan, const EmitOptions& o);

// Same API on device pointers, plus NAME_base (our tiled GEMM alone); every call is enqueued on
// the given stream. The optional main() also compares with cuBLAS under -DALPHATENSOR_CODEGEN_CUBLAS.
std::string emit_cuda(const Scheme& s, const Plan& plan, const EmitOptions& o);

}  // namespace at::codegen
