// Launcher detection from the environment (the launchers the MPI tests do not start: srun with
// PMIx or PMI-2, srun without --mpi, a batch script's own step) and the threads per rank.
#define BOOST_TEST_MODULE cluster
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <sched.h>
#include <thread>
#include <string>
#include <vector>

#include "cluster/launcher.hpp"

using namespace at::cluster;

namespace {

// Sets exactly the given launcher variables for one test case, and clears them after it.
struct Env {
  explicit Env(const std::vector<std::pair<std::string, std::string>>& vars) {
    clear();
    for (const auto& [k, v] : vars) ::setenv(k.c_str(), v.c_str(), 1);
  }
  ~Env() { clear(); }
  static void clear() {
    for (const char* k : {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE", "PMI_SIZE",
                          "PMI_RANK", "PMI_FD", "MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK", "PMIX_RANK",
                          "SLURM_STEP_NUM_TASKS", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_TASKS_PER_NODE",
                          "SLURM_NTASKS_PER_NODE", "MPI_LOCALNRANKS"})
      ::unsetenv(k);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(no_launcher_is_a_plain_run) {
  Env e({});
  BOOST_TEST(!detect_launcher());
  Env batch({{"SLURM_NTASKS", "4"}, {"SLURM_PROCID", "0"}});  // a batch script's own step: no srun
  BOOST_TEST(!detect_launcher());
  Env one({{"SLURM_STEP_NUM_TASKS", "1"}, {"SLURM_PROCID", "0"}});  // srun of one task without PMI
  BOOST_TEST(!detect_launcher());
}

BOOST_AUTO_TEST_CASE(open_mpi_hydra_pmix_and_srun) {
  {
    Env e({{"OMPI_COMM_WORLD_SIZE", "3"}, {"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "3"}});
    const auto l = detect_launcher();
    BOOST_TEST_REQUIRE(bool(l));
    BOOST_TEST((l->family == Family::OpenMpi && l->size == 3 && l->rank == 2 && l->local_size == 3));
  }
  {
    Env e({{"PMI_SIZE", "4"}, {"PMI_RANK", "1"}, {"MPI_LOCALNRANKS", "2"}});
    const auto l = detect_launcher();
    BOOST_TEST_REQUIRE(bool(l));
    BOOST_TEST((l->family == Family::Mpich && l->size == 4 && l->rank == 1 && l->local_size == 2));
  }
  {
    Env e({{"PMIX_RANK", "5"}, {"SLURM_STEP_NUM_TASKS", "8"}, {"SLURM_STEP_TASKS_PER_NODE", "4"}});
    const auto l = detect_launcher();
    BOOST_TEST_REQUIRE(bool(l));
    BOOST_TEST((l->family == Family::OpenMpi && l->size == 8 && l->rank == 5 && l->local_size == 4));
    BOOST_TEST(l->name == "srun (PMIx)");
  }
  {
    Env e({{"SLURM_STEP_NUM_TASKS", "2"}, {"SLURM_PROCID", "1"}});  // srun --mpi=none: MPI must say if it can join
    const auto l = detect_launcher();
    BOOST_TEST_REQUIRE(bool(l));
    BOOST_TEST((l->family == Family::Any && l->size == 2 && l->rank == 1));
  }
}

BOOST_AUTO_TEST_CASE(threads_are_the_ranks_share_of_the_node) {
  Launcher l;
  l.local_size = 1;
  const int all = threads_per_rank(l);
  BOOST_TEST(all >= 1);
  // More ranks than cores: one thread each, unless this process is bound to fewer cores than the
  // machine has (a launcher's binding): then all of its own.
  cpu_set_t set;
  BOOST_TEST_REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  const bool bound = unsigned(CPU_COUNT(&set)) < std::thread::hardware_concurrency();
  l.local_size = 1000;
  BOOST_TEST(threads_per_rank(l) == (bound ? CPU_COUNT(&set) : 1));
}
