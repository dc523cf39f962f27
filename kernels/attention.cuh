#pragma once
// Multi-head scaled dot-product attention for the short sequences of the torso and the decoder.
// Query sequence n attends to key/value sequence n / kv_group (K samples share one memory).
//   q [batch, lq, q_ld] (head h in columns h·head_dim ..), k, v [batch/kv_group, kv_stride] (lk rows
//   of kv_ld),
//   o [batch, lq, o_ld]; p [batch, heads, lq, lk] keeps the probabilities for the backward pass.
// Forward: one block per (sequence, head), scores, mask, softmax and weighted sum fused.
// Backward (accumulates dq, dk, dv): one block per (key/value sequence, head) running its query
// group in order, so every sum has a fixed order (no atomics).
#include "kernels/launch.cuh"

namespace at::kernels {

struct AttentionDims {
  int batch = 1, lq = 1, lk = 1, heads = 1, head_dim = 1;
  int q_ld = 0, kv_ld = 0, o_ld = 0;
  int kv_stride = 0;             // elements between key/value sequences (0: lk·kv_ld; caches hold more)
  int kv_group = 1;
  bool causal = false;           // query i sees keys j <= i + lk − lq (queries are the last lq positions)
  const int* key_len = nullptr;  // [batch / kv_group] device: keys j >= key_len are padding
};

void attention_forward(const float* q, const float* k, const float* v, float* o, float* p, const AttentionDims& s,
                       cudaStream_t stream);
// workspace: attention_backward_workspace(s) floats of scratch.
size_t attention_backward_workspace(const AttentionDims& s);
void attention_backward(const float* q, const float* k, const float* v, const float* p, const float* dout, float* dq,
                        float* dk, float* dv, float* workspace, const AttentionDims& s, cudaStream_t stream);

}  // namespace at::kernels
