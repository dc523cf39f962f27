#pragma once
// What a training run needs around the loop (trainer.hpp), shared by `alphatensor train` and the
// library's train (api/): the presets, the network sized for the targets, the checks, and the run
// that owns the backend, the network and the trainer.
#include <memory>
#include <string>
#include <vector>

#include "mcts/trainer.hpp"
#include "nn/backend.hpp"
#include "nn/config.hpp"
#include "nn/network.hpp"

namespace at::mcts {

// The loop sizes of a preset: "small" (sized for a 2-core CPU) or "paper" (published). Throws
// std::invalid_argument naming the preset otherwise.
void apply_train_preset(const std::string& preset, TrainConfig& tc);

// The network of a preset for tc's targets and field: S covers every target, the arithmetic is the
// run's, then the "key=value" settings (alphatensor model info). Throws std::invalid_argument
// naming a bad key or value.
nn::ModelConfig train_model_config(const std::string& preset, const TrainConfig& tc,
                                   const std::vector<std::string>& settings);

// Resolves the defaults left open (threads 0: default_thread_count) and throws std::invalid_argument
// when a size is out of range.
void finish_train_config(TrainConfig& tc);

// A training run: the backend, the network on it and the trainer over them (each refers to the one
// before, so none moves). Without `learner` (an actor rank, cluster/train_ranks.hpp) no trainer:
// nothing is read or written.
class TrainRun {
 public:
  TrainRun(const TrainConfig& tc, const nn::ModelConfig& mc, std::unique_ptr<nn::Backend<float>> backend,
           bool learner = true);
  TrainRun(const TrainRun&) = delete;
  TrainRun& operator=(const TrainRun&) = delete;

  // Restores the newest valid checkpoint of the output folder; says what it did in one line.
  std::string resume();
  // Seconds of the time limit spent by earlier runs of this folder (the checkpoint carries them).
  double time_used() const { return trainer_ ? trainer_->progress().elapsed : 0; }
  bool time_used_up() const { return cfg_.time_limit > 0 && time_used() >= cfg_.time_limit; }

  const TrainConfig& config() const { return cfg_; }
  nn::Backend<float>& backend() { return *backend_; }
  nn::Network& net() { return net_; }
  bool has_trainer() const { return trainer_ != nullptr; }
  Trainer& trainer() { return *trainer_; }

 private:
  TrainConfig cfg_;
  std::unique_ptr<nn::Backend<float>> backend_;
  nn::Network net_;
  std::unique_ptr<Trainer> trainer_;
};

}  // namespace at::mcts
