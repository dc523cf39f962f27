#include "kernels/relu.cuh"

namespace at::kernels {
namespace {

__global__ void relu_forward_kernel(const float* __restrict__ x, float* __restrict__ y, size_t n) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

__global__ void relu_backward_kernel(const float* __restrict__ x, const float* __restrict__ dy, float* __restrict__ dx,
                                     size_t n) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n && x[i] > 0.0f) dx[i] += dy[i];
}

constexpr int kBlock = 256;

}  // namespace

void relu_forward(const float* x, float* y, size_t n, cudaStream_t stream) {
  if (n == 0) return;
  AT_CHECK_ARG(x && y, "relu_forward: null buffer");
  AT_LAUNCH(relu_forward_kernel, dim3(unsigned((n + kBlock - 1) / kBlock)), dim3(kBlock), 0, stream, x, y, n);
}

void relu_backward(const float* x, const float* dy, float* dx, size_t n, cudaStream_t stream) {
  if (n == 0) return;
  AT_CHECK_ARG(x && dy && dx, "relu_backward: null buffer");
  AT_LAUNCH(relu_backward_kernel, dim3(unsigned((n + kBlock - 1) / kBlock)), dim3(kBlock), 0, stream, x, dy, dx, n);
}

}  // namespace at::kernels
