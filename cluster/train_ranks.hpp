#pragma once
// train across the ranks of an MPI job, on mcts::run_training (no copy of its loop): rank 0 is the
// learner (buffers, steps, checkpoints, everything written), every other rank an actor with its own
// network copy, batched inference and polish worker. Actors send each round's games and the
// schemes they made or polished; the learner sends its weights every weights_every steps without
// waiting (the newest replaces one not yet sent), and an actor takes them between rounds from a
// double buffer (it never waits for them). All MPI calls are made by the communication thread
// (World); the loop, oneTBB workers and polish walks never call MPI.
#include <atomic>

#include "cluster/world.hpp"
#include "mcts/train_setup.hpp"

namespace at::cluster {

// Rank 0's traffic over a run (bench mpi).
struct TrainTraffic {
  long reports = 0, report_bytes = 0;          // received from the actors
  long weights_sent = 0, weights_bytes = 0;    // messages to actors (each actor counts)
};

struct TrainRanksOptions {
  double timeout = 10;            // seconds without a word from a rank before the job is aborted (killed or hung)
  TrainTraffic* traffic = nullptr;  // rank 0: filled at the end when given
};

// Every rank calls it; rank 0's `run` has the trainer (resumed or not), the others' none. The
// actors start from rank 0's weights (broadcast). `signal`: this rank's signal flag; a signal on
// any rank stops the job: the learner writes a checkpoint and every rank returns true. Otherwise
// the learner's end (time limit, max steps, target rank) ends every rank (false). A rank that hears
// nothing for `timeout` seconds, or whose loop fails, aborts the job (MPI_Abort).
bool train_across_ranks(World& world, mcts::TrainRun& run, const std::atomic<bool>& signal,
                        const mcts::ProgressFn& on_progress, const TrainRanksOptions& options = {});

}  // namespace at::cluster
