#pragma once
// ReLU y = max(x, 0); backward accumulates dx[n] += dy·1{x > 0}.
#include "kernels/launch.cuh"

namespace at::kernels {
void relu_forward(const float* x, float* y, size_t n, cudaStream_t stream);
void relu_backward(const float* x, const float* dy, float* dx, size_t n, cudaStream_t stream);
}  // namespace at::kernels
