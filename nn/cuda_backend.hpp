#pragma once
// The CUDA backend: every op of nn/backend.hpp on our own kernels (kernels/), in float.
// - Memory: one device arena allocated up front with cudaMalloc. Persistent buffers (parameters,
//   gradients, optimiser moments) are carved from its top, the scratch of a pass from its bottom;
//   running out is a one-line error naming the option that sizes the arena.
// - One stream for every kernel and copy; host transfers go through pinned staging buffers that
//   grow to the largest batch seen, so a search batch is one pinned DMA each way.
// - Built twice from one source: against the CUDA runtime (alphatensor_nn_cuda, linked into the
//   binary) and against the CUDA emulator (alphatensor_nn_cuda_emu, tests only), so CI runs the
//   whole model through the kernels without a GPU.
#include <cstddef>
#include <memory>
#include <string>

#include "nn/backend.hpp"

namespace at::nn {

struct CudaBackendOptions {
  int device = 0;
  size_t arena_bytes = 0;     // 0: 90% of the device memory free at construction
  bool tensor_cores = false;  // matmuls on the TF32 tensor-core path (fp32 accumulation)
};

std::unique_ptr<Backend<float>> make_cuda_backend(const CudaBackendOptions& options);

}  // namespace at::nn
