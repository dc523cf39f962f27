#pragma once
// The few MPI-5 standard ABI declarations backend_abi.cpp uses, written from the standard's ABI
// chapter (MPI-5.0, ABI version 1.0), which fixes every handle type, handle value and constant so
// that they are the same in every implementation. No implementation's header is needed to build;
// tests/cluster/test_mpi5_abi.cpp checks each value and prototype against MPICH's mpi_abi.h.
//
// Everything lives in a namespace, so this header and a real mpi_abi.h can be included together (as
// the test does). The functions are declared only for their types (backend.inc takes decltype of
// them and fills them in with dlsym); they are never defined or called by name.
#include <cstdint>

// The standard names the handles' incomplete struct types; declared at global scope so that our
// handle types are the very types of an implementation's header.
struct MPI_ABI_Comm;
struct MPI_ABI_Datatype;
struct MPI_ABI_Op;
struct MPI_ABI_Request;

namespace at::cluster::mpi5 {

using MPI_Comm = MPI_ABI_Comm*;
using MPI_Datatype = MPI_ABI_Datatype*;
using MPI_Op = MPI_ABI_Op*;
using MPI_Request = MPI_ABI_Request*;

// MPI_Status: three public fields, then five ints of the implementation (32 bytes in all).
struct MPI_Status {
  int MPI_SOURCE;
  int MPI_TAG;
  int MPI_ERROR;
  int MPI_internal[5];
};

// Predefined handles: small integers the standard fixes, cast to the handle type.
namespace value {
constexpr intptr_t comm_world = 0x101;
constexpr intptr_t byte = 0x247, int64 = 0x258, dbl = 0x214;
constexpr intptr_t sum = 0x21, min = 0x22, max = 0x23;
}  // namespace value
template <class Handle>
Handle handle(intptr_t v) {
  return reinterpret_cast<Handle>(v);
}

constexpr int MPI_SUCCESS = 0;
constexpr int MPI_ANY_SOURCE = -1;
constexpr int MPI_ANY_TAG = -2;
constexpr int MPI_THREAD_FUNNELED = 1024;
constexpr int MPI_MAX_LIBRARY_VERSION_STRING = 8192;

int MPI_Init_thread(int* argc, char*** argv, int required, int* provided);
int MPI_Finalize();
int MPI_Comm_rank(MPI_Comm comm, int* rank);
int MPI_Comm_size(MPI_Comm comm, int* size);
int MPI_Get_library_version(char* version, int* resultlen);
int MPI_Isend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm, MPI_Request* request);
int MPI_Test(MPI_Request* request, int* flag, MPI_Status* status);
int MPI_Iprobe(int source, int tag, MPI_Comm comm, int* flag, MPI_Status* status);
int MPI_Get_count(const MPI_Status* status, MPI_Datatype type, int* count);
int MPI_Recv(void* buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm, MPI_Status* status);
int MPI_Bcast(void* buf, int count, MPI_Datatype type, int root, MPI_Comm comm);
int MPI_Allreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm);
int MPI_Allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                  MPI_Datatype recvtype, MPI_Comm comm);
int MPI_Barrier(MPI_Comm comm);
int MPI_Ibarrier(MPI_Comm comm, MPI_Request* request);
int MPI_Abort(MPI_Comm comm, int errorcode);

}  // namespace at::cluster::mpi5
