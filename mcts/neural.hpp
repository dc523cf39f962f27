#pragma once
// The real network behind the search's Network interface.
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <memory>

#include "mcts/evaluator.hpp"
#include "mcts/network.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/network.hpp"

namespace at::mcts {

class NeuralNetwork : public Network {
 public:
  // samples: K actions per state (published 32); temperature of the policy sampling; the network
  // runs inside `arena` (its thread budget) when given.
  NeuralNetwork(nn::Network& net, int samples, double temperature, tbb::task_arena* arena = nullptr)
      : net_(net), k_(samples), temperature_(temperature), arena_(arena) {}
  // Not thread-safe (the backend's scratch memory): use through NeuralReplicas::evaluator.
  void evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) override;

 private:
  nn::Network& net_;
  int k_;
  double temperature_;
  tbb::task_arena* arena_;
};

// The networks the search runs: with count 1, `net` itself in `arena`; with more, count copies of
// it on their own CPU backends, each single-threaded: a small network's ops are too small to split
// across cores, but whole queries or batches run side by side.
class NeuralReplicas {
 public:
  NeuralReplicas(nn::Network& net, int count, int samples, double temperature, tbb::task_arena* arena = nullptr);
  std::vector<Network*> networks();
  // Copies net's current weights into the replicas (after learner steps).
  void sync();
  int count() const { return int(wrappers_.size()); }
  // How `callers` concurrent games or tree workers reach the replicas. Single-threaded replicas
  // of a small network on the CPU (small_on_cpu) run each query inline on a free replica: batches
  // do not make them faster per state, and a dispatcher's hand-offs cost (bench mcts, 3x3x3,
  // 1 thread: 17% more games/s for the `cpu` preset, 23% for `small`; one tree, 2 workers: 1.6x
  // one worker, not 1.5x). Otherwise (a network whose ops split across threads) each replica
  // batches up to callers / count queries, waiting at most `wait` for a batch.
  std::unique_ptr<Evaluator> evaluator(int callers, std::chrono::microseconds wait);

 private:
  nn::Network& net_;
  int threads_per_network_;  // threads a replica's ops may use: 1 for copies, else its arena's
  std::vector<std::unique_ptr<nn::CpuBackend<float>>> backends_;
  std::vector<std::unique_ptr<nn::Network>> copies_;
  std::vector<std::unique_ptr<tbb::task_arena>> arenas_;
  std::vector<std::unique_ptr<NeuralNetwork>> wrappers_;
};

// A network on a CPU backend below 4M parameters: splitting its ops across threads pays little,
// and so does batching queries.
bool small_on_cpu(nn::Network& net);

// Replicas for `threads` compute threads: one per thread when small_on_cpu, else 1 (the network's
// ops use the threads).
int default_replicas(nn::Network& net, int threads);

}  // namespace at::mcts
