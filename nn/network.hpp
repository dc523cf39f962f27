#pragma once
// The network as the search and the trainer use it: inference (value + sampled actions) and
// training steps (losses, gradients, AdamW), on any Backend<float>; plus versioned checkpoints.
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/synthetic.hpp"
#include "nn/model.hpp"

namespace at::nn {

struct Evaluation {
  double value = 0;                // risk-seeking: mean of the quantiles with τ >= 0.75
  std::vector<double> quantiles;   // [quantiles], τ_i = (i + 0.5)/quantiles
  std::vector<Action> actions;     // distinct decodable samples, in order of first appearance
  std::vector<double> probs;       // their empirical probabilities (sum 1 unless none decoded)
};

struct TrainStats {
  Losses losses;
  double grad_norm = 0;  // before clipping
  long step = 0;         // optimiser steps done
};

// Not thread-safe: one caller at a time (it shares its backend's scratch memory).
class Network {
 public:
  // Parameters initialised from `seed`; the training RNG (dropout) is seeded from it too.
  Network(const ModelConfig& cfg, Backend<float>& be, uint64_t seed);

  const ModelConfig& config() const { return model_.config(); }
  // Inference products run in bf16: config().bf16 and the backend has them (else fp32; the command
  // says so in one line).
  bool bf16() const { return bf16_; }
  Model<float>& model() { return model_; }
  long step() const { return step_; }
  Rng& rng() { return rng_; }

  // Per state: value and `samples` actions drawn autoregressively with softmax(logits/temperature)
  // (temperature > 0), decoded to the state's mode sizes; undecodable samples are dropped and
  // duplicates merged. The torso runs once per state and serves all its samples.
  std::vector<Evaluation> evaluate(const std::vector<const NetState*>& states, int samples, double temperature,
                                   Rng& rng);
  // The same with one sampling seed per state: a state's answer does not depend on the rest of the
  // batch, so batching never changes a game.
  std::vector<Evaluation> evaluate(const std::vector<const NetState*>& states, int samples, double temperature,
                                   const std::vector<uint64_t>& seeds);
  // The policy logits of each state's first token [states, vocab] (inspection: bench nn's bf16
  // accuracy).
  std::vector<float> first_logits(const std::vector<const NetState*>& states);
  // One AdamW step on the batch (gradient clipped to config().clip_norm in global norm).
  TrainStats train_step(const std::vector<TrainExample>& batch);

  // Host copies of the parameters and optimiser moments ([num_params] each).
  std::vector<float> get_params();
  void set_params(const std::vector<float>& p);

  // Checkpoints: see nn/checkpoint.cpp for the layout. save() writes atomically; load() throws
  // InputError (one line naming the file) on a bad file or a config whose architecture differs.
  void save(const std::string& path);
  void load(const std::string& path);

 private:
  // The decoder's cross-attention keys and values of the states' torso output (features uploaded).
  std::vector<Var<float>> memory_kv(Graph<float>& g, const std::vector<const NetState*>& states);

  Model<float> model_;
  Backend<float>& be_;
  float* m_;  // [num_params] AdamW first moment
  float* v_;  // [num_params] AdamW second moment
  long step_ = 0;
  Rng rng_;
  bool bf16_ = false;
};

// bf16 inference against fp32 on the same network, states and sampling seeds (from `seed`).
struct Bf16Difference {
  double logit_max = 0, logit_mean = 0;  // |bf16 − fp32| of the first token's policy logits
  double value_max = 0, value_mean = 0;  // of the risk-seeking value
  double tv_max = 0, tv_mean = 0;        // total variation of the first token's distribution (T = 1)
  int states = 0;
  int same_argmax = 0;   // states whose most likely first token is the same
  int same_samples = 0;  // states whose sampled actions and frequencies are identical (a near-uniform
                         // distribution resamples on any change of the logits)
};
// Needs a backend with bf16 (Network::bf16()); leaves it on.
Bf16Difference bf16_difference(Network& net, const std::vector<const NetState*>& states, int samples,
                               double temperature, uint64_t seed);

// The examples of a synthetic demonstration: the state after i of its moves (with those moves as
// history) → move i as the target action, return −(terms left: moves left without symmetry; under
// Cyclic a move is 1 or 3 terms, game.hpp).
std::vector<TrainExample> demonstration_examples(const Demonstration& d, Field f, const TokenCodec& codec,
                                                Symmetry sym = Symmetry::None);

// Risk-seeking value of quantiles [Q] at τ_i = (i + 0.5)/Q: the mean of those with τ >= 0.75.
double risk_seeking_value(const std::vector<double>& quantiles);

}  // namespace at::nn
