#include "kernels/softmax_xent.cuh"

namespace at::kernels {
namespace {

constexpr int kWarps = 4;

__device__ float warp_max(float v) {
  for (int d = 16; d > 0; d /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, d));
  return v;
}
__device__ float warp_sum(float v) {
  for (int d = 16; d > 0; d /= 2) v += __shfl_xor_sync(0xffffffffu, v, d);
  return v;
}

__global__ void softmax_xent_kernel(const float* __restrict__ logits, const int* __restrict__ targets,
                                    const float* __restrict__ weights, float* __restrict__ row_loss,
                                    float* __restrict__ dlogits, int rows, int V) {
  const int r = blockIdx.x * kWarps + int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
  if (r >= rows) return;
  const float* z = logits + size_t(r) * V;
  float mx = -INFINITY;
  for (int j = lane; j < V; j += 32) mx = fmaxf(mx, z[j]);
  mx = warp_max(mx);
  float s = 0.0f;
  for (int j = lane; j < V; j += 32) s += expf(z[j] - mx);
  const float lse = mx + logf(warp_sum(s));
  const float w = weights[r];
  const int t = targets[r];
  if (lane == 0) row_loss[r] = w * (lse - z[t]);
  if (!dlogits) return;
  float* d = dlogits + size_t(r) * V;
  for (int j = lane; j < V; j += 32) d[j] += w * (expf(z[j] - lse) - (j == t ? 1.0f : 0.0f));
}

}  // namespace

void softmax_xent(const float* logits, const int* targets, const float* weights, float* row_loss, float* dlogits,
                  int rows, int V, cudaStream_t stream) {
  AT_CHECK_ARG(rows >= 0 && V > 0, "softmax_xent: bad shape");
  AT_CHECK_ARG(logits && targets && weights && row_loss, "softmax_xent: null buffer");
  if (rows == 0) return;
  AT_LAUNCH(softmax_xent_kernel, dim3(unsigned((rows + kWarps - 1) / kWarps)), dim3(32 * kWarps), 0, stream, logits,
            targets, weights, row_loss, dlogits, rows, V);
}

}  // namespace at::kernels
