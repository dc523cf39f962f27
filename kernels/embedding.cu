#include "kernels/embedding.cuh"

namespace at::kernels {
namespace {

__global__ void embedding_forward_kernel(const float* __restrict__ table, const int* __restrict__ ids,
                                         float* __restrict__ out, int n, int dim) {
  const size_t e = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= size_t(n) * dim) return;
  const size_t i = e / dim, c = e % dim;
  out[e] = table[size_t(ids[i]) * dim + c];
}

__global__ void embedding_backward_kernel(const int* __restrict__ ids, const float* __restrict__ dout,
                                          float* __restrict__ dtable, int n, int dim) {
  const int v = blockIdx.x;
  for (int c = threadIdx.x; c < dim; c += blockDim.x) {
    float acc = dtable[size_t(v) * dim + c];  // added one by one, as the CPU backend
    for (int i = 0; i < n; ++i)
      if (ids[i] == v) acc += dout[size_t(i) * dim + c];
    dtable[size_t(v) * dim + c] = acc;
  }
}

}  // namespace

void embedding_forward(const float* table, const int* ids, float* out, int n, int dim, cudaStream_t stream) {
  AT_CHECK_ARG(n >= 0 && dim > 0, "embedding_forward: bad shape");
  AT_CHECK_ARG(table && ids && out, "embedding_forward: null buffer");
  if (n == 0) return;
  const size_t total = size_t(n) * dim;
  AT_LAUNCH(embedding_forward_kernel, dim3(unsigned((total + 255) / 256)), dim3(256), 0, stream, table, ids, out, n, dim);
}

void embedding_backward(const int* ids, const float* dout, float* dtable, int n, int vocab, int dim, cudaStream_t stream) {
  AT_CHECK_ARG(n >= 0 && vocab > 0 && dim > 0, "embedding_backward: bad shape");
  AT_CHECK_ARG(ids && dout && dtable, "embedding_backward: null buffer");
  if (n == 0) return;
  AT_LAUNCH(embedding_backward_kernel, dim3(unsigned(vocab)), dim3(dim < 256 ? unsigned((dim + 31) / 32 * 32) : 256u), 0,
            stream, ids, dout, dtable, n, dim);
}

}  // namespace at::kernels
