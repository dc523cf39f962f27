// The MPICH ABI (MPICH, Intel MPI, Cray MPICH, MVAPICH: libmpi.so.12, libmpich.so.12,
// libmpi_cray.so.12), compiled against MPICH's own mpi.h (Debian's libmpich-dev, found by CMake).
// Its handles are integer constants, so they come straight from the header.
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include "cluster/backend.inc"

namespace at::cluster::detail {

std::unique_ptr<Mpi> make_mpich(void* handle, Library lib) {
  return std::make_unique<Backend>(handle, std::move(lib),
                                   Handles{MPI_COMM_WORLD, MPI_BYTE, MPI_INT64_T, MPI_DOUBLE, MPI_MAX, MPI_MIN, MPI_SUM});
}

}  // namespace at::cluster::detail
