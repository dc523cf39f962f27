#include "kernels/adamw.cuh"

namespace at::kernels {
namespace {

constexpr int kBlocks = sum_squares_partials(), kThreads = 256;

// Block b sums the squares of its contiguous chunk; threads stride inside it, then a tree in
// shared memory. The partition depends on n only.
__global__ void sum_squares_partial_kernel(const float* __restrict__ g, size_t n, double* __restrict__ partial) {
  __shared__ double s[kThreads];
  const size_t chunk = (n + kBlocks - 1) / kBlocks;
  const size_t begin = size_t(blockIdx.x) * chunk, end = begin + chunk < n ? begin + chunk : n;
  double acc = 0.0;
  for (size_t i = begin + threadIdx.x; i < end; i += kThreads) acc += double(g[i]) * double(g[i]);
  s[threadIdx.x] = acc;
  __syncthreads();
  for (int h = kThreads / 2; h > 0; h /= 2) {
    if (int(threadIdx.x) < h) s[threadIdx.x] += s[threadIdx.x + h];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = s[0];
}

__global__ void sum_squares_final_kernel(const double* __restrict__ partial, float* __restrict__ out) {
  double total = 0.0;
  for (int b = 0; b < kBlocks; ++b) total += partial[b];
  out[0] = float(total);
}

__global__ void adamw_kernel(float* __restrict__ param, const float* __restrict__ grad, float* __restrict__ m,
                             float* __restrict__ v, size_t n, const float* __restrict__ norm_sq, AdamWArgs a) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float norm = sqrtf(norm_sq[0]);
  const float clip = (a.max_norm > 0.0f && norm > a.max_norm) ? a.max_norm / norm : 1.0f;
  const float g = grad[i] * clip;
  m[i] = a.beta1 * m[i] + (1.0f - a.beta1) * g;
  v[i] = a.beta2 * v[i] + (1.0f - a.beta2) * g * g;
  param[i] = param[i] * a.decay - a.lr * (m[i] * a.c1) / (sqrtf(v[i] * a.c2) + a.eps);
}

}  // namespace

void sum_squares(const float* g, size_t n, float* out, double* partials, cudaStream_t stream) {
  AT_CHECK_ARG(g && out && partials, "sum_squares: null buffer");
  AT_LAUNCH(sum_squares_partial_kernel, dim3(kBlocks), dim3(kThreads), 0, stream, g, n, partials);
  AT_LAUNCH(sum_squares_final_kernel, dim3(1), dim3(1), 0, stream, partials, out);
}

void adamw_step(float* param, const float* grad, float* m, float* v, size_t n, const float* norm_sq,
                const AdamWArgs& a, cudaStream_t stream) {
  if (n == 0) return;
  AT_CHECK_ARG(param && grad && m && v && norm_sq, "adamw_step: null buffer");
  AT_LAUNCH(adamw_kernel, dim3(unsigned((n + kThreads - 1) / kThreads)), dim3(kThreads), 0, stream, param, grad, m, v, n,
            norm_sq, a);
}

}  // namespace at::kernels
