#pragma once
// Self-play: whole games played by search, many at once on oneTBB, network queries of all games
// batched by one BatchingEvaluator. Each game is searched by one task with its own Rng stream, so
// a seed gives the same game whatever the number of threads.
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/scheme.hpp"
#include "core/synthetic.hpp"
#include "mcts/search.hpp"

namespace at::mcts {

// One position of a finished game, as a training sample.
struct MoveRecord {
  TensorI8 state;                // residual before the move
  std::vector<Action> history;   // last h actions before it
  int move = 0;
  std::vector<Action> actions;   // root children with their improved-policy probabilities
  std::vector<float> policy;
  float return_to_go = 0;        // −(moves from here to the end) − terminal penalty
};

struct GameRecord {
  uint64_t seed = 0;
  TensorI8 start;
  std::vector<Action> actions;   // the moves played, in order
  bool solved = false;
  float total_return = 0;
  std::vector<MoveRecord> moves;
  SearchStats search;            // summed over the moves
};

// Plays one game from `start` to the end (zero or R_limit).
// `stop`, when set, abandons the game (the record is then incomplete: solved stays false).
// `on_move`, when given, is called after each move with the moves played and the search's totals.
GameRecord play_game(const TensorI8& start, const GameConfig& game, const SearchConfig& cfg,
                     Evaluator& eval, uint64_t seed, bool keep_records = true,
                     const std::atomic<bool>* stop = nullptr,
                     const std::function<void(int moves, const SearchStats&)>& on_move = nullptr);

// Moves per game when not set: room beyond the naive rank (1.5x). With none, a game fails at the
// first wasted move and early games (an untrained policy) never reach zero.
inline int default_r_limit(int naive_rank) { return naive_rank + (naive_rank + 1) / 2; }
// The cyclic game's R_limit (moves of 1 or 3 terms): a third of that rank budget, plus one move so
// that schemes with many fixed terms fit (2x2x2: 5 moves, enough for Strassen's 4 fixed + 1 orbit;
// the naive scheme is 2 fixed + 2 orbits).
inline int default_cyclic_r_limit(int naive_rank) { return (default_r_limit(naive_rank) + 2) / 3 + 1; }
inline int default_r_limit(int naive_rank, Symmetry sym) {
  return sym == Symmetry::Cyclic ? default_cyclic_r_limit(naive_rank) : default_r_limit(naive_rank);
}

// A game's start: the target f in a basis drawn from the pool with rng, or the canonical basis when
// the transformed tensor leaves int8. *basis receives the change, to map a found scheme back. Under
// Cyclic the basis is the same on all three modes (A = B = C), the changes that keep T invariant.
TensorI8 start_in_basis(const Format& f, Field field, const BasisPool& pool, Rng& rng, BasisChange* basis,
                        Symmetry sym = Symmetry::None);

// Plays starts.size() games, up to `concurrency` at a time; game i uses seed Rng::stream(seed, i).
std::vector<GameRecord> play_games(const std::vector<TensorI8>& starts, const GameConfig& game,
                                   const SearchConfig& cfg, Evaluator& eval, uint64_t seed,
                                   int concurrency, bool keep_records = true,
                                   const std::atomic<bool>* stop = nullptr);

}  // namespace at::mcts
