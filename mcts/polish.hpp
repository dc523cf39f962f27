#pragma once
// The hybrid of training and flip-graph search (`alphatensor train --polish`): every scheme that
// self-play finds (a solved game, or an unfinished one completed with a decomposition of its
// residual) goes to a Polisher, a background thread that runs flip-graph walks from it for a
// bounded time (improve/search.hpp; over Z first mod 2 and Hensel-lifted, improve/lift.hpp) and
// hands lower-rank schemes back; the trainer turns those into
// game trajectories for its best-games buffer, so the network learns from what the walks found.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/game.hpp"
#include "core/scheme_store.hpp"
#include "core/symmetry.hpp"
#include "core/synthetic.hpp"
#include "improve/search.hpp"
#include <oneapi/tbb/task_arena.h>

namespace at::mcts {

struct PolishConfig {
  bool enabled = false;
  int threads = 1;          // oneTBB threads of the flip-graph walks
  double seconds = 5;       // flip-graph budget per scheme
  int queue_capacity = 8;   // waiting schemes; when full the highest rank is dropped
  int pool_size = 8;        // walks per generation (improve::SearchOptions::pool_size)
  // Cyclic: a cyclic-invariant scheme (self-play with --symmetry cyclic) walks on the symmetric
  // flip graph and stays invariant (mod 2 walks lifted keep it: improve/lift.hpp); any other
  // scheme, or one the symmetric graph refuses, walks on the plain graph.
  Symmetry symmetry = Symmetry::None;
};

struct PolishJob {
  int target = 0;           // index into the trainer's targets
  Scheme scheme;            // verified in the run's field
  std::string origin;       // "selfplay" or "completion"
};

struct PolishResult {
  int target = 0;
  std::string origin;
  int rank_in = 0, rank_out = 0;
  double seconds = 0;
  Scheme scheme;            // the best found (== the input when rank_out == rank_in)
  bool verified = false;    // rank_out < rank_in and verified exactly in the run's field
  bool lifted = false;      // over Z: the walks went through a mod-2 scheme Hensel-lifted to Z
  std::string error;        // why the flip graph could not take the scheme (empty: it did)
  std::chrono::steady_clock::time_point done;  // when the walks ended
};

// One worker thread; the trainer (one thread) submits and takes results. Results are not offered to
// any store here: the trainer does that, so attribution and metrics stay in one place.
class Polisher {
 public:
  // target_rank > 0: a walk stops as soon as it reaches it.
  Polisher(const PolishConfig& cfg, Field field, int target_rank, uint64_t seed);
  ~Polisher();  // stop()
  Polisher(const Polisher&) = delete;
  Polisher& operator=(const Polisher&) = delete;

  // Queues a scheme; when the queue is full the job of highest rank (possibly this one) is dropped.
  void submit(PolishJob job);
  // The results finished since the last call, in order.
  std::vector<PolishResult> take();
  // Interrupts the running walk, drops waiting jobs and joins the thread (results stay for take()).
  void stop();
  long dropped() const;
  // True while jobs are waiting or one is running.
  bool busy() const;

 private:
  void work();
  PolishResult polish(const PolishJob& job, uint64_t seed);
  // improve::search from `start` in `field` for `seconds`; returns `start` when closing. Runs in
  // arena_ and publishes its progress in current_ so that stop() can interrupt it.
  Scheme walk(const Scheme& start, Field field, double seconds, uint64_t seed);

  const PolishConfig cfg_;
  const Field field_;
  const int target_rank_;
  const uint64_t seed_;
  tbb::task_arena arena_;  // cfg_.threads; used by the worker thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;               // signals jobs_ or closing_ changed
  std::deque<PolishJob> jobs_;               // guarded by mu_ (trainer pushes, worker pops)
  std::vector<PolishResult> results_;        // guarded by mu_ (worker pushes, trainer takes)
  bool closing_ = false;                     // guarded by mu_ (set by stop())
  bool running_ = false;                     // guarded by mu_ (worker: a job is being polished)
  long dropped_ = 0;                         // guarded by mu_
  improve::SearchProgress* current_ = nullptr;  // guarded by mu_: the running walk's progress, for stop()
  std::thread worker_;                       // started by the constructor, joined by stop()
};

}  // namespace at::mcts
