#include "cluster/mpi.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>

#include "core/files.hpp"
#include "cluster/backends.hpp"

namespace at::cluster {
namespace {

// The ABI of a loaded library, told by its symbols as mpi4py and MPI.jl do. MPI_Abi_get_version
// (MPI-5, callable before MPI_Init) gives a major version > 0 only in a standard-ABI build.
Abi tell_abi(void* handle) {
  int major = 0, minor = 0;
  if (auto abi = reinterpret_cast<int (*)(int*, int*)>(dlsym(handle, "MPI_Abi_get_version")))
    if (abi(&major, &minor) == 0 && major > 0) return Abi::Standard;
  if (dlsym(handle, "ompi_mpi_comm_world")) return Abi::OpenMpi;
  return Abi::Mpich;
}

std::vector<std::string> candidates(Family family) {
  const std::vector<std::string> open_mpi = {"libmpi.so.40"};
  const std::vector<std::string> mpich = {"libmpi.so.12", "libmpich.so.12", "libmpi_cray.so.12"};
  // The MPI-5 standard ABI library may be either family's: after the launcher family's own, before
  // the other's. libmpi_abi.so is often a linker script, which dlopen refuses: the .so.1 first.
  const std::vector<std::string> standard = {"libmpi_abi.so.1", "libmpi_abi.so"};
  std::vector<std::string> order = family == Family::Mpich ? mpich : open_mpi;
  const std::vector<std::string>& rest = family == Family::Mpich ? open_mpi : mpich;
  order.insert(order.end(), standard.begin(), standard.end());
  order.insert(order.end(), rest.begin(), rest.end());
  return order;
}

std::unique_ptr<Mpi> make_backend(void* handle, Library lib) {
  switch (lib.abi) {
#ifdef ALPHATENSOR_MPI_MPICH
    case Abi::Mpich: return detail::make_mpich(handle, std::move(lib));
#endif
#ifdef ALPHATENSOR_MPI_OPENMPI
    case Abi::OpenMpi: return detail::make_openmpi(handle, std::move(lib));
#endif
    case Abi::Standard: return detail::make_standard(handle, std::move(lib));
    default: throw InputError(lib.path + ": the " + abi_name(lib.abi) + " has no backend in this build");
  }
}

}  // namespace

std::string abi_name(Abi a) {
  return a == Abi::Mpich ? "MPICH ABI" : a == Abi::OpenMpi ? "Open MPI ABI" : "MPI-5 standard ABI";
}

std::vector<std::string> built_backends() {
  std::vector<std::string> b;
#ifdef ALPHATENSOR_MPI_MPICH
  b.push_back(abi_name(Abi::Mpich));
#endif
#ifdef ALPHATENSOR_MPI_OPENMPI
  b.push_back(abi_name(Abi::OpenMpi));
#endif
  b.push_back(abi_name(Abi::Standard));
  return b;
}

void* detail::symbol(void* handle, const Library& lib, const char* name) {
  if (void* p = dlsym(handle, name)) return p;
  throw InputError(lib.path + ": no symbol " + name + " (not a usable " + abi_name(lib.abi) + " library)");
}

std::unique_ptr<Mpi> load_mpi(const Launcher& launcher) {
  std::vector<std::string> names;
  const char* named = std::getenv("ALPHATENSOR_MPI_LIB");
  if (named && *named) {
    struct stat st;
    if (std::string(named).find('/') != std::string::npos && stat(named, &st) != 0)
      throw InputError(std::string("ALPHATENSOR_MPI_LIB=") + named + ": no such file");
    names.push_back(named);
  } else {
    names = candidates(launcher.family);
  }
  std::string errors;  // why each name failed (ALPHATENSOR_MPI_LIB) or just the names tried
  for (const std::string& name : names) {
    // RTLD_GLOBAL: Open MPI's own plugins resolve libmpi's symbols through it; no RTLD_DEEPBIND
    // (MPI.jl found that it crashes).
    void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!handle) {
      const char* e = dlerror();
      errors += errors.empty() ? "" : ", ";
      errors += named && *named && e ? e : name;
      continue;
    }
    Library lib;
    lib.abi = tell_abi(handle);
    Dl_info info;
    void* init = dlsym(handle, "MPI_Init_thread");
    lib.path = init && dladdr(init, &info) && info.dli_fname ? info.dli_fname : name;
    return make_backend(handle, lib);  // the handle stays open: MPI lives until the process ends
  }
  if (named && *named) throw InputError(std::string("ALPHATENSOR_MPI_LIB=") + named + ": cannot load: " + errors);
  throw InputError("started by " + launcher.name + " but no MPI library loads (tried " + errors +
                   "); install the site's MPI or name it with ALPHATENSOR_MPI_LIB");
}

}  // namespace at::cluster
