#pragma once
// Batches network queries from many concurrent games: callers block in evaluate(); a dispatcher
// thread runs the network on up to max_batch queries, or on what it has once the oldest query has
// waited max_wait. Answers depend on the query alone (its seed), so batching never changes a game.
// With several networks (replicas with the same weights, e.g. one per core, each single-threaded),
// each has its own dispatcher: batches run side by side, which small networks need to use the cores
// (their ops are too small to split across threads).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "mcts/network.hpp"

namespace at::mcts {

struct EvaluatorStats {
  long queries = 0;
  long batches = 0;
  double network_seconds = 0;
  double mean_batch() const { return batches ? double(queries) / double(batches) : 0; }
};

// How a search gets its answers: directly (one caller thread per network call) or batched.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Thread-safe; blocks until the answer is ready.
  virtual Answer evaluate(const Query& q) = 0;
  virtual EvaluatorStats stats() const = 0;
};

// Calls the network on each query alone, in the caller's thread (the network must be safe to call
// from several threads; the fake networks are).
class DirectEvaluator : public Evaluator {
 public:
  explicit DirectEvaluator(Network& net) : net_(net) {}
  Answer evaluate(const Query& q) override;
  EvaluatorStats stats() const override;

 private:
  Network& net_;
  std::atomic<long> queries_{0};
};

// Calls one of several networks (replicas with the same weights, not safe to share) in the
// caller's thread: each call borrows a free replica and waits only when all are busy. For the
// workers of one tree, one replica each: no dispatcher thread to wake, no batch to wait for.
class PooledEvaluator : public Evaluator {
 public:
  explicit PooledEvaluator(const std::vector<Network*>& nets);
  Answer evaluate(const Query& q) override;
  EvaluatorStats stats() const override;

 private:
  mutable std::mutex mu_;             // guards free_ and stats_
  std::condition_variable returned_;  // callers wait here for a free replica
  std::vector<Network*> free_;        // replicas not in use
  EvaluatorStats stats_;
};

class BatchingEvaluator : public Evaluator {
 public:
  BatchingEvaluator(Network& net, int max_batch = 256, std::chrono::microseconds max_wait = std::chrono::microseconds(2000));
  // One dispatcher per network; the networks must give the same answers.
  BatchingEvaluator(const std::vector<Network*>& nets, int max_batch, std::chrono::microseconds max_wait);
  ~BatchingEvaluator();
  BatchingEvaluator(const BatchingEvaluator&) = delete;
  BatchingEvaluator& operator=(const BatchingEvaluator&) = delete;

  // Thread-safe; blocks until the answer is ready. Rethrows the network's exception.
  Answer evaluate(const Query& q) override;
  EvaluatorStats stats() const override;

 private:
  struct Pending {
    const Query* query;
    Answer answer;
    std::exception_ptr error;
    bool done = false;
    std::chrono::steady_clock::time_point since;
  };
  void dispatch_loop(Network& net);

  const int max_batch_;
  const std::chrono::microseconds max_wait_;
  mutable std::mutex mu_;          // guards queue_, stop_, stats_, and every Pending::done/answer
  std::condition_variable work_;   // dispatchers wait here for queries
  std::condition_variable ready_;  // callers wait here for their answer
  std::deque<Pending*> queue_;     // callers' pending queries, oldest first
  bool stop_ = false;
  EvaluatorStats stats_;
  std::vector<std::thread> dispatchers_;  // one per network, started last, joined in the destructor
};

}  // namespace at::mcts
