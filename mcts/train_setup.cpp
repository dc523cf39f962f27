#include "mcts/train_setup.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/threads.hpp"

namespace at::mcts {

void apply_train_preset(const std::string& preset, TrainConfig& tc) {
  if (preset == "paper") {  // published numbers (alphatensor-method.md)
    tc.search.simulations = 800;
    tc.samples = 32;
    tc.batch_size = 2048;
    tc.games_per_iteration = 256;
    tc.concurrent_games = 256;
    tc.steps_per_iteration = 50;
    tc.r_limit = 125;
  } else if (preset == "small") {  // sized for a 2-core CPU
    tc.search.simulations = 64;
    tc.samples = 16;
    tc.batch_size = 64;
    tc.games_per_iteration = 8;
    tc.concurrent_games = 8;
    tc.steps_per_iteration = 40;  // the policy learns from demonstrations first (issue 5 diagnosis)
    tc.mix_switch_step = 1000;
    tc.demos.p_zero_mod2 = 0.8;   // sparse Z2 demonstrations, like the matmul tensors (published: 0.5)
  } else {
    throw std::invalid_argument("unknown preset '" + preset + "' (small or paper)");
  }
}

nn::ModelConfig train_model_config(const std::string& preset, const TrainConfig& tc,
                                   const std::vector<std::string>& settings) {
  int S = 0;
  for (const Format& f : tc.targets) S = std::max({S, f.a_size(), f.b_size(), f.c_size()});
  std::vector<std::string> sets = {"S=" + std::to_string(S), std::string("field=") + (tc.field == Field::Z2 ? "Z2" : "Z")};
  sets.insert(sets.end(), settings.begin(), settings.end());
  return nn::make_config(preset == "small" ? "cpu" : preset, sets);  // small: a network 2 cores train in minutes
}

void finish_train_config(TrainConfig& tc) {
  if (tc.threads <= 0) tc.threads = default_thread_count();
  if (tc.field != Field::Z && tc.field != Field::Z2) throw std::invalid_argument("the field of a training run must be Z or Z2");
  if (tc.games_per_iteration < 1 || tc.concurrent_games < 1 || tc.batch_size < 1 || tc.steps_per_iteration < 0)
    throw std::invalid_argument("games, batch size must be positive");
  if (tc.replicas < 0) throw std::invalid_argument("replicas must not be negative");
  if (tc.search.simulations < 1 || tc.samples < 1) throw std::invalid_argument("simulations and samples must be positive");
  if (tc.polish.threads < 1 || !(tc.polish.seconds > 0))
    throw std::invalid_argument("polish threads and seconds must be positive");
}

TrainRun::TrainRun(const TrainConfig& tc, const nn::ModelConfig& mc, std::unique_ptr<nn::Backend<float>> backend,
                   bool learner)
    : cfg_(tc), backend_(std::move(backend)), net_(mc, *backend_, tc.seed),
      trainer_(learner ? std::make_unique<Trainer>(tc, net_) : nullptr) {}

std::string TrainRun::resume() {
  if (!trainer_) return "";
  return trainer_->resume() ? "resumed from step " + std::to_string(net_.step())
                           : "no checkpoint to resume in " + trainer_->checkpoint_dir() + ", starting fresh";
}

}  // namespace at::mcts
