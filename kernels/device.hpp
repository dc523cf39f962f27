#pragma once
// Which CUDA devices this process can use, and if none, why (one line for the user).
#include <string>
#include <vector>

namespace at {

struct CudaDeviceReport {
  bool built = false;                // compiled with the CUDA toolkit
  std::string runtime_version;       // e.g. "13.0"
  std::string driver_version;        // "" when no driver answered
  std::vector<std::string> devices;  // "NVIDIA H200 (sm_90, 139.8 GiB)"
  std::string reason;                // why there is no usable device, when devices is empty
};

CudaDeviceReport query_cuda_devices();

}  // namespace at
