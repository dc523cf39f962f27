#pragma once
// Which MPI launcher started this process, read from the environment variables launchers set.
// Nothing here loads MPI: a process without a launcher never touches it.
#include <optional>
#include <string>

namespace at::cluster {

// The MPI family a launcher belongs to: a library of another family cannot join its job (it would
// start as a singleton), so the loader tries the launcher's family first.
enum class Family { Any, OpenMpi, Mpich };

struct Launcher {
  std::string name;        // "mpirun (Open MPI)", "mpiexec (Hydra/PMI)", "srun", ...
  int size = 1;            // processes the launcher started (0: it does not say; MPI will)
  int rank = 0;            // this process's rank (as the launcher numbers them)
  int local_size = 1;      // processes on this node
  Family family = Family::Any;
};

// The launcher, or nothing for a plain run: Open MPI (OMPI_COMM_WORLD_SIZE), Hydra and other PMI
// launchers of the MPICH family (PMI_SIZE, PMI_RANK; MVAPICH's MV2_COMM_WORLD_SIZE), PMIx (srun
// --mpi=pmix, prterun: PMIX_RANK), and srun steps (SLURM_STEP_NUM_TASKS; a step of one task
// without PMI is a plain run, like a batch script's own step).
std::optional<Launcher> detect_launcher();

// Worker threads for one rank when neither --threads nor SLURM_CPUS_PER_TASK says: this process's
// CPUs (its affinity mask) shared among the ranks on this node.
int threads_per_rank(const Launcher& l);

}  // namespace at::cluster
