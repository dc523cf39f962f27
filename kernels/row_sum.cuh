#pragma once
// out[rows] = Σ_cols x[rows, cols], in column order per row (small reductions such as the losses).
#include "kernels/launch.cuh"

namespace at::kernels {
void row_sum(const float* x, float* out, int rows, int cols, cudaStream_t stream);
}  // namespace at::kernels
