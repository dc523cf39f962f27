#pragma once
// What the search asks of a network, and the interface every network (the real one in nn/, the
// fake ones below) implements.
#include <cstdint>
#include <vector>

#include "core/game.hpp"

namespace at::mcts {

// One state to evaluate, as the network sees it.
struct Query {
  TensorI8 state;               // residual tensor, mode sizes (d0, d1, d2)
  std::vector<Action> history;  // the last h actions played, oldest first
  int move = 0;                 // moves played so far
  int moves_left = 0;           // R_limit - move
  Field field = Field::Z;
  uint64_t seed = 0;            // drives sampling: the answer depends on the query alone, not the batch
};

struct Answer {
  float value = 0;               // predicted return from this state (≤ 0)
  std::vector<Action> actions;   // distinct candidate actions, canonical form
  std::vector<float> priors;     // their empirical probabilities (sum 1)
};

class Network {
 public:
  virtual ~Network() = default;
  // out[i] answers *batch[i]. Must be deterministic per query. The batching evaluator calls it
  // from one thread at a time; a DirectEvaluator may call it from several.
  virtual void evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) = 0;
};

// Merges duplicate samples into (distinct actions, empirical probabilities).
Answer merge_samples(std::vector<Action> samples, float value);

}  // namespace at::mcts
