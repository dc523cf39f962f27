#include "kernels/layernorm.cuh"

namespace at::kernels {
namespace {

constexpr int kWarps = 4;  // rows per block: one warp per row

__device__ float warp_sum(float v) {
  for (int d = 16; d > 0; d /= 2) v += __shfl_xor_sync(0xffffffffu, v, d);
  return v;
}

__global__ void layernorm_forward_kernel(const float* __restrict__ x, const float* __restrict__ gamma,
                                         const float* __restrict__ beta, float* __restrict__ y, float* __restrict__ mean,
                                         float* __restrict__ rstd, int rows, int cols) {
  const int row = blockIdx.x * kWarps + int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
  if (row >= rows) return;  // whole warps leave together
  const float* xr = x + size_t(row) * cols;
  float s = 0.0f;
  for (int c = lane; c < cols; c += 32) s += xr[c];
  const float mu = warp_sum(s) / float(cols);
  float q = 0.0f;
  for (int c = lane; c < cols; c += 32) q += (xr[c] - mu) * (xr[c] - mu);
  const float rs = rsqrtf(warp_sum(q) / float(cols) + 1e-5f);
  if (lane == 0) {
    mean[row] = mu;
    rstd[row] = rs;
  }
  float* yr = y + size_t(row) * cols;
  for (int c = lane; c < cols; c += 32) yr[c] = (xr[c] - mu) * rs * gamma[c] + beta[c];
}

__global__ void layernorm_backward_dx_kernel(const float* __restrict__ x, const float* __restrict__ gamma,
                                             const float* __restrict__ mean, const float* __restrict__ rstd,
                                             const float* __restrict__ dy, float* __restrict__ dx, int rows, int cols) {
  const int row = blockIdx.x * kWarps + int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
  if (row >= rows) return;
  const float* xr = x + size_t(row) * cols;
  const float* dyr = dy + size_t(row) * cols;
  const float mu = mean[row], rs = rstd[row];
  float sg = 0.0f, sgx = 0.0f;  // Σ dy·γ and Σ dy·γ·x̂
  for (int c = lane; c < cols; c += 32) {
    const float g = dyr[c] * gamma[c];
    sg += g;
    sgx += g * (xr[c] - mu) * rs;
  }
  sg = warp_sum(sg) / float(cols);
  sgx = warp_sum(sgx) / float(cols);
  float* dxr = dx + size_t(row) * cols;
  for (int c = lane; c < cols; c += 32) {
    const float xh = (xr[c] - mu) * rs;
    dxr[c] += rs * (dyr[c] * gamma[c] - sg - xh * sgx);
  }
}

// One thread per column, rows in order.
__global__ void layernorm_backward_params_kernel(const float* __restrict__ x, const float* __restrict__ mean,
                                                 const float* __restrict__ rstd, const float* __restrict__ dy,
                                                 float* __restrict__ dgamma, float* __restrict__ dbeta, int rows, int cols) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  float g = 0.0f, b = 0.0f;
  for (int r = 0; r < rows; ++r) {
    const float d = dy[size_t(r) * cols + c];
    g += d * (x[size_t(r) * cols + c] - mean[r]) * rstd[r];
    b += d;
  }
  dgamma[c] += g;
  dbeta[c] += b;
}

}  // namespace

void layernorm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                       int rows, int cols, cudaStream_t stream) {
  AT_CHECK_ARG(rows >= 0 && cols > 0, "layernorm_forward: bad shape");
  AT_CHECK_ARG(x && gamma && beta && y && mean && rstd, "layernorm_forward: null buffer");
  if (rows == 0) return;
  AT_LAUNCH(layernorm_forward_kernel, dim3(unsigned((rows + kWarps - 1) / kWarps)), dim3(32 * kWarps), 0, stream, x,
            gamma, beta, y, mean, rstd, rows, cols);
}

void layernorm_backward(const float* x, const float* gamma, const float* mean, const float* rstd, const float* dy,
                        float* dx, float* dgamma, float* dbeta, int rows, int cols, cudaStream_t stream) {
  AT_CHECK_ARG(rows >= 0 && cols > 0, "layernorm_backward: bad shape");
  AT_CHECK_ARG(x && gamma && mean && rstd && dy && dx && dgamma && dbeta, "layernorm_backward: null buffer");
  if (rows == 0) return;
  AT_LAUNCH(layernorm_backward_dx_kernel, dim3(unsigned((rows + kWarps - 1) / kWarps)), dim3(32 * kWarps), 0, stream,
            x, gamma, mean, rstd, dy, dx, rows, cols);
  AT_LAUNCH(layernorm_backward_params_kernel, dim3(unsigned((cols + 127) / 128)), dim3(128), 0, stream, x, mean, rstd,
            dy, dgamma, dbeta, rows, cols);
}

}  // namespace at::kernels
