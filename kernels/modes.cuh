#pragma once
// The attentive-modes grid reshuffle: grids g1, g2 [batch, S, S, c] <-> x [batch, S, 2S, c] with
// x[b,i,j] = g1[b,i,j] for j < S and g2[b,j−S,i] for j >= S (g2 transposed). Each op is the
// other's adjoint, so the backward of one is the other with accumulate = true.
#include "kernels/launch.cuh"

namespace at::kernels {
void modes_concat(const float* g1, const float* g2, float* x, int batch, int S, int c, bool accumulate, cudaStream_t stream);
void modes_split(const float* x, float* g1, float* g2, int batch, int S, int c, bool accumulate, cudaStream_t stream);
}  // namespace at::kernels
