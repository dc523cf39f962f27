#pragma once
// The executor's arithmetic on one thread, one copy per CPU path (codegen/executor_ops.cpp,
// compiled once per path: core/isa.hpp, cmake/AlphatensorIsa.cmake); the executor splits the work
// over its threads and calls the path in use.
#include <cstddef>

#include "codegen/executor.hpp"
#include "core/isa.hpp"

namespace at::codegen {

struct Input {
  ConstView view;
  float coef;
};

struct ExecutorOps {
  // C (rows×cols) = A (rows×m)·B (m×cols), or += when accumulate: Eigen's GEMM.
  void (*product)(ConstView A, ConstView B, MatView C, int rows, int m, int cols, bool accumulate);
  // Rows [r0, r1) of out (×cols) = Σ coef·input, each input row read once.
  void (*combine_rows)(MatView out, int r0, int r1, int cols, const Input* in, size_t inputs);
};

// Each path's entry point (the only global symbol of its object).
namespace isa_sse2 {
const ExecutorOps& entry_executor_ops();
}
namespace isa_avx2 {
const ExecutorOps& entry_executor_ops();
}
namespace isa_avx512 {
const ExecutorOps& entry_executor_ops();
}

// The path's ops; throws InputError if this CPU cannot run it.
const ExecutorOps& executor_ops(Isa isa);

}  // namespace at::codegen
