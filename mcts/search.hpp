#pragma once
// Sampled AlphaZero search (alphatensor-method.md, "Search"): K sampled actions per expansion with
// empirical priors, PUCT with c1/c2 on min-max normalised values, R_limit with its terminal
// penalty, a transposition table, subtree reuse between moves, the improved policy with adaptive
// temperature and the acting rule.
//
// Tree parallelism (for one hard target, `alphatensor search`): with cfg.threads > 1, run() lets
// that many workers simulate on the one tree at once. Each descent adds a virtual loss to the
// edges it takes (cfg.virtual_loss visits at the worst return seen), so concurrent workers
// spread over different children, and removes it in the backup. Their network queries meet in the
// evaluator (a BatchingEvaluator batches them). With one worker the search is the sequential one:
// a fixed seed gives the same game. Calls other than run() are made by one thread at a time.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/rng.hpp"
#include "mcts/evaluator.hpp"
#include "mcts/gumbel.hpp"
#include "mcts/tree.hpp"

namespace at::mcts {

// How the root chooses: the published sampled AlphaZero (PUCT over the K sampled actions, act by
// visit counts), or Gumbel root selection (gumbel.hpp: Gumbel-top-k of m root actions, sequential
// halving over the simulation budget, the improved policy from completed Q values).
enum class RootSelection { Sampled, Gumbel };

struct SearchConfig {
  int simulations = 200;          // published: 200 early in training, 800 later
  double c1 = 1.25;               // published
  double c2 = 19652;              // published
  int history = 7;                // h: actions the network sees (published)
  double visit_threshold = 100;   // N̄ of the adaptive temperature (not published; a common choice)
  // Acting: sample from π̂^(1/act_temperature) (1: the published rule; 0: the most visited child).
  double act_temperature = 1.0;
  size_t memory_cap = size_t(2) << 30;  // bytes per tree; beyond it the tree is cut to the root's subtree
  int threads = 1;                // workers searching the one tree at once (tree parallelism)
  int virtual_loss = 3;           // visits an in-flight simulation adds to each edge of its path
  RootSelection root = RootSelection::Sampled;
  int gumbel_actions = 16;        // m: root actions sequential halving starts from (Gumbel)
  double gumbel_c_visit = 50;     // σ's constants (published)
  double gumbel_c_scale = 1.0;
  // A game with at most this many moves (all_moves: 2x2x2 cyclic, over Z2 and over Z with F =
  // {-1,0,1}) has a move set: every expansion adds the move that finishes a residual that is one
  // move, and with Gumbel every legal move is a root candidate (full width); the network's sampled
  // mass keeps 1 − full_width_mass of the prior and the rest is spread evenly, so the Gumbel draw
  // also tries moves the K samples missed. 0: off.
  size_t full_width_limit = 65536;
  double full_width_mass = 0.25;
  int policy_targets = 32;        // Gumbel: the improved policy keeps this many most likely actions
};

struct SearchStats {
  long simulations = 0;
  long evaluations = 0;
  size_t nodes = 0;
  size_t bytes = 0;
};

// PUCT at an expanded node, whose lock the caller holds: the edge maximising
// Q + P·√N/(1+N(s,a))·(c1 + log((N+c2+1)/c2)), Q min-max normalised over [min_q, max_q] (0 for an
// unvisited edge). Each simulation in flight through an edge counts cfg.virtual_loss visits valued
// 0 after normalisation (the worst return seen).
int select_child(const Node& n, const SearchConfig& cfg, float min_q, float max_q);

class Search {
 public:
  Search(const SearchConfig& cfg, const GameConfig& game, Evaluator& eval);

  // Starts a new game from `start`.
  void reset(const TensorI8& start);
  // Runs cfg.simulations simulations from the current state (history = moves played so far) on
  // cfg.threads workers; fewer if *stop becomes true. Gumbel root selection runs them on one
  // worker (sequential halving visits the root's candidates in turn).
  void run(const TensorI8& state, const std::vector<Action>& played, Rng& rng,
           const std::atomic<bool>* stop = nullptr);
  // Improved policy at the root: the root's children and π̂(a) ∝ N(s,a)^{1/τ(s)}; with Gumbel
  // root selection softmax(logits + σ(completed Q)) over the candidates, its largest policy_targets.
  void improved_policy(std::vector<Action>* actions, std::vector<float>* probs) const;
  // The acting rule: drop children valued below the most visited one, sample from π̂ (the
  // highest prior when no child was visited: a search of one simulation). Gumbel: the action
  // sequential halving kept.
  Action select_action(Rng& rng) const;
  // Moves the root to the child reached by `a` (subtree reuse), after the game played it.
  void advance(const Action& a, const TensorI8& next_state, int next_move);
  const SearchStats& stats() const { return stats_; }
  float root_value() const;
  // The tree and its root, for inspection between runs.
  const Tree& tree() const { return tree_; }
  int32_t root() const { return root_; }

 private:
  struct Scratch;  // one worker's buffers
  int32_t ensure_root(const TensorI8& state, int move);
  // forced_root_edge >= 0: the descent takes that root edge (sequential halving), else PUCT.
  void simulate(const TensorI8& state, const std::vector<Action>& played, Scratch& w, int forced_root_edge = -1);
  // Gumbel root selection: the whole of run() for RootSelection::Gumbel; returns simulations run.
  long run_gumbel(const TensorI8& state, const std::vector<Action>& played, const std::atomic<bool>* stop);
  // Full width: every legal move not proposed becomes a root edge (once per root).
  void widen_root(const TensorI8& state);
  // Evaluates the leaf `cur` (its expansion already claimed by this worker) and publishes its edges.
  float expand(int32_t cur, const TensorI8& s, int move, const std::vector<Action>& history);
  void note_return(float g);

  SearchConfig cfg_;
  GameConfig game_;
  Evaluator& eval_;
  Tree tree_;
  // Set between runs, read-only while workers run.
  int32_t root_ = -1;
  int root_move_ = 0;
  // During run(): the caller's Rng, drawn under rng_mu_ for the query seeds (in simulation order
  // with one worker, hence the sequential search's draws).
  Rng* rng_ = nullptr;
  std::mutex rng_mu_;
  // Range of backed-up returns seen, for normalising Q (+inf/-inf: none yet). Any worker; a
  // reader takes both values once per selection.
  std::atomic<float> min_q_, max_q_;
  std::atomic<long> evaluations_{0};  // any worker
  SearchStats stats_;                 // between runs only
  // The game's move set (gumbel.hpp; null for large games), set by the first run() before its
  // workers start, read by them.
  std::shared_ptr<const MoveSet> move_set_;
  bool move_set_made_ = false;
  // Gumbel root selection, set by run() (one worker) and read between runs: the chosen root edge
  // (-1: none), the improved policy, whether the root was widened.
  int gumbel_choice_ = -1;
  std::vector<Action> gumbel_actions_;
  std::vector<float> gumbel_probs_;
  int32_t widened_root_ = -1;
};

}  // namespace at::mcts
