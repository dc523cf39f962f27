#include "mcts/replay.hpp"

#include <algorithm>

namespace at::mcts {

void ReplayBuffer::push(nn::TrainExample e) {
  if (capacity_ == 0) return;
  if (items_.size() < capacity_) {
    items_.push_back(std::move(e));
  } else {
    items_[next_] = std::move(e);
    next_ = (next_ + 1) % capacity_;
  }
}

std::vector<nn::TrainExample> ReplayBuffer::sample(size_t n, Rng& rng) const {
  std::vector<nn::TrainExample> out;
  if (items_.empty()) return out;
  for (size_t i = 0; i < n; ++i) out.push_back(items_[size_t(rng.uniform_int(0, int64_t(items_.size()) - 1))]);
  return out;
}

void BestGames::offer(std::vector<nn::TrainExample> moves, double total_return) {
  if (capacity_ == 0 || moves.empty()) return;
  if (games_.size() >= capacity_ && total_return <= games_.back().ret) return;
  auto pos = std::upper_bound(games_.begin(), games_.end(), total_return,
                              [](double r, const Game& g) { return r > g.ret; });
  games_.insert(pos, Game{total_return, std::move(moves)});
  if (games_.size() > capacity_) games_.pop_back();
}

std::vector<nn::TrainExample> BestGames::sample(size_t n, Rng& rng) const {
  std::vector<nn::TrainExample> out;
  if (games_.empty()) return out;
  for (size_t i = 0; i < n; ++i) {
    const Game& g = games_[size_t(rng.uniform_int(0, int64_t(games_.size()) - 1))];
    out.push_back(g.moves[size_t(rng.uniform_int(0, int64_t(g.moves.size()) - 1))]);
  }
  return out;
}

}  // namespace at::mcts
