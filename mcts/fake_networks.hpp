#pragma once
// Deterministic fake networks: the search can be tested with no neural network at all.
#include "core/scheme.hpp"
#include "core/synthetic.hpp"
#include "mcts/network.hpp"

namespace at::mcts {

// K actions drawn i.i.d. from the synthetic-demonstration entry distribution; value −γ(S)/2, a
// crude estimate from the slice-rank bound.
class UniformNetwork : public Network {
 public:
  explicit UniformNetwork(int samples = 32, SyntheticConfig dist = {}) : k_(samples), dist_(dist) {}
  void evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) override;

 private:
  int k_;
  SyntheticConfig dist_;
};

// Knows a scheme (its terms as actions on the game's tensor) and proposes the terms not yet
// played, mixed with `noise` random actions; value −(terms left). With Strassen's terms the search
// must find rank 7.
class OracleNetwork : public Network {
 public:
  OracleNetwork(std::vector<Action> terms, int noise_samples = 8, float noise_mass = 0.2f);
  void evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) override;

 private:
  std::vector<Action> terms_;
  int noise_;
  float noise_mass_;
};

}  // namespace at::mcts
