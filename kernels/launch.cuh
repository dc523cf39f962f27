#pragma once
// One launcher helper for every kernel: nvcc builds use <<<...>>>, host builds run the kernel in
// the CUDA emulator (kernels/emu). Every CUDA call is checked and reports file:line.
#include <stdexcept>
#include <string>

#ifdef ALPHATENSOR_CUDA_EMU  // host compiler, kernels run in the emulator
#include "kernels/emu/cuda_emu.hpp"
#define AT_LAUNCH(kernel, grid, block, shmem, stream, ...) \
  ::at::emu::launch(#kernel, kernel, (grid), (block), (shmem), __VA_ARGS__)
#define AT_DYNAMIC_SHARED(T, name) T* name = static_cast<T*>(::at::emu::dynamic_shared_memory())
#else  // the CUDA runtime; kernels and launches only where nvcc compiles
#include <cuda_runtime.h>
#ifdef __CUDACC__
#define AT_LAUNCH(kernel, grid, block, shmem, stream, ...)            \
  do {                                                                \
    kernel<<<(grid), (block), (shmem), (stream)>>>(__VA_ARGS__);      \
    AT_CUDA_CHECK(cudaGetLastError());                                \
  } while (0)
// Dynamic shared memory, declared inside a kernel.
#define AT_DYNAMIC_SHARED(T, name) extern __shared__ T name[]
#endif
#endif

#define AT_CUDA_CHECK(expr) ::at::cuda_check((expr), #expr, __FILE__, __LINE__)
// Launchers check their arguments before launching.
#define AT_CHECK_ARG(cond, msg)                                                                   \
  do {                                                                                            \
    if (!(cond)) throw std::invalid_argument(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + (msg)); \
  } while (0)

namespace at {
inline void cuda_check(cudaError_t e, const char* expr, const char* file, int line) {
  if (e != cudaSuccess)
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + expr + ": " + cudaGetErrorString(e));
}
}  // namespace at
