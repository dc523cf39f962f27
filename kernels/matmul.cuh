#pragma once
// Tiled matrix multiply with bias, forward and backward, on raw device pointers.
//   C[M×N] = alpha · op(A)·op(B) + beta · C + bias (bias[N] broadcast over rows, may be null)
// Layouts (row-major): A is M×K, or K×M when trans_a (op(A) = Aᵀ); B is K×N, or N×K when trans_b.
#include "kernels/launch.cuh"

namespace at::kernels {

void matmul_forward(const float* A, const float* B, const float* bias, float* C, int M, int N, int K,
                    bool trans_a, bool trans_b, float alpha, float beta, cudaStream_t stream);
// The same on tensor cores: operands rounded to TF32 (10-bit mantissa), products accumulated in
// fp32. Exact for small-integer operands; otherwise about 1e-3 relative error per operand.
void matmul_forward_tf32(const float* A, const float* B, const float* bias, float* C, int M, int N, int K,
                         bool trans_a, bool trans_b, float alpha, float beta, cudaStream_t stream);

// Gradients of C = op(A)·op(B) + bias given dC [M×N]; dA, dB in A's and B's own layouts
// (overwritten), dbias [N] (overwritten; may be null). Deterministic: no atomics.
void matmul_backward(const float* A, const float* B, const float* dC, float* dA, float* dB, float* dbias,
                     int M, int N, int K, bool trans_a, bool trans_b, cudaStream_t stream);
// dbias[N] = (or += when accumulate) Σ_rows dC[M×N]; deterministic, no atomics.
void matmul_bias_backward(const float* dC, float* dbias, int M, int N, bool accumulate, cudaStream_t stream);

}  // namespace at::kernels
