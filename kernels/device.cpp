#include "kernels/device.hpp"

#include <cstdio>

#ifdef ALPHATENSOR_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace at {
#ifdef ALPHATENSOR_HAVE_CUDA
namespace {
std::string version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }
}  // namespace
#endif

CudaDeviceReport query_cuda_devices() {
  CudaDeviceReport r;
#ifndef ALPHATENSOR_HAVE_CUDA
  r.reason = "this binary was built without CUDA";
#else
  r.built = true;
  int v = 0;
  if (cudaRuntimeGetVersion(&v) == cudaSuccess) r.runtime_version = version_string(v);
  if (cudaDriverGetVersion(&v) == cudaSuccess && v > 0) r.driver_version = version_string(v);
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err == cudaErrorInsufficientDriver) {
    r.reason = r.driver_version.empty()
                   ? "no NVIDIA driver found (CUDA " + r.runtime_version + " needs driver >= 580)"
                   : "NVIDIA driver " + r.driver_version + " is older than CUDA " + r.runtime_version +
                         " needs (driver >= 580)";
  } else if (err == cudaErrorStubLibrary) {
    r.reason = "only the stub libcuda is installed (no NVIDIA driver)";
  } else if (err == cudaErrorNoDevice || (err == cudaSuccess && count == 0)) {
    r.reason = "no CUDA device found";
  } else if (err != cudaSuccess) {
    r.reason = std::string("CUDA error: ") + cudaGetErrorString(err);
  } else {
    for (int d = 0; d < count; ++d) {
      cudaDeviceProp p;
      if (cudaGetDeviceProperties(&p, d) != cudaSuccess) continue;
      char mem[32];
      std::snprintf(mem, sizeof mem, "%.1f GiB", double(p.totalGlobalMem) / (1024.0 * 1024 * 1024));
      r.devices.push_back(std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) +
                          ", " + mem + ")");
    }
    if (r.devices.empty()) r.reason = "no CUDA device could be queried";
  }
  if (err != cudaSuccess) cudaGetLastError();  // clear the sticky error for later callers
#endif
  return r;
}

}  // namespace at
