#pragma once
// Sampled AlphaZero search (alphatensor-method.md, "Search"): K sampled actions per expansion with
// empirical priors, PUCT with c1/c2 on min-max normalised values, R_limit with its terminal
// penalty, a transposition table, subtree reuse between moves, the improved policy with adaptive
// temperature and the acting rule. One Search is used by one task at a time.
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "mcts/evaluator.hpp"
#include "mcts/tree.hpp"

namespace at::mcts {

struct SearchConfig {
  int simulations = 200;          // published: 200 early in training, 800 later
  double c1 = 1.25;               // published
  double c2 = 19652;              // published
  int history = 7;                // h: actions the network sees (published)
  double visit_threshold = 100;   // N̄ of the adaptive temperature (not published; a common choice)
  // Acting: sample from π̂^(1/act_temperature) (1: the published rule; 0: the most visited child).
  double act_temperature = 1.0;
  size_t memory_cap = size_t(2) << 30;  // bytes per tree; beyond it the tree is cut to the root's subtree
};

struct SearchStats {
  long simulations = 0;
  long evaluations = 0;
  size_t nodes = 0;
  size_t bytes = 0;
};

class Search {
 public:
  Search(const SearchConfig& cfg, const GameConfig& game, Evaluator& eval);

  // Starts a new game from `start`.
  void reset(const TensorI8& start);
  // Runs cfg.simulations simulations from the current state (history = moves played so far).
  void run(const TensorI8& state, const std::vector<Action>& played, Rng& rng);
  // Improved policy at the root: the root's children and π̂(a) ∝ N(s,a)^{1/τ(s)}.
  void improved_policy(std::vector<Action>* actions, std::vector<float>* probs) const;
  // The acting rule: drop children valued below the most visited one, sample from π̂.
  Action select_action(Rng& rng) const;
  // Moves the root to the child reached by `a` (subtree reuse), after the game played it.
  void advance(const Action& a, const TensorI8& next_state, int next_move);
  const SearchStats& stats() const { return stats_; }
  float root_value() const;

 private:
  int32_t ensure_root(const TensorI8& state, int move);
  int select_edge(const Node& n) const;
  float normalized(float q) const;

  SearchConfig cfg_;
  GameConfig game_;
  Evaluator& eval_;
  Tree tree_;
  int32_t root_ = -1;
  int root_move_ = 0;
  float min_q_ = 0, max_q_ = 0;  // range of backed-up returns seen, for normalising Q
  bool have_q_ = false;
  SearchStats stats_;
};

}  // namespace at::mcts
