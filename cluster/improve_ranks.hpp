#pragma once
// improve across the ranks of an MPI job, on improve::run (no copy of its loop). Every rank walks
// with its own seed stream (seed + rank). The ranks exchange their best schemes through rank 0
// every few seconds; a rank that is behind restarts its pool from the better one (RunEvents::
// restart_from), so the pool is spread over the ranks. Rank 0 alone verifies and writes (its run
// takes every other rank's finds as its own), keeps the metrics (with per-rank figures) and
// reports. Rank 0's clock (the time limit), the target on any rank and a signal on any rank stop
// every rank; rank 0 collects every rank's last best before its run ends.
#include <atomic>
#include <string>
#include <vector>

#include "cluster/world.hpp"
#include "improve/run.hpp"

namespace at::cluster {

struct RankFigures {
  long flips = 0;
  double flips_per_second = 0;  // over the last report
  int best_rank = 0;
  long generations = 0;
};

struct RanksResult {
  improve::RunResult run;          // this rank's run (rank 0's holds the job's best and its file)
  std::string stopped_by;          // the job's reason, the same on every rank: target, limit, cancel or generations
  std::vector<RankFigures> ranks;  // rank 0: every rank's figures at the end (others: their own only)
  long flips = 0;                  // rank 0: all ranks together
};

struct ExchangeOptions {
  double every = 2;     // seconds between exchanges of the best schemes
  double timeout = 10;  // seconds without a word from a rank before the job is aborted (a rank killed or hung)
};

// improve::run on every rank of `world`, started from rank 0's `start` (broadcast, so that
// --resume reads files on rank 0 only). Rank 0 uses `options` and `events` as improve::run does,
// on_progress getting the flips of all ranks (events.on_metrics is not used: the metrics get the
// per-rank figures); the other ranks write nothing, get no events and
// have no time limit of their own. `cancel`: this rank's signal flag. A rank that hears nothing
// from the others for x.timeout seconds, or whose run fails, aborts the job (MPI_Abort: every rank
// exits non-zero). Every rank calls it.
RanksResult improve_across_ranks(World& world, const Scheme& start, const improve::RunOptions& options,
                                 const improve::RunEvents& events, const std::atomic<bool>* cancel,
                                 const ExchangeOptions& x = {});

}  // namespace at::cluster
