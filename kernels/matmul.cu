#include "kernels/matmul.cuh"

namespace at::kernels {
namespace {

// Block tile 64×64 of C, K in steps of 16; 16×16 threads, each owning a 4×4 register tile.
constexpr int kTileM = 64, kTileN = 64, kTileK = 16, kReg = 4, kThreads = 16;

__global__ void matmul_kernel(const float* __restrict__ A, const float* __restrict__ B,
                              const float* __restrict__ bias, float* __restrict__ C, int M, int N, int K,
                              int trans_a, int trans_b, float alpha, float beta) {
  __shared__ float As[kTileK][kTileM + 4];  // op(A) tile, k-major; +4 breaks bank conflicts
  __shared__ float Bs[kTileK][kTileN + 4];  // op(B) tile, k-major
  const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * kThreads + tx;
  const int row0 = blockIdx.y * kTileM, col0 = blockIdx.x * kTileN;
  float acc[kReg][kReg] = {};
  for (int k0 = 0; k0 < K; k0 += kTileK) {
    // Loads walk memory contiguously in the operand's own layout (coalesced on a GPU).
    for (int e = tid; e < kTileK * kTileM; e += kThreads * kThreads) {
      const int kk = trans_a ? e / kTileM : e % kTileK;
      const int mm = trans_a ? e % kTileM : e / kTileK;
      const int r = row0 + mm, k = k0 + kk;
      As[kk][mm] = (r < M && k < K) ? (trans_a ? A[size_t(k) * M + r] : A[size_t(r) * K + k]) : 0.0f;
    }
    for (int e = tid; e < kTileK * kTileN; e += kThreads * kThreads) {
      const int kk = trans_b ? e % kTileK : e / kTileN;
      const int nn = trans_b ? e / kTileK : e % kTileN;
      const int c = col0 + nn, k = k0 + kk;
      Bs[kk][nn] = (c < N && k < K) ? (trans_b ? B[size_t(c) * K + k] : B[size_t(k) * N + c]) : 0.0f;
    }
    __syncthreads();
    for (int kk = 0; kk < kTileK; ++kk) {
      float a[kReg], b[kReg];
      for (int i = 0; i < kReg; ++i) a[i] = As[kk][ty * kReg + i];
      for (int j = 0; j < kReg; ++j) b[j] = Bs[kk][tx * kReg + j];
      for (int i = 0; i < kReg; ++i)
        for (int j = 0; j < kReg; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
  for (int i = 0; i < kReg; ++i)
    for (int j = 0; j < kReg; ++j) {
      const int r = row0 + ty * kReg + i, c = col0 + tx * kReg + j;
      if (r >= M || c >= N) continue;
      float v = alpha * acc[i][j];
      if (beta != 0.0f) v += beta * C[size_t(r) * N + c];
      if (bias) v += bias[c];
      C[size_t(r) * N + c] = v;
    }
}

// dbias[c] = Σ_r dC[r][c]: one thread per column, rows in order (deterministic).
__global__ void bias_backward_kernel(const float* __restrict__ dC, float* __restrict__ dbias, int M, int N) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= N) return;
  float s = 0.0f;
  for (int r = 0; r < M; ++r) s += dC[size_t(r) * N + c];
  dbias[c] = s;
}

}  // namespace

void matmul_forward(const float* A, const float* B, const float* bias, float* C, int M, int N, int K,
                    bool trans_a, bool trans_b, float alpha, float beta, cudaStream_t stream) {
  AT_CHECK_ARG(M >= 0 && N >= 0 && K >= 0, "matmul_forward: negative size");
  AT_CHECK_ARG(A && B && C, "matmul_forward: null operand");
  if (M == 0 || N == 0) return;
  const dim3 grid((N + kTileN - 1) / kTileN, (M + kTileM - 1) / kTileM);
  const dim3 block(kThreads, kThreads);
  AT_LAUNCH(matmul_kernel, grid, block, 0, stream, A, B, bias, C, M, N, K, int(trans_a), int(trans_b), alpha, beta);
}

void matmul_backward(const float* A, const float* B, const float* dC, float* dA, float* dB, float* dbias,
                     int M, int N, int K, bool trans_a, bool trans_b, cudaStream_t stream) {
  AT_CHECK_ARG(A && B && dC, "matmul_backward: null operand");
  // dop(A) = dC·op(B)ᵀ (M×K), dop(B) = op(A)ᵀ·dC (K×N); a transposed operand's gradient is the
  // transpose, computed directly by swapping the product's factors.
  if (dA) {
    if (!trans_a) matmul_forward(dC, B, nullptr, dA, M, K, N, false, !trans_b, 1.0f, 0.0f, stream);
    else matmul_forward(B, dC, nullptr, dA, K, M, N, trans_b, true, 1.0f, 0.0f, stream);
  }
  if (dB) {
    if (!trans_b) matmul_forward(A, dC, nullptr, dB, K, N, M, !trans_a, false, 1.0f, 0.0f, stream);
    else matmul_forward(dC, A, nullptr, dB, N, K, M, true, trans_a, 1.0f, 0.0f, stream);
  }
  if (dbias && N > 0) AT_LAUNCH(bias_backward_kernel, dim3((N + 255) / 256), dim3(256), 0, stream, dC, dbias, M, N);
}

}  // namespace at::kernels
