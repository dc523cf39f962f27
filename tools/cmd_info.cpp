// alphatensor info: version, build options, library versions, CUDA devices or why there are none.
#include <Eigen/Core>
#include <boost/version.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/version.h>
#include <thread>

#include "core/build_info.hpp"
#include "core/elf.hpp"
#include "core/files.hpp"
#include "core/isa.hpp"
#include "cluster/mpi.hpp"
#include "kernels/device.hpp"
#include "nn/cpu_backend.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

// The MPI library a run would use: loaded (not initialised) only under a launcher, as runs do.
std::string mpi_line() {
  std::string backends;
  for (const std::string& b : cluster::built_backends()) backends += (backends.empty() ? "" : ", ") + b;
  const std::string built = "backends: " + (backends.empty() ? std::string("none") : backends);
  const std::optional<cluster::Launcher> l = cluster::detect_launcher();
  if (!l) return "not loaded (no launcher); " + built;
  try {
    const cluster::Library lib = cluster::load_mpi(*l)->library();
    return lib.version + " (" + lib.path + ", " + cluster::abi_name(lib.abi) + ") under " + l->name + "; " + built;
  } catch (const InputError& e) {
    return std::string(e.what()) + "; " + built;
  }
}

}  // namespace

int cmd_info(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("json", po::bool_switch(), "print one JSON object");
  po::variables_map vm;
  if (!parse("info", "[--json]", args, opts, {}, vm)) return kOk;
  const BuildInfo& b = build_info();
  const CudaDeviceReport cuda = query_cuda_devices();
  const std::string eigen = std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                            std::to_string(EIGEN_MINOR_VERSION);
  const std::string boost = std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) +
                            "." + std::to_string(BOOST_VERSION % 100);
  const std::string json_v = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                             std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH);
  const std::string cuda_backend = cuda.built ? "built (CUDA " + b.cuda_version + ", architectures " + b.cuda_architectures + ")"
                                              : "not built";
  // Read from the running binary itself, so they state what this file holds, not what was meant.
  const std::string self = "/proc/self/exe";
  const std::string glibc = elf::glibc_floor(self), cuda_code = elf::describe(elf::cuda_code(self));
  const std::string mpi = mpi_line();
  std::string cpu_paths;  // the CPU paths this CPU can run (core/isa.hpp)
  for (Isa isa : kAllIsas)
    if (isa_supported(isa)) cpu_paths += std::string(cpu_paths.empty() ? "" : " ") + isa_name(isa);
  const char* bf16 = nn::cpu_bf16_kernel(active_isa());
  if (vm["json"].as<bool>()) {
    nlohmann::json j{{"version", b.version}, {"git", b.git}, {"build_type", b.build_type}, {"compiler", b.compiler},
                     {"eigen", eigen}, {"boost", boost}, {"onetbb", std::string(TBB_VERSION_STRING) + " (" + b.tbb_kind + ")"},
                     {"nlohmann_json", json_v}, {"sanitizers", b.sanitizers}, {"cuda_built", cuda.built},
                     {"glibc_floor", glibc}, {"cuda_architectures", b.cuda_architectures}, {"cuda_code", cuda_code},
                     {"cuda_runtime", cuda.runtime_version}, {"cuda_driver", cuda.driver_version},
                     {"cuda_devices", cuda.devices}, {"cuda_reason", cuda.reason},
                     {"hardware_threads", std::thread::hardware_concurrency()}, {"mpi", mpi},
                     {"cpu_path", isa_name(active_isa())}, {"cpu_paths_supported", cpu_paths},
                     {"cpu_bf16", bf16 ? bf16 : "none"}};
    std::cout << j.dump(1) << "\n";
    return kOk;
  }
  std::cout << "alphatensor " << b.version << " (git " << b.git << ", " << b.build_type << ", " << b.compiler
            << (b.sanitizers ? ", ASan+UBSan" : "") << ")\n"
            << "libraries:    Eigen " << eigen << ", Boost " << boost << ", oneTBB " << TBB_VERSION_STRING << " ("
            << b.tbb_kind << "), nlohmann-json " << json_v << "\n"
            << "glibc floor:  " << (glibc.empty() ? "none (static)" : glibc) << " (newest glibc symbol version it needs)\n"
            << "CPU threads:  " << std::thread::hardware_concurrency() << "\n"
            << "MPI:          " << mpi << "\n"
            << "CPU path:     " << isa_name(active_isa()) << " (this CPU runs: " << cpu_paths
            << "; ALPHATENSOR_ISA=sse2|avx2|avx512 forces one)\n"
            << "CPU bf16:     " << (bf16 ? bf16 : "none (no AVX512-BF16, or a path other than avx512)")
            << " (inference with --set bf16=on; ALPHATENSOR_AMX=0: not AMX)\n"
            << "CUDA backend: " << cuda_backend << "\n";
  if (cuda.built) std::cout << "CUDA code:    " << cuda_code << " (read from this binary's fatbin)\n";
  std::cout << "CUDA devices: ";
  if (cuda.devices.empty()) std::cout << "none: " << cuda.reason << "; running on the CPU\n";
  for (size_t i = 0; i < cuda.devices.size(); ++i)
    std::cout << (i ? "              " : "") << i << ": " << cuda.devices[i] << "\n";
  if (!cuda.driver_version.empty()) std::cout << "CUDA driver:  " << cuda.driver_version << "\n";
  return kOk;
}

}  // namespace at::cli
