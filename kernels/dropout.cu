#include "kernels/dropout.cuh"

namespace at::kernels {
namespace {

// splitmix64 of (seed, i), top 24 bits as a uniform in [0, 1): matches nn::dropout_uniform.
__device__ double dropout_uniform(uint64_t seed, uint64_t i) {
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return double(z >> 40) * (1.0 / 16777216.0);
}

__global__ void dropout_forward_kernel(const float* __restrict__ x, float* __restrict__ y, float* __restrict__ mask,
                                       size_t n, float p, float keep, uint64_t seed) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  mask[i] = dropout_uniform(seed, i) < double(p) ? 0.0f : keep;
  y[i] = x[i] * mask[i];
}

__global__ void dropout_backward_kernel(const float* __restrict__ mask, const float* __restrict__ dy,
                                        float* __restrict__ dx, size_t n) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) dx[i] += dy[i] * mask[i];
}

}  // namespace

void dropout_forward(const float* x, float* y, float* mask, size_t n, float p, uint64_t seed, cudaStream_t stream) {
  AT_CHECK_ARG(p >= 0.0f && p < 1.0f, "dropout_forward: p must be in [0, 1)");
  if (n == 0) return;
  AT_CHECK_ARG(x && y && mask, "dropout_forward: null buffer");
  AT_LAUNCH(dropout_forward_kernel, dim3(unsigned((n + 255) / 256)), dim3(256), 0, stream, x, y, mask, n, p,
            float(1.0 / (1.0 - double(p))), seed);
}

void dropout_backward(const float* mask, const float* dy, float* dx, size_t n, cudaStream_t stream) {
  if (n == 0) return;
  AT_CHECK_ARG(mask && dy && dx, "dropout_backward: null buffer");
  AT_LAUNCH(dropout_backward_kernel, dim3(unsigned((n + 255) / 256)), dim3(256), 0, stream, mask, dy, dx, n);
}

}  // namespace at::kernels
