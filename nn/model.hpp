#pragma once
// The AlphaTensor network (alphatensor-method.md, "Network") written once against Backend<T>:
// torso of attentive modes, autoregressive policy decoder, quantile value head, and the losses.
// All parameters live in one flat buffer (and their gradients in another), so the optimiser, the
// gradient norm and checkpoints each handle a single array.
#include <string>
#include <vector>

#include "core/game.hpp"
#include "core/tokens.hpp"
#include "nn/config.hpp"
#include "nn/graph.hpp"

namespace at::nn {

// One network input: the residual tensor (mode sizes <= S) and the game's past actions.
struct NetState {
  TensorI8 tensor;
  std::vector<Action> history;  // oldest first; the last `history` of them are fed
  int move = 0;                 // move index (scalar input: move / move_scale)
};

// A training target: token sequences of one or more actions with weights (normalised per example;
// empty = equal), and the target return.
struct TrainExample {
  NetState state;
  std::vector<std::vector<int>> tokens;  // each of length num_tokens()
  std::vector<double> weights;
  double value = 0;
};

struct Losses {
  double policy = 0;  // mean over examples of Σ_actions ŵ·(−log p(action)) (teacher forcing)
  double value = 0;   // mean over examples of the quantile Huber loss
  double total = 0;   // policy + value_loss_weight·value
};

// A training batch as the network reads it (host memory): what Model::loss uploads.
template <typename T>
struct BatchInputs {
  int batch = 0, actions = 1;       // examples B, target actions per example A (padded)
  std::vector<T> features;          // [3, B, S·S, input_features()]
  std::vector<int> ids, targets;    // [B·A, k] decoder inputs (start symbol, shifted targets), targets
  std::vector<T> weights;           // [B·A, k] cross-entropy weight per token: ŵ / B (0 for padding)
  std::vector<T> values;            // [B] target returns
  std::vector<T> value_weights;     // [B] value_loss_weight / B
};

struct ParamInfo {
  std::string name;
  size_t offset = 0;
  std::vector<int> shape;
  size_t size() const;
};

template <typename T>
class Model {
 public:
  // Allocates the parameters and gradients in the backend (zero; call init()).
  Model(const ModelConfig& cfg, Backend<T>& be);
  const ModelConfig& config() const { return cfg_; }
  Backend<T>& backend() { return be_; }
  const TokenCodec& codec() const { return codec_; }
  size_t num_params() const { return count_; }
  const std::vector<ParamInfo>& params_info() const { return info_; }
  T* params() { return params_; }  // [num_params], backend memory
  T* grads() { return grads_; }    // [num_params], backend memory

  // Weights ~ N(0, 1/fan_in), biases 0, LayerNorm γ = 1, β = 0, embeddings ~ N(0, 1/dim).
  void init(uint64_t seed);

  // Host features [3, batch, S·S, input_features()]: grid g is indexed by modes (g, g+1 mod 3) and
  // folds mode g+2 and the h+1 time steps into features; the last feature is the scalar.
  std::vector<T> features(const std::vector<const NetState*>& states) const;

  // Torso output: memory [batch, 3·S², c] (after a final LayerNorm); features in backend memory.
  Var<T> torso(Graph<T>& g, const T* features, int batch);
  // Per decoder layer, the cross-attention keys and values of the memory: [batch, 3S², 2·width].
  std::vector<Var<T>> memory_kv(Graph<T>& g, Var<T> memory, int batch);
  // Decoder features [seqs, len, width] of token inputs ids [seqs, len] at positions pos0 ..
  // pos0 + len - 1 (start symbol = vocab); sequence n reads memory n / group. Without a cache the
  // sequences start at position 0. With a cache (incremental decoding, inference), the self-
  // attention projections of the new positions are stored in it and the queries attend to all
  // cached positions before them.
  struct Cache {
    std::vector<Var<T>> qkv;  // per layer [seqs, max_len, 3·width]
    int max_len = 0;
  };
  Cache make_cache(Graph<T>& g, int seqs);
  Var<T> decoder(Graph<T>& g, const std::vector<Var<T>>& kv, const int* ids, int seqs, int len, int group,
                 uint64_t dropout_seed, Cache* cache = nullptr, int pos0 = 0);
  // The same without a cache, each layer projecting memory [batch, 3·S², c] to its keys and values
  // itself (training: with recomputation, a layer's keys and values then live only while it runs).
  // Gives decoder(g, memory_kv(g, memory, batch), ...)'s values and gradients bit for bit.
  Var<T> train_decoder(Graph<T>& g, Var<T> memory, int batch, const int* ids, int seqs, int len, int group,
                       uint64_t dropout_seed);
  // Logits [rows, vocab] = Linear(ReLU(features [rows, width])).
  Var<T> policy_logits(Graph<T>& g, Var<T> feat, int rows);
  // Quantiles [rows, quantiles] from first-token features [rows, width].
  Var<T> value_head(Graph<T>& g, Var<T> feat, int rows);

  // Forward pass of a training batch; with backward, adds the gradients of `total` to grads().
  // Examples may have different numbers of target actions (padded with zero weights).
  Losses loss(const std::vector<TrainExample>& batch, uint64_t dropout_seed, bool backward);
  Losses loss(const BatchInputs<T>& inputs, uint64_t dropout_seed, bool backward);
  BatchInputs<T> prepare(const std::vector<TrainExample>& batch) const;

  // Whether a training pass over `batch` states recomputes (recompute_training with the backend's
  // available memory: host MemAvailable or the cgroup's headroom).
  bool recomputes(int batch) const;

 private:
  struct Lin { Var<T> w, b; int in, out; };
  struct Norm { Var<T> g, b; int dim; };
  struct TorsoBlock { Norm ln1, ln2; Lin qkv, out, fc1, fc2; };
  struct DecoderLayer { Norm ln1, ln2, ln3; Lin qkv, self_out, q, kv, cross_out, fc1, fc2; };

  Var<T> add_param(const std::string& name, std::vector<int> shape);
  Lin add_linear(const std::string& name, int in, int out);
  Norm add_norm(const std::string& name, int dim);
  Var<T> apply(Graph<T>& g, const Lin& l, Var<T> x, int rows) { return g.linear(x, l.w, l.b, rows, l.in, l.out); }
  Var<T> apply(Graph<T>& g, const Norm& n, Var<T> x, int rows) { return g.layernorm(x, n.g, n.b, rows, n.dim); }
  // The decoder's self- and cross-attention shapes (throws on bad positions).
  struct DecoderShapes { AttentionShape self, cross; };
  DecoderShapes decoder_shapes(int seqs, int len, int group, const Cache* cache, int pos0) const;
  // Token and position embeddings of ids [seqs, len] at positions pos0.. : [seqs·len, width].
  Var<T> embed(Graph<T>& g, const int* ids, int seqs, int len, int pos0);
  // Decoder layer li on x [seqs·len, width] against the memory's keys and values kv.
  Var<T> decoder_layer(Graph<T>& g, size_t li, Var<T> x, Var<T> kv, const DecoderShapes& sh, uint64_t dropout_seed,
                       Cache* cache, int pos0);
  // Pre-LN residual MLP: x + fc2(gelu(fc1(ln(x)))).
  Var<T> mlp(Graph<T>& g, const Norm& n, const Lin& fc1, const Lin& fc2, Var<T> x, int rows);

  ModelConfig cfg_;
  Backend<T>& be_;
  TokenCodec codec_;
  std::vector<ParamInfo> info_;
  size_t count_ = 0;
  T* params_ = nullptr;
  T* grads_ = nullptr;

  Lin in_proj_[3];
  std::vector<TorsoBlock> torso_;  // torso_layers × 3 pairs
  Norm torso_norm_;
  Var<T> tok_emb_, pos_emb_;
  std::vector<DecoderLayer> dec_;
  Norm dec_norm_;
  Lin policy_out_;
  Lin value_[4];
};

// Analytic forward FLOPs (multiply-add = 2; elementwise ops not counted). Torso and memory
// projections of one state; decoder layers over `seqs` sequences of `len` tokens; policy logits for
// `logit_rows` rows and the value head for `value_rows` rows.
double torso_flops(const ModelConfig& c);
double decoder_flops(const ModelConfig& c, int seqs, int len);
double head_flops(const ModelConfig& c, int logit_rows, int value_rows);

// Memory of a training pass over `batch` states: the bytes of the activations that recomputation
// frees (the torso blocks' insides, the decoder's keys and values of the memory and their
// gradients; an estimate), and whether the pass recomputes: c.recompute; auto: when those bytes
// exceed half of `available` (0: unknown, no), leaving the rest to the kept values, their
// gradients and the process.
double recomputable_bytes(const ModelConfig& c, int batch);
bool recompute_training(const ModelConfig& c, int batch, size_t available);

}  // namespace at::nn
