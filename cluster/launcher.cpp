#include "cluster/launcher.hpp"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <sched.h>
#include <string>
#include <thread>

namespace at::cluster {
namespace {

// An environment variable as a non-negative integer (-1: unset or not a number).
int env_int(const char* name) {
  const char* s = std::getenv(name);
  if (!s || !*s) return -1;
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  return *end || v < 0 || v > (1 << 30) ? -1 : int(v);
}

int first_set(std::initializer_list<const char*> names, int fallback) {
  for (const char* n : names)
    if (const int v = env_int(n); v >= 0) return v;
  return fallback;
}

}  // namespace

std::optional<Launcher> detect_launcher() {
  Launcher l;
  if (const int n = env_int("OMPI_COMM_WORLD_SIZE"); n > 0) {
    l.name = "mpirun (Open MPI)", l.family = Family::OpenMpi, l.size = n;
    l.rank = std::max(0, env_int("OMPI_COMM_WORLD_RANK"));
    l.local_size = first_set({"OMPI_COMM_WORLD_LOCAL_SIZE"}, 1);
    return l;
  }
  const int step_tasks = env_int("SLURM_STEP_NUM_TASKS");
  const bool srun = step_tasks > 0;
  if (const int n = first_set({"PMI_SIZE", "MV2_COMM_WORLD_SIZE"}, -1); n > 0 || env_int("PMI_RANK") >= 0) {
    l.name = srun ? "srun (PMI)" : "mpiexec (Hydra/PMI)", l.family = Family::Mpich;
    l.size = n > 0 ? n : std::max(0, step_tasks);
    l.rank = first_set({"PMI_RANK", "MV2_COMM_WORLD_RANK", "SLURM_PROCID"}, 0);
    l.local_size = first_set({"MPI_LOCALNRANKS", "SLURM_STEP_TASKS_PER_NODE", "SLURM_NTASKS_PER_NODE"}, 1);
    return l;
  }
  if (env_int("PMIX_RANK") >= 0) {
    l.name = srun ? "srun (PMIx)" : "PMIx launcher", l.family = Family::OpenMpi;
    l.size = std::max(0, step_tasks);  // PMIx itself does not export the size
    l.rank = env_int("PMIX_RANK");
    l.local_size = first_set({"SLURM_STEP_TASKS_PER_NODE", "SLURM_NTASKS_PER_NODE"}, 1);
    return l;
  }
  if (step_tasks > 1) {  // srun without --mpi: MPI may still find SLURM's PMI; if not, it reports size 1
    l.name = "srun", l.size = step_tasks, l.rank = std::max(0, env_int("SLURM_PROCID"));
    l.local_size = first_set({"SLURM_STEP_TASKS_PER_NODE", "SLURM_NTASKS_PER_NODE"}, 1);
    return l;
  }
  return std::nullopt;
}

int threads_per_rank(const Launcher& l) {
  cpu_set_t set;
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
  if (cpus <= 0) cpus = int(std::max(1u, std::thread::hardware_concurrency()));
  // A rank bound to its own cores (srun --cpus-per-task, mpirun --bind-to) has only those in its
  // mask; with no binding every rank sees the whole node and takes its share.
  const int all = int(std::max(1u, std::thread::hardware_concurrency()));
  return cpus < all ? cpus : std::max(1, cpus / std::max(1, l.local_size));
}

}  // namespace at::cluster
