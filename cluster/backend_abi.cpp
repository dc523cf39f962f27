// The MPI-5 standard ABI (libmpi_abi.so: MPICH >= 5 built with it, Open MPI >= 6), over our own
// declarations from the standard (mpi5_abi.hpp): its handles are fixed integers, so unlike the
// other two backends this one needs no implementation's header and is always built.
#include "cluster/mpi5_abi.hpp"

namespace at::cluster {
using namespace mpi5;  // backend.inc names the MPI types and functions unqualified
}  // namespace at::cluster

#include "cluster/backend.inc"

namespace at::cluster::detail {

std::unique_ptr<Mpi> make_standard(void* handle, Library lib) {
  using namespace mpi5::value;
  const Handles h{mpi5::handle<MPI_Comm>(comm_world), mpi5::handle<MPI_Datatype>(byte),
                  mpi5::handle<MPI_Datatype>(int64),  mpi5::handle<MPI_Datatype>(dbl),
                  mpi5::handle<MPI_Op>(max),          mpi5::handle<MPI_Op>(min),
                  mpi5::handle<MPI_Op>(sum)};
  return std::make_unique<Backend>(handle, std::move(lib), h);
}

}  // namespace at::cluster::detail
