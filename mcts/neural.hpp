#pragma once
// The real network behind the search's Network interface.
#include <oneapi/tbb/task_arena.h>

#include "mcts/network.hpp"
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

}  // namespace at::mcts
