#pragma once
// Between the loader (mpi.cpp) and the backends (backend_*.cpp): only this file and mpi.cpp know
// which backends exist.
#include <memory>

#include "cluster/mpi.hpp"

namespace at::cluster::detail {

// An Mpi over a library opened with dlopen (the handle stays open for the process's life).
std::unique_ptr<Mpi> make_mpich(void* handle, Library lib);
std::unique_ptr<Mpi> make_openmpi(void* handle, Library lib);
std::unique_ptr<Mpi> make_standard(void* handle, Library lib);  // always built: needs no MPI header

// dlsym, or at::InputError naming the library and the symbol.
void* symbol(void* handle, const Library& lib, const char* name);

}  // namespace at::cluster::detail
