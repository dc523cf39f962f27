#pragma once
// The real network behind the search's Network interface.
#include <oneapi/tbb/task_arena.h>

#include <memory>

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
  // Not thread-safe (the backend's scratch memory): use through a BatchingEvaluator.
  void evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) override;

 private:
  nn::Network& net_;
  int k_;
  double temperature_;
  tbb::task_arena* arena_;
};

// The networks a BatchingEvaluator runs: with count 1, `net` itself in `arena`; with more, count
// copies of it on their own CPU backends, each single-threaded (one dispatcher each): a small
// network's ops are too small to split across cores, but whole batches run side by side.
class NeuralReplicas {
 public:
  NeuralReplicas(nn::Network& net, int count, int samples, double temperature, tbb::task_arena* arena = nullptr);
  std::vector<Network*> networks();
  // Copies net's current weights into the replicas (after learner steps).
  void sync();
  int count() const { return int(wrappers_.size()); }

 private:
  nn::Network& net_;
  std::vector<std::unique_ptr<nn::CpuBackend<float>>> backends_;
  std::vector<std::unique_ptr<nn::Network>> copies_;
  std::vector<std::unique_ptr<tbb::task_arena>> arenas_;
  std::vector<std::unique_ptr<NeuralNetwork>> wrappers_;
};

// Replicas for `threads` compute threads: one per thread on a CPU backend when the
// network is small (below 4M parameters, where splitting its ops across threads pays little),
// else 1 (the network's ops use the threads).
int default_replicas(nn::Network& net, int threads);

}  // namespace at::mcts
