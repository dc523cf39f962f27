#pragma once
// Inverted dropout: mask[i] = 0 with probability p, else 1/(1−p), from the same counter-based hash
// of (seed, i) as the CPU backend (so every backend draws the same mask); y = x·mask.
// Backward accumulates dx += dy·mask.
#include <cstdint>

#include "kernels/launch.cuh"

namespace at::kernels {
void dropout_forward(const float* x, float* y, float* mask, size_t n, float p, uint64_t seed, cudaStream_t stream);
void dropout_backward(const float* mask, const float* dy, float* dx, size_t n, cudaStream_t stream);
}  // namespace at::kernels
