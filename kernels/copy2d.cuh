#pragma once
// Strided 2-D copies: dst[rows, cols] (row stride dst_ld) = or += src[rows, cols] (row stride
// src_ld); with rows = 1 it is the residual add y[n] += x[n].
#include "kernels/launch.cuh"

namespace at::kernels {
void copy2d(const float* src, int src_ld, float* dst, int dst_ld, int rows, int cols, bool accumulate, cudaStream_t stream);
}  // namespace at::kernels
