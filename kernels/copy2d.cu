#include "kernels/copy2d.cuh"

namespace at::kernels {
namespace {

__global__ void copy2d_kernel(const float* __restrict__ src, int src_ld, float* __restrict__ dst, int dst_ld, int rows,
                              int cols, int accumulate) {
  const size_t e = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= size_t(rows) * cols) return;
  const size_t r = e / cols, c = e % cols;
  const float v = src[r * src_ld + c];
  float& d = dst[r * dst_ld + c];
  d = accumulate ? d + v : v;
}

}  // namespace

void copy2d(const float* src, int src_ld, float* dst, int dst_ld, int rows, int cols, bool accumulate, cudaStream_t stream) {
  AT_CHECK_ARG(rows >= 0 && cols >= 0 && src_ld >= cols && dst_ld >= cols, "copy2d: bad shape or stride");
  if (rows == 0 || cols == 0) return;
  AT_CHECK_ARG(src && dst, "copy2d: null buffer");
  const size_t total = size_t(rows) * cols;
  AT_LAUNCH(copy2d_kernel, dim3(unsigned((total + 255) / 256)), dim3(256), 0, stream, src, src_ld, dst, dst_ld, rows, cols,
            int(accumulate));
}

}  // namespace at::kernels
