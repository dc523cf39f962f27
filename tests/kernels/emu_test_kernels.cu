#include "emu_test_kernels.cuh"

namespace at::test_kernels {
namespace {

__global__ void rotate_kernel(const int* in, int* out, int n, int with_barrier) {
  __shared__ int s[1024];
  const int t = threadIdx.x;
  s[t] = in[t];
  if (with_barrier) __syncthreads();
  out[t] = s[(t + 1) % n];
}

__global__ void warp_sum_kernel(const float* in, float* out, int n) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  float v = t < n ? in[t] : 0.0f;
  for (int d = 16; d > 0; d /= 2) v += __shfl_down_sync(0xffffffffu, v, d);
  if ((threadIdx.x & 31) == 0) out[t / 32] = v;
}

__global__ void warp_vote_kernel(const int* in, unsigned* out, unsigned* out_all, int n) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  const bool pos = t < n && in[t] > 0;
  const unsigned bits = __ballot_sync(0xffffffffu, pos);
  const bool all = __all_sync(0xffffffffu, pos);
  if ((threadIdx.x & 31) == 0) {
    out[t / 32] = unsigned(__builtin_popcount(bits));
    out_all[t / 32] = all ? 1u : 0u;
  }
}

__global__ void warp_allreduce_kernel(const float* in, float* out, int n) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  float v = t < n ? in[t] : 0.0f;
  for (int m = 1; m < 32; m *= 2) v += __shfl_xor_sync(0xffffffffu, v, m);
  if (t < n) out[t] = v;
}

__global__ void early_exit_kernel(const int* in, int* out, int n) {
  __shared__ int s[1024];
  const int t = threadIdx.x;
  if (t >= n) return;
  s[t] = in[t];
  __syncthreads();
  out[t] = s[n - 1 - t];
}

__global__ void block_sum_dynamic_kernel(const float* in, float* out) {
  AT_DYNAMIC_SHARED(float, s);
  const int t = threadIdx.x;
  s[t] = in[blockIdx.x * blockDim.x + t];
  __syncthreads();
  for (int h = int(blockDim.x) / 2; h > 0; h /= 2) {
    if (t < h) s[t] += s[t + h];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = s[0];
}

__global__ void atomic_count_kernel(int* counter) { atomicAdd(counter, 1); }

__global__ void deadlock_kernel(int* sink) {
  if (threadIdx.x < 16) {
    __syncthreads();
  } else {
    sink[0] = __shfl_sync(0xffffffffu, int(threadIdx.x), 0);
  }
}

}  // namespace

void rotate(const int* in, int* out, int n, bool with_barrier) {
  AT_CHECK_ARG(n >= 1 && n <= 1024, "rotate: n must be 1..1024");
  AT_LAUNCH(rotate_kernel, dim3(1), dim3(unsigned(n)), 0, nullptr, in, out, n, int(with_barrier));
}
void warp_sum(const float* in, float* out, int n) {
  AT_LAUNCH(warp_sum_kernel, dim3(unsigned((n + 127) / 128)), dim3(128), 0, nullptr, in, out, n);
}
void warp_vote(const int* in, unsigned* out, unsigned* out_all, int n) {
  AT_LAUNCH(warp_vote_kernel, dim3(unsigned((n + 63) / 64)), dim3(64), 0, nullptr, in, out, out_all, n);
}
void warp_allreduce(const float* in, float* out, int n) {
  AT_LAUNCH(warp_allreduce_kernel, dim3(unsigned((n + 95) / 96)), dim3(96), 0, nullptr, in, out, n);
}
void early_exit(const int* in, int* out, int n, int block) {
  AT_LAUNCH(early_exit_kernel, dim3(1), dim3(unsigned(block)), 0, nullptr, in, out, n);
}
void block_sum_dynamic(const float* in, float* out, int blocks) {
  AT_LAUNCH(block_sum_dynamic_kernel, dim3(unsigned(blocks)), dim3(256), 256 * sizeof(float), nullptr, in, out);
}
void atomic_count(int* counter, int blocks) {
  AT_LAUNCH(atomic_count_kernel, dim3(unsigned(blocks)), dim3(128), 0, nullptr, counter);
}
void deadlock() {
  int* sink = nullptr;
  AT_CUDA_CHECK(cudaMalloc(&sink, sizeof(int)));
  try {
    AT_LAUNCH(deadlock_kernel, dim3(1), dim3(32), 0, nullptr, sink);
  } catch (...) {
    cudaFree(sink);
    throw;
  }
  cudaFree(sink);
}

}  // namespace at::test_kernels
