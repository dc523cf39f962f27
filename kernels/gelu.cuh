#pragma once
// GELU (exact erf form) y = x·Φ(x); backward accumulates dx[n] += dy·(Φ(x) + x·φ(x)).
#include "kernels/launch.cuh"

namespace at::kernels {
void gelu_forward(const float* x, float* y, size_t n, cudaStream_t stream);
void gelu_backward(const float* x, const float* dy, float* dx, size_t n, cudaStream_t stream);
}  // namespace at::kernels
