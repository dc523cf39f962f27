#pragma once
// Multi-head scaled dot-product attention for the short sequences of the torso and the decoder.
// Query sequence n attends to key/value sequence n / kv_group (K samples share one memory).
//   q [batch, lq, q_ld] (head h in columns h·head_dim ..), k, v [batch/kv_group, kv_stride] (lk rows
//   of kv_ld),
//   o [batch, lq, o_ld]; p [batch, heads, lq, lk] keeps the probabilities for the backward pass.
// Forward: one block per (sequence, head), scores, mask, softmax and weighted sum fused.
// Backward (accumulates dq, dk, dv): one block per (key/value sequence, head) running its query
// group in order, so every sum has a fixed order (no atomics).
#include "kernels/attention_dims.hpp"
#include "kernels/launch.cuh"

namespace at::kernels {

void attention_forward(const float* q, const float* k, const float* v, float* o, float* p, const AttentionDims& s,
                       cudaStream_t stream);
// workspace: attention_backward_workspace(s) floats of scratch.
size_t attention_backward_workspace(const AttentionDims& s);
void attention_backward(const float* q, const float* k, const float* v, const float* p, const float* dout, float* dq,
                        float* dk, float* dv, float* workspace, const AttentionDims& s, cudaStream_t stream);

}  // namespace at::kernels
