#include "tools/device_choice.hpp"

#include <ostream>
#include <stdexcept>
#include <string>

#include "core/isa.hpp"
#include "kernels/device.hpp"
#include "nn/cpu_backend.hpp"
#ifdef ALPHATENSOR_HAVE_CUDA
#include "nn/cuda_backend.hpp"
#endif

namespace at::cli {

po::options_description device_options() {
  po::options_description o("Device");
  o.add_options()("device", po::value<std::string>()->default_value("auto"),
                  "auto, cpu or cuda (auto: cuda when a usable device exists)")(
      "cuda-arena-mb", po::value<long>()->default_value(0),
      "device memory arena in MiB, allocated up front (0: 90% of the free memory)")(
      "tensor-cores", po::bool_switch(), "matmuls on TF32 tensor cores (fp32 accumulation)");
  return o;
}

std::unique_ptr<nn::Backend<float>> make_backend(const po::variables_map& vm, std::ostream& log) {
  const std::string device = vm["device"].as<std::string>();
  if (device != "auto" && device != "cpu" && device != "cuda") throw UsageError("--device must be auto, cpu or cuda");
  if (vm["cuda-arena-mb"].as<long>() < 0) throw UsageError("--cuda-arena-mb must be >= 0");
  if (device == "cpu") return std::make_unique<nn::CpuBackend<float>>();
  const CudaDeviceReport r = query_cuda_devices();
  if (r.devices.empty()) {
    if (device == "cuda") throw UsageError("--device cuda: " + r.reason);
    log << "CUDA: " << r.reason << "; running on the CPU" << std::endl;
    return std::make_unique<nn::CpuBackend<float>>();
  }
#ifdef ALPHATENSOR_HAVE_CUDA
  nn::CudaBackendOptions o;
  o.arena_bytes = size_t(vm["cuda-arena-mb"].as<long>()) << 20;
  o.tensor_cores = vm["tensor-cores"].as<bool>();
  log << "CUDA: " << r.devices[0] << (o.tensor_cores ? ", TF32 tensor cores" : "") << std::endl;
  return nn::make_cuda_backend(o);
#else
  throw std::logic_error("a CUDA device reported by a binary built without CUDA");
#endif
}

nn::ModelConfig settings_from(const po::variables_map& vm, const nn::ModelConfig& c) {
  try {
    return nn::with_settings(c, vm["set"].as<std::vector<std::string>>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

void note_bf16(nn::Network& net, std::ostream& log) {
  if (!net.config().bf16 || net.bf16()) return;
  const std::string backend = net.model().backend().name();
  std::string why = "this CPU has no AVX512-BF16";
  if (backend != "cpu")
    why = "the " + backend + " backend has none";
  else if (bf16_supported())
    why = "the CPU path in use is not avx512";
  log << "bf16: " << why << "; inference runs in fp32" << std::endl;
}

}  // namespace at::cli
