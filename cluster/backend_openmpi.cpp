// Open MPI's ABI (libmpi.so.40, stable from 4.x to 5.0.x), compiled against Open MPI's own mpi.h
// (Debian's libopenmpi-dev, found by CMake). Its handles are the addresses of global objects in
// libmpi (MPI_COMM_WORLD is &ompi_mpi_comm_world): the header's macros would need linking, so the
// objects come from dlsym.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include "cluster/backend.inc"

namespace at::cluster::detail {

std::unique_ptr<Mpi> make_openmpi(void* handle, Library lib) {
  const auto object = [&](const char* name) { return symbol(handle, lib, name); };
  const Handles h{static_cast<MPI_Comm>(object("ompi_mpi_comm_world")),
                  static_cast<MPI_Datatype>(object("ompi_mpi_byte")),
                  static_cast<MPI_Datatype>(object("ompi_mpi_int64_t")),
                  static_cast<MPI_Datatype>(object("ompi_mpi_double")),
                  static_cast<MPI_Op>(object("ompi_mpi_op_max")),
                  static_cast<MPI_Op>(object("ompi_mpi_op_min")),
                  static_cast<MPI_Op>(object("ompi_mpi_op_sum"))};
  return std::make_unique<Backend>(handle, std::move(lib), h);
}

}  // namespace at::cluster::detail
