#pragma once
// Gumbel root selection (Gumbel MuZero, Danihelka et al. 2022), the pieces the search uses at the
// root: Gumbel-top-k sampling of m actions without replacement, sequential halving of the
// simulation budget over them, the σ transform of Q and the improved policy from completed Q
// values. And the full move set of a small game (every move a root candidate, and the move that
// finishes a residual that is one move).
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/game.hpp"
#include "core/rng.hpp"
#include "mcts/tree.hpp"

namespace at::mcts {

// A standard Gumbel draw, −log(−log U).
double gumbel(Rng& rng);

// The indices of the m largest g[i] + logits[i] (all when m >= size), best first; ties by index.
std::vector<int> gumbel_top_k(const std::vector<double>& g, const std::vector<double>& logits, int m);

// Sequential halving: the number of phases for m actions, ceil(log2 m) (at least 1), and the
// visits each remaining action gets in a phase: budget_left / (phases_left · actions), at least 1.
// The search gives the last phase whatever is left, so the budget is spent exactly.
int halving_phases(int m);
int halving_visits(long budget_left, int phases_left, int actions);

// σ(q̂) = (c_visit + max_b N(b)) · c_scale · q̂, q̂ ∈ [0, 1] (published: c_visit 50, c_scale 1).
double sigma(double q_normalized, int max_visits, double c_visit, double c_scale);

// Completed Q: an edge's own mean return when visited, else v_mix, the network value mixed with the
// prior-weighted mean of the visited edges (the paper's appendix D). All in the search's return scale.
std::vector<double> completed_q(const std::vector<double>& q, const std::vector<int>& visits,
                                const std::vector<double>& priors, double value);

// softmax(logits + σ(completed Q normalised to [min_q, max_q])), the improved policy target.
std::vector<double> improved_gumbel_policy(const std::vector<double>& logits, const std::vector<double>& cq,
                                           const std::vector<int>& visits, double min_q, double max_q,
                                           double c_visit, double c_scale);

// Every move of the game on d×d×d (d0 = d1 = d2 = d) tensors when there are at most `limit`,
// canonical (canonicalize_move), else none: the full-width root's candidates. Entries in F: {0,1}
// over Z2, {-bound..bound} over Z (the network's alphabet). 2x2x2 mod 2: 3,375 terms, with cyclic
// symmetry 15 fixed terms + 1,120 orbits; over Z with bound 1, 80 fixed terms + 42,640 orbits.
std::vector<Action> all_moves(int d0, int d1, int d2, Field f, Symmetry sym, size_t limit, int bound = 1);

// A small game's moves (all_moves) with the tensor each one subtracts, so that a residual that is
// itself one move is finished by it (a search's exact one-move lookahead). Immutable once built.
class MoveSet {
 public:
  MoveSet(std::vector<Action> moves, int d, Field f, Symmetry sym);
  const std::vector<Action>& moves() const { return moves_; }
  // The move whose terms sum to s, or nullptr when s is not one move.
  const Action* finishing(const TensorI8& s) const;
  // A first move of a finish within two moves: the finishing move, else (cyclic game) a fixed term
  // that leaves one move (the cheap half of a two-move lookahead: tens of fixed terms, not every
  // orbit). *terms: the terms of the whole finish. nullptr when none is found.
  const Action* finisher(const TensorI8& s, int* terms) const;
  // True when every move is legal on s (int8 stays exact whatever is subtracted): entries in F and
  // non-zero factors hold by construction, so only the int8 range can fail, over Z.
  bool all_legal(const TensorI8& s) const;

 private:
  std::vector<Action> moves_;
  std::vector<uint32_t> fixed_;  // the fixed terms among them (cyclic game)
  Field field_;
  Symmetry sym_;
  int max_change_ = 0;  // the largest |entry| one move subtracts
  std::unordered_map<StateKey, uint32_t, StateKeyHash> by_tensor_;
};

// The move set of a game, built once per process and shared (nullptr when the game has more than
// `limit` moves or is not cubic).
std::shared_ptr<const MoveSet> game_move_set(int d0, int d1, int d2, Field f, Symmetry sym, int bound, size_t limit);

}  // namespace at::mcts
