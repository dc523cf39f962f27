#pragma once
// Quantile regression with the Huber loss: pred [rows, Q] at τ_i = (i + 0.5)/Q, target[rows],
// weights[rows]; row_loss[r] = w_r/Q·Σ_i |τ_i − 1{u<0}|·huber_δ(u), u = target − pred_i;
// dpred (may be null) += its gradient. One thread per row.
#include "kernels/launch.cuh"

namespace at::kernels {
void quantile_huber(const float* pred, const float* target, const float* weights, float* row_loss, float* dpred,
                    int rows, int Q, float delta, cudaStream_t stream);
}  // namespace at::kernels
