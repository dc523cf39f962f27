#include "kernels/matmul.cuh"

#ifdef ALPHATENSOR_CUDA_EMU
#include "kernels/emu/wmma_emu.hpp"
#else
#include <mma.h>
#endif

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

// Tensor-core path: block tile 64×64 of C, K in steps of 16; 4 warps in a 2×2 layout, each owning
// 32×32 of C as 2×2 WMMA 16×16×8 TF32 fragments with fp32 accumulators. Operands are rounded to
// TF32 once, when staged in shared memory. Rows are padded by 4 floats: WMMA wants 32-byte
// aligned tiles and a leading dimension that is a multiple of 4.
[[maybe_unused]] constexpr int kTcTile = 64, kTcK = 16, kTcPad = 4, kTcThreads = 128;  // kTcPad: not in the sm_75 build

__global__ void matmul_tf32_kernel(const float* __restrict__ A, const float* __restrict__ B,
                                   const float* __restrict__ bias, float* __restrict__ C, int M, int N, int K,
                                   int trans_a, int trans_b, float alpha, float beta) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  __trap();  // no TF32 tensor cores before sm_80; the CUDA backend refuses such devices first
#else
  namespace wmma = nvcuda::wmma;
  __shared__ __align__(32) float As[kTcTile][kTcK + kTcPad];      // op(A) tile [m, k]
  __shared__ __align__(32) float Bs[kTcK][kTcTile + kTcPad];      // op(B) tile [k, n]
  __shared__ __align__(32) float Cs[kTcTile][kTcTile + kTcPad];   // the block's C for the epilogue
  const int tid = threadIdx.x, warp = tid / 32, wr = warp / 2, wc = warp % 2;
  const int row0 = blockIdx.y * kTcTile, col0 = blockIdx.x * kTcTile;
  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
  for (int k0 = 0; k0 < K; k0 += kTcK) {
    for (int e = tid; e < kTcTile * kTcK; e += kTcThreads) {  // contiguous in the operand's layout
      const int kk = trans_a ? e / kTcTile : e % kTcK;
      const int mm = trans_a ? e % kTcTile : e / kTcK;
      const int r = row0 + mm, k = k0 + kk;
      const float a = (r < M && k < K) ? (trans_a ? A[size_t(k) * M + r] : A[size_t(r) * K + k]) : 0.0f;
      As[mm][kk] = wmma::__float_to_tf32(a);
    }
    for (int e = tid; e < kTcK * kTcTile; e += kTcThreads) {
      const int kk = trans_b ? e % kTcK : e / kTcTile;
      const int nn = trans_b ? e / kTcK : e % kTcTile;
      const int c = col0 + nn, k = k0 + kk;
      const float b = (c < N && k < K) ? (trans_b ? B[size_t(c) * K + k] : B[size_t(k) * N + c]) : 0.0f;
      Bs[kk][nn] = wmma::__float_to_tf32(b);
    }
    __syncthreads();
    for (int kk = 0; kk < kTcK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[2];
      for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a[i], &As[wr * 32 + i * 16][kk], kTcK + kTcPad);
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(b[j], &Bs[kk][wc * 32 + j * 16], kTcTile + kTcPad);
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      wmma::store_matrix_sync(&Cs[wr * 32 + i * 16][wc * 32 + j * 16], acc[i][j], kTcTile + kTcPad, wmma::mem_row_major);
  __syncthreads();
  for (int e = tid; e < kTcTile * kTcTile; e += kTcThreads) {
    const int r = row0 + e / kTcTile, c = col0 + e % kTcTile;
    if (r >= M || c >= N) continue;
    float v = alpha * Cs[e / kTcTile][e % kTcTile];
    if (beta != 0.0f) v += beta * C[size_t(r) * N + c];
    if (bias) v += bias[c];
    C[size_t(r) * N + c] = v;
  }
#endif
}

// dbias[c] (=|+=) Σ_r dC[r][c]. A block owns 32 columns; its 16 thread rows sum rows r ≡ ty
// (mod 16) in order, then thread row 0 adds the 16 partials in order: a fixed order for every
// launch (deterministic, no atomics) with 16× the parallelism of one thread per column.
constexpr int kBiasCols = 32, kBiasLanes = 16;
__global__ void bias_backward_kernel(const float* __restrict__ dC, float* __restrict__ dbias, int M, int N,
                                     int accumulate) {
  __shared__ float part[kBiasLanes][kBiasCols];
  const int tx = threadIdx.x, ty = threadIdx.y, c = blockIdx.x * kBiasCols + tx;
  float s = 0.0f;
  if (c < N)
    for (int r = ty; r < M; r += kBiasLanes) s += dC[size_t(r) * N + c];
  part[ty][tx] = s;
  __syncthreads();
  if (ty != 0 || c >= N) return;
  float total = 0.0f;
  for (int l = 0; l < kBiasLanes; ++l) total += part[l][tx];
  dbias[c] = accumulate ? dbias[c] + total : total;
}

// The checks shared by both forward launchers; false when there is nothing to compute.
bool matmul_args_ok(const char* name, const float* A, const float* B, const float* C, int M, int N, int K) {
  AT_CHECK_ARG(M >= 0 && N >= 0 && K >= 0, std::string(name) + ": negative size");
  AT_CHECK_ARG(A && B && C, std::string(name) + ": null operand");
  return M > 0 && N > 0;
}

}  // namespace

void matmul_forward(const float* A, const float* B, const float* bias, float* C, int M, int N, int K,
                    bool trans_a, bool trans_b, float alpha, float beta, cudaStream_t stream) {
  if (!matmul_args_ok("matmul_forward", A, B, C, M, N, K)) return;
  const dim3 grid((N + kTileN - 1) / kTileN, (M + kTileM - 1) / kTileM);
  const dim3 block(kThreads, kThreads);
  AT_LAUNCH(matmul_kernel, grid, block, 0, stream, A, B, bias, C, M, N, K, int(trans_a), int(trans_b), alpha, beta);
}

void matmul_forward_tf32(const float* A, const float* B, const float* bias, float* C, int M, int N, int K,
                         bool trans_a, bool trans_b, float alpha, float beta, cudaStream_t stream) {
  if (!matmul_args_ok("matmul_forward_tf32", A, B, C, M, N, K)) return;
  const dim3 grid((N + kTcTile - 1) / kTcTile, (M + kTcTile - 1) / kTcTile);
  AT_LAUNCH(matmul_tf32_kernel, grid, dim3(kTcThreads), 0, stream, A, B, bias, C, M, N, K, int(trans_a), int(trans_b),
            alpha, beta);
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
  if (dbias) matmul_bias_backward(dC, dbias, M, N, false, stream);
}

void matmul_bias_backward(const float* dC, float* dbias, int M, int N, bool accumulate, cudaStream_t stream) {
  AT_CHECK_ARG(M >= 0 && N >= 0, "matmul_bias_backward: negative size");
  if (N == 0) return;
  AT_CHECK_ARG(dC && dbias, "matmul_bias_backward: null buffer");
  AT_LAUNCH(bias_backward_kernel, dim3((N + kBiasCols - 1) / kBiasCols), dim3(kBiasCols, kBiasLanes), 0, stream, dC, dbias,
            M, N, int(accumulate));
}

}  // namespace at::kernels
