#pragma once
// Training data stores of the learner: the self-play replay buffer (a ring of the newest examples)
// and the best-games buffer (the moves of the best finished games, kept by return).
#include <cstddef>
#include <vector>

#include "core/rng.hpp"
#include "nn/model.hpp"

namespace at::mcts {

class ReplayBuffer {
 public:
  explicit ReplayBuffer(size_t capacity) : capacity_(capacity) {}
  void push(nn::TrainExample e);
  // n examples drawn uniformly with replacement (empty if the buffer is).
  std::vector<nn::TrainExample> sample(size_t n, Rng& rng) const;
  size_t size() const { return items_.size(); }

 private:
  size_t capacity_;
  size_t next_ = 0;  // slot the next push overwrites once full
  std::vector<nn::TrainExample> items_;
};

class BestGames {
 public:
  explicit BestGames(size_t capacity) : capacity_(capacity) {}
  // Keeps the game if it is among the `capacity` best by return (ties: the older stays).
  void offer(std::vector<nn::TrainExample> moves, double total_return);
  std::vector<nn::TrainExample> sample(size_t n, Rng& rng) const;
  size_t games() const { return games_.size(); }
  // Game i (0: the best), its moves in order, and its return.
  const std::vector<nn::TrainExample>& moves(size_t i) const { return games_[i].moves; }
  double game_return(size_t i) const { return games_[i].ret; }

 private:
  struct Game {
    double ret;
    std::vector<nn::TrainExample> moves;
  };
  size_t capacity_;
  std::vector<Game> games_;  // sorted by return, best first
};

}  // namespace at::mcts
