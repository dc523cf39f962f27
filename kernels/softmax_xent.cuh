#pragma once
// Softmax cross-entropy of logits [rows, V] against targets[rows] with weights[rows]:
//   row_loss[r] = w_r·(logsumexp(z_r) − z_r[t_r]); dlogits (may be null) += w_r·(softmax(z_r) − onehot(t_r)).
// One warp per row; the loss and its gradient in one pass.
#include "kernels/launch.cuh"

namespace at::kernels {
void softmax_xent(const float* logits, const int* targets, const float* weights, float* row_loss, float* dlogits,
                  int rows, int V, cudaStream_t stream);
}  // namespace at::kernels
