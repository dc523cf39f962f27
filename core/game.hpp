#pragma once
// TensorGame (alphatensor-method.md): the state is the residual tensor, a move subtracts
// u⊗v⊗w, reward −1 per move, and a game cut at R_limit pays an extra −γ(S).
#include <cstdint>
#include <vector>

#include "core/field.hpp"
#include "core/linalg.hpp"
#include "core/symmetry.hpp"
#include "core/tensor.hpp"

namespace at {

// One move. Sizes are the tensor's mode sizes (u: dim 0, v: dim 1, w: dim 2).
struct Action {
  std::vector<int8_t> u, v, w;
  bool operator==(const Action& o) const { return u == o.u && v == o.v && w == o.w; }
  bool operator!=(const Action& o) const { return !(*this == o); }
};

struct GameConfig {
  Field field = Field::Z;
  int r_limit = 125;           // published
  int coefficient_bound = 2;   // F = {-b..b} over Z (published: 2); F = {0,1} over Z2
  Symmetry symmetry = Symmetry::None;  // Cyclic: the symmetric game below (square tensors)
};

// The cyclic game (Symmetry::Cyclic, T(n,n,n)): a move (u,v,w) stands for its orbit under the shift
// (u,v,w) -> (v,w,u). When u, v, w are proportional it is the fixed term u⊗v⊗w (the network writes
// x⊗x⊗x as the action (x,x,x)); otherwise it subtracts u⊗v⊗w + v⊗w⊗u + w⊗u⊗v. A cyclic-invariant
// residual stays invariant, and a solved game of f fixed terms and k orbits is a scheme of rank
// f + 3k. A move costs its number of terms (reward −1 per term), so returns and values count rank.
// Without symmetry a move is its one term.
bool is_fixed_term(const Action& a);
std::vector<Action> move_terms(const Action& a, Symmetry sym);
int move_cost(const Action& a, Symmetry sym);
// The terms of a game's moves, in order (what a scheme of the game is made of).
std::vector<Action> game_terms(const std::vector<Action>& moves, Symmetry sym);
// canonicalize, and under Cyclic the least of the three rotations: one name per orbit, so samples of
// the same orbit share one edge of the search tree.
void canonicalize_move(Action& a, Field f, Symmetry sym);
// action_legal for every term of the move, on the state as it goes (int8 stays exact).
bool move_legal(const TensorI8& s, const Action& a, const GameConfig& cfg);
// s −= the move's terms (no checks, like apply_in_place).
void play_move(TensorI8& s, const Action& a, Field f, Symmetry sym);

// Makes the first non-zero entry of u and of v positive by moving signs onto w
// (u⊗v⊗w = (−u)⊗v⊗(−w) = u⊗(−v)⊗(−w)). Over Z2 entries are already 0/1.
void canonicalize(Action& a, Field f);
bool is_canonical(const Action& a, Field f);

// γ(S): the sum over the mode-0 slices S[a,:,:] of their matrix ranks (over Q for Z, over GF(2)
// for Z2), an upper bound on the rank of S, as published.
int slice_rank_bound(const TensorI8& s, Field f);

// True when `a` may be played on state `s`: right sizes, entries in F, no zero factor, and the
// update keeps every entry within int8 (an int8 state stays exact).
bool action_legal(const TensorI8& s, const Action& a, const GameConfig& cfg);

class TensorGame {
 public:
  TensorGame(const TensorI8& start, const GameConfig& cfg);

  const TensorI8& state() const { return state_; }
  const GameConfig& config() const { return cfg_; }
  const std::vector<Action>& history() const { return history_; }
  int moves() const { return int(history_.size()); }
  int terms() const { return terms_; }  // the rank played so far (moves without symmetry)
  bool solved() const { return state_.is_zero(); }
  bool terminal() const { return solved() || moves() >= cfg_.r_limit; }

  bool legal(const Action& a) const { return move_legal(state_, a, cfg_); }
  // Plays a legal move (throws std::invalid_argument otherwise) and returns its reward: −1 per
  // term, and additionally −γ(S) when this move reaches R_limit (moves) with S ≠ 0.
  double step(const Action& a);
  // s −= u⊗v⊗w (reduced mod 2 over Z2), without checks: the caller knows the action is legal.
  static void apply_in_place(TensorI8& s, const Action& a, Field f);
  static TensorI8 apply(TensorI8 s, const Action& a, Field f) {
    apply_in_place(s, a, f);
    return s;
  }

 private:
  TensorI8 state_;
  GameConfig cfg_;
  std::vector<Action> history_;
  int terms_ = 0;
};

// (A⊗B⊗C)·T computed exactly; throws OverflowError if an entry leaves int8.
TensorI8 transform_tensor(const TensorI8& t, const Mat& A, const Mat& B, const Mat& C, Field f);

}  // namespace at
