#include "kernels/modes.cuh"

namespace at::kernels {
namespace {

// One thread per element of x; `to_x` selects the direction.
__global__ void modes_kernel(const float* __restrict__ g1c, const float* __restrict__ g2c, float* __restrict__ xo,
                             const float* __restrict__ xi, float* __restrict__ g1o, float* __restrict__ g2o, int batch,
                             int S, int c, int accumulate, int to_x) {
  const size_t e = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= size_t(batch) * S * 2 * S * c) return;
  const size_t f = e % c, j = (e / c) % (2 * S), i = (e / (size_t(c) * 2 * S)) % S, b = e / (size_t(c) * 2 * S * S);
  const bool first = j < size_t(S);
  const size_t g = first ? ((b * S + i) * S + j) * c + f : ((b * S + (j - S)) * S + i) * c + f;
  if (to_x) {
    const float v = first ? g1c[g] : g2c[g];
    xo[e] = accumulate ? xo[e] + v : v;
  } else {
    float& d = first ? g1o[g] : g2o[g];
    d = accumulate ? d + xi[e] : xi[e];
  }
}

unsigned grid_for(int batch, int S, int c) { return unsigned((size_t(batch) * S * 2 * S * c + 255) / 256); }

}  // namespace

void modes_concat(const float* g1, const float* g2, float* x, int batch, int S, int c, bool accumulate, cudaStream_t stream) {
  AT_CHECK_ARG(batch >= 0 && S > 0 && c > 0, "modes_concat: bad shape");
  if (batch == 0) return;
  AT_CHECK_ARG(g1 && g2 && x, "modes_concat: null buffer");
  AT_LAUNCH(modes_kernel, dim3(grid_for(batch, S, c)), dim3(256), 0, stream, g1, g2, x, nullptr, nullptr, nullptr, batch,
            S, c, int(accumulate), 1);
}

void modes_split(const float* x, float* g1, float* g2, int batch, int S, int c, bool accumulate, cudaStream_t stream) {
  AT_CHECK_ARG(batch >= 0 && S > 0 && c > 0, "modes_split: bad shape");
  if (batch == 0) return;
  AT_CHECK_ARG(g1 && g2 && x, "modes_split: null buffer");
  AT_LAUNCH(modes_kernel, dim3(grid_for(batch, S, c)), dim3(256), 0, stream, nullptr, nullptr, nullptr, x, g1, g2, batch,
            S, c, int(accumulate), 0);
}

}  // namespace at::kernels
