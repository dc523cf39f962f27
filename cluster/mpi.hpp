#pragma once
// The site's MPI, loaded at run time (dlopen, as mpi4py and MPI.jl do) and reached through an
// ABI-neutral interface: the binary never links MPI, so it stays glibc-only and runs without one.
// Each ABI has a small backend compiled against that MPI's own header (backend_*.cpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/launcher.hpp"

namespace at::cluster {

enum class Abi { Mpich, OpenMpi, Standard };
std::string abi_name(Abi a);

struct Library {
  std::string path;     // the file dlopen resolved
  Abi abi = Abi::Mpich;
  std::string version;  // first line of MPI_Get_library_version
};

struct Message {
  int source = 0;
  int tag = 0;
  std::string bytes;
};

enum class Op { Max, Min, Sum };

// One MPI library. Every call but library() comes from the one thread that called init() (the
// library is initialised with MPI_THREAD_FUNNELED): in this program the communication thread
// (cluster/world.hpp). Failures throw std::runtime_error naming the MPI call.
class Mpi {
 public:
  virtual ~Mpi() = default;
  virtual const Library& library() const = 0;
  virtual void init() = 0;  // MPI_Init_thread(FUNNELED)
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Point to point, never blocking: send copies the bytes and returns at once (pending() counts the
  // sends not yet complete; progress() moves them on); poll receives one message if any is there.
  virtual void send(int dest, int tag, const std::string& bytes) = 0;
  virtual size_t pending() = 0;
  virtual std::optional<Message> poll() = 0;
  // Collectives: every rank calls them in the same order.
  virtual void broadcast(std::string& bytes, int root) = 0;  // size first, then the bytes
  virtual double allreduce(double value, Op op) = 0;
  virtual int64_t allreduce(int64_t value, Op op) = 0;
  virtual std::vector<double> allgather(double value) = 0;
  virtual std::vector<int64_t> allgather(int64_t value) = 0;
  virtual void barrier() = 0;
  [[noreturn]] virtual void abort(int code) = 0;  // MPI_Abort on MPI_COMM_WORLD: every rank ends
  virtual void finalize() = 0;  // waits for pending sends (up to a few seconds), then MPI_Finalize
};

// The library ALPHATENSOR_MPI_LIB names, else the first that loads of the launcher's family (an
// Open MPI launcher: libmpi.so.40 first; a PMI one: the MPICH ABI's libmpi.so.12, libmpich.so.12,
// libmpi_cray.so.12 first), then the MPI-5 standard ABI's (libmpi_abi.so.1, libmpi_abi.so), then the
// other family's. Its ABI is told by its symbols (MPI_Abi_get_version: the MPI-5 standard ABI;
// ompi_mpi_comm_world: Open MPI; else MPICH). Not initialised. Throws at::InputError with one line
// when nothing loads or the ABI has no backend in this build.
std::unique_ptr<Mpi> load_mpi(const Launcher& launcher);

// The backends this build has ("MPICH ABI", "Open MPI ABI", "MPI-5 standard ABI").
std::vector<std::string> built_backends();

}  // namespace at::cluster
