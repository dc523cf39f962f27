#pragma once
// Embedding lookup out[n, dim] = table[ids[i], :]; backward dtable[V, dim] += Σ_{i: ids[i]=v} dout[i].
// The backward gives each table row to one block, which visits the ids in order: deterministic,
// no atomics.
#include "kernels/launch.cuh"

namespace at::kernels {
void embedding_forward(const float* table, const int* ids, float* out, int n, int dim, cudaStream_t stream);
void embedding_backward(const int* ids, const float* dout, float* dtable, int n, int vocab, int dim, cudaStream_t stream);
}  // namespace at::kernels
