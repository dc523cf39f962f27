#pragma once
// Every size of the network (alphatensor-method.md, "Network") and the optimiser settings.
// Presets: `paper` (published sizes; d, dropout and the move scale are not published) and `small`
// (fits a 2-core CPU). Any key can be overridden with "key=value".
#include <string>
#include <vector>

#include "core/field.hpp"

namespace at::nn {

// Activation recomputation in training (nn/graph.hpp, Graph::block): off, on, or on when the
// torso's activations would not fit comfortably in the memory available (Model::recomputes).
enum class Recompute { Off, On, Auto };

struct ModelConfig {
  // Input
  int S = 4;            // padded mode size (paper: 25 covers n,m,p <= 5)
  int history = 7;      // h: past actions fed as rank-one tensors (paper: 7)
  double move_scale = 125;  // scalar input = move index / move_scale (not published)
  // Torso (attentive modes)
  int c = 64;           // features (paper: 512)
  int torso_layers = 2; // (paper: 8)
  int torso_heads = 4;  // (paper: 16)
  int torso_head_dim = 16;  // (paper: 32)
  int mlp_factor = 4;   // MLP widening, torso and decoder (paper: 4)
  // Policy head (decoder)
  int dec_layers = 2;   // (paper: 2)
  int dec_heads = 4;    // (paper: 32)
  int dec_head_dim = 16;  // (paper: 64); decoder width = dec_heads * dec_head_dim
  int token_d = 4;      // entries per token (not published); k = ceil(3S/d), vocabulary |F|^d
  Field field = Field::Z;
  int coefficient_bound = 2;  // F = {-b..b} over Z
  double dropout = 0.1; // decoder dropout (rate not published)
  // Value head
  int value_width = 64; // (paper: 512)
  int quantiles = 8;    // (paper: 8)
  // Optimiser (AdamW) and losses
  double lr = 1e-4, weight_decay = 1e-5, clip_norm = 4.0, beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;
  double value_loss_weight = 1.0;
  // Memory (not part of the architecture)
  Recompute recompute = Recompute::Auto;
  // Inference products in bf16 with fp32 sums where the backend has them (the CPU's AVX512-BF16,
  // nn/cpu_bf16.hpp); training stays fp32. Not part of the architecture.
  bool bf16 = false;

  int dec_width() const { return dec_heads * dec_head_dim; }
  int torso_width() const { return torso_heads * torso_head_dim; }
  int num_tokens() const { return (3 * S + token_d - 1) / token_d; }
  int input_features() const { return S * (history + 1) + 1; }  // per grid position, + the scalar
  int vocab() const;

  // Throws std::invalid_argument naming the key on an unknown key or a bad value.
  void set(const std::string& key, const std::string& value);
  void set_all(const std::vector<std::string>& key_values);  // "key=value" strings
  // Parses to_string()'s output (any subset of keys over the defaults), validated.
  static ModelConfig from_string(const std::string& lines);
  // "key=value" lines, every key, in a fixed order (parsed back by set_all).
  std::string to_string() const;
  // Throws std::invalid_argument when sizes are inconsistent.
  void validate() const;
  // The keys that fix the parameter layout (a checkpoint must match them).
  std::string architecture() const;
  bool operator==(const ModelConfig& o) const { return to_string() == o.to_string(); }
};

// c with "key=value" settings that keep its architecture (bf16, recompute, the optimiser's): a
// checkpoint's network run another way. Throws std::invalid_argument naming a key that changes it.
ModelConfig with_settings(ModelConfig c, const std::vector<std::string>& settings);

// "small", "cpu" (the network of train's small preset) or "paper"; throws std::invalid_argument otherwise.
ModelConfig preset(const std::string& name);
// preset(name) with the "key=value" overrides applied, validated.
ModelConfig make_config(const std::string& name, const std::vector<std::string>& overrides = {});

}  // namespace at::nn
