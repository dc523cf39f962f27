#include "kernels/quantile_huber.cuh"

namespace at::kernels {
namespace {

__global__ void quantile_huber_kernel(const float* __restrict__ pred, const float* __restrict__ target,
                                      const float* __restrict__ weights, float* __restrict__ row_loss,
                                      float* __restrict__ dpred, int rows, int Q, float d) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= rows) return;
  float loss = 0.0f;
  for (int i = 0; i < Q; ++i) {
    const float tau = (float(i) + 0.5f) / float(Q);
    const float u = target[r] - pred[size_t(r) * Q + i];
    const float w = fabsf(tau - (u < 0.0f ? 1.0f : 0.0f));
    const float au = fabsf(u);
    loss += w * (au <= d ? 0.5f * u * u : d * (au - 0.5f * d));
    if (dpred) dpred[size_t(r) * Q + i] -= weights[r] / float(Q) * w * (au <= d ? u : d * (u > 0.0f ? 1.0f : -1.0f));
  }
  row_loss[r] = weights[r] * loss / float(Q);
}

}  // namespace

void quantile_huber(const float* pred, const float* target, const float* weights, float* row_loss, float* dpred,
                    int rows, int Q, float delta, cudaStream_t stream) {
  AT_CHECK_ARG(rows >= 0 && Q > 0 && delta > 0, "quantile_huber: bad shape or delta");
  AT_CHECK_ARG(pred && target && weights && row_loss, "quantile_huber: null buffer");
  if (rows == 0) return;
  AT_LAUNCH(quantile_huber_kernel, dim3(unsigned((rows + 127) / 128)), dim3(128), 0, stream, pred, target, weights,
            row_loss, dpred, rows, Q, delta);
}

}  // namespace at::kernels
