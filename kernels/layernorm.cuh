#pragma once
// LayerNorm over the last dimension (ε = 1e-5, as the CPU backend):
//   y[rows, cols] = (x - mean) · rstd · gamma[cols] + beta[cols]; saves mean[rows], rstd[rows].
// Backward accumulates dx[rows, cols], dgamma[cols], dbeta[cols] (column sums in row order:
// deterministic, no atomics).
#include "kernels/launch.cuh"

namespace at::kernels {
void layernorm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                       int rows, int cols, cudaStream_t stream);
void layernorm_backward(const float* x, const float* gamma, const float* mean, const float* rstd, const float* dy,
                        float* dx, float* dgamma, float* dbeta, int rows, int cols, cudaStream_t stream);
}  // namespace at::kernels
