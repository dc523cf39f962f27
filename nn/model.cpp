#include "nn/model.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>

#include "core/rng.hpp"
#include "kernels/nvtx.hpp"

namespace at::nn {
namespace {

// The pairs of grids attended together in each attentive-modes block, in order.
constexpr int kPairs[3][2] = {{0, 1}, {2, 0}, {1, 2}};

double normal(Rng& rng) {  // Box-Muller from our own uniform draws (deterministic everywhere)
  const double u1 = 1.0 - rng.uniform01(), u2 = rng.uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

uint64_t mix(uint64_t seed, uint64_t i) { return seed ^ (0x9E3779B97F4A7C15ULL * (i + 1)); }

}  // namespace

size_t ParamInfo::size() const {
  size_t n = 1;
  for (int d : shape) n *= size_t(d);
  return n;
}

template <typename T>
Var<T> Model<T>::add_param(const std::string& name, std::vector<int> shape) {
  ParamInfo p{name, count_, std::move(shape)};
  count_ += p.size();
  info_.push_back(p);
  if (!params_) return {};
  return Var<T>::fixed(params_ + p.offset, grads_ + p.offset, p.size());
}

template <typename T>
typename Model<T>::Lin Model<T>::add_linear(const std::string& name, int in, int out) {
  return {add_param(name + ".weight", {in, out}), add_param(name + ".bias", {out}), in, out};
}

template <typename T>
typename Model<T>::Norm Model<T>::add_norm(const std::string& name, int dim) {
  return {add_param(name + ".gamma", {dim}), add_param(name + ".beta", {dim}), dim};
}

template <typename T>
Model<T>::Model(const ModelConfig& cfg, Backend<T>& be)
    : cfg_(cfg), be_(be), codec_(cfg.S, cfg.token_d, cfg.field, cfg.coefficient_bound) {
  cfg_.validate();
  const int c = cfg.c, A = cfg.torso_width(), D = cfg.dec_width(), F = cfg.input_features();
  // Two passes: the first lays out the parameters, the second binds them to the allocated buffer.
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      params_ = be_.alloc(count_);
      grads_ = be_.alloc(count_);
      info_.clear();
      count_ = 0;
    }
    for (int g = 0; g < 3; ++g) in_proj_[g] = add_linear("torso.input" + std::to_string(g), F, c);
    torso_.clear();
    for (int l = 0; l < cfg.torso_layers; ++l)
      for (int p = 0; p < 3; ++p) {
        const std::string n = "torso.block" + std::to_string(l) + ".pair" + std::to_string(p);
        torso_.push_back({add_norm(n + ".ln1", c), add_norm(n + ".ln2", c), add_linear(n + ".qkv", c, 3 * A),
                          add_linear(n + ".out", A, c), add_linear(n + ".fc1", c, cfg.mlp_factor * c),
                          add_linear(n + ".fc2", cfg.mlp_factor * c, c)});
      }
    torso_norm_ = add_norm("torso.norm", c);
    tok_emb_ = add_param("policy.token_embedding", {codec_.vocab_size() + 1, D});
    pos_emb_ = add_param("policy.position_embedding", {codec_.num_tokens(), D});
    dec_.clear();
    for (int l = 0; l < cfg.dec_layers; ++l) {
      const std::string n = "policy.layer" + std::to_string(l);
      dec_.push_back({add_norm(n + ".ln1", D), add_norm(n + ".ln2", D), add_norm(n + ".ln3", D),
                      add_linear(n + ".qkv", D, 3 * D), add_linear(n + ".self_out", D, D), add_linear(n + ".q", D, D),
                      add_linear(n + ".kv", c, 2 * D), add_linear(n + ".cross_out", D, D),
                      add_linear(n + ".fc1", D, cfg.mlp_factor * D), add_linear(n + ".fc2", cfg.mlp_factor * D, D)});
    }
    dec_norm_ = add_norm("policy.norm", D);
    policy_out_ = add_linear("policy.out", D, codec_.vocab_size());
    const int vw = cfg.value_width;
    value_[0] = add_linear("value.fc0", D, vw);
    value_[1] = add_linear("value.fc1", vw, vw);
    value_[2] = add_linear("value.fc2", vw, vw);
    value_[3] = add_linear("value.out", vw, cfg.quantiles);
  }
}

template <typename T>
void Model<T>::init(uint64_t seed) {
  Rng rng(seed);
  std::vector<T> host(count_, T(0));
  for (const ParamInfo& p : info_) {
    const std::string& n = p.name;
    auto ends = [&](const std::string& s) { return n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0; };
    T* dst = host.data() + p.offset;
    if (ends(".gamma")) {
      std::fill(dst, dst + p.size(), T(1));
    } else if (ends(".weight") || ends("_embedding")) {
      const double scale = 1.0 / std::sqrt(double(ends(".weight") ? p.shape[0] : p.shape[1]));
      for (size_t i = 0; i < p.size(); ++i) dst[i] = T(scale * normal(rng));
    }
  }
  be_.upload(params_, host.data(), count_);
}

template <typename T>
std::vector<T> Model<T>::features(const std::vector<const NetState*>& states) const {
  const int S = cfg_.S, h = cfg_.history, F = cfg_.input_features(), B = int(states.size());
  std::vector<T> out(size_t(3) * B * S * S * F, T(0));
  for (int b = 0; b < B; ++b) {
    const NetState& st = *states[b];
    const int d[3] = {st.tensor.dim(0), st.tensor.dim(1), st.tensor.dim(2)};
    if (d[0] > S || d[1] > S || d[2] > S) throw std::invalid_argument("network input: tensor larger than S");
    // x(t, i0, i1, i2): time step 0 = the state, t >= 1 = the t-th most recent action as u⊗v⊗w.
    auto put = [&](int t, int i0, int i1, int i2, T value) {
      const int idx[3] = {i0, i1, i2};
      for (int g = 0; g < 3; ++g) {
        const int a = idx[g], c = idx[(g + 1) % 3], f = idx[(g + 2) % 3];
        out[((size_t(g) * B + b) * S * S + size_t(a) * S + c) * F + size_t(t) * S + f] = value;
      }
    };
    for (int i = 0; i < d[0]; ++i)
      for (int j = 0; j < d[1]; ++j)
        for (int k = 0; k < d[2]; ++k)
          if (st.tensor(i, j, k)) put(0, i, j, k, T(st.tensor(i, j, k)));
    const int hist = int(st.history.size());
    for (int t = 1; t <= h && t <= hist; ++t) {
      const Action& a = st.history[hist - t];
      for (size_t i = 0; i < a.u.size(); ++i)
        for (size_t j = 0; j < a.v.size(); ++j)
          for (size_t k = 0; k < a.w.size(); ++k) {
            const int e = a.u[i] * a.v[j] * a.w[k];
            if (e != 0) put(t, int(i), int(j), int(k), T(e));
          }
    }
    const T scalar = T(st.move / cfg_.move_scale);
    for (int g = 0; g < 3; ++g)
      for (int p = 0; p < S * S; ++p) out[((size_t(g) * B + b) * S * S + p) * F + F - 1] = scalar;
  }
  return out;
}

template <typename T>
Var<T> Model<T>::mlp(Graph<T>& g, const Norm& n, const Lin& fc1, const Lin& fc2, Var<T> x, int rows) {
  const Var<T> hidden = g.gelu(apply(g, fc1, apply(g, n, x, rows), rows));
  return g.add(x, apply(g, fc2, hidden, rows));
}

template <typename T>
Var<T> Model<T>::torso(Graph<T>& g, const T* features, int batch) {
  const int S = cfg_.S, c = cfg_.c, A = cfg_.torso_width(), F = cfg_.input_features();
  const size_t grid_in = size_t(batch) * S * S * F;
  // The features need no gradient (nor a copy): read only.
  const Var<T> input = Var<T>::fixed(const_cast<T*>(features), nullptr, 3 * grid_in);
  Var<T> grid[3];
  for (int k = 0; k < 3; ++k) grid[k] = apply(g, in_proj_[k], input.at(k * grid_in), batch * S * S);

  const int rows = batch * S * 2 * S;
  AttentionShape s;
  s.batch = batch * S;  // one attention per row of the S×2S grid
  s.lq = s.lk = 2 * S;
  s.heads = cfg_.torso_heads;
  s.head_dim = cfg_.torso_head_dim;
  s.q_ld = s.kv_ld = 3 * A;
  const size_t grid_size = size_t(batch) * S * S * c;
  for (size_t blk = 0; blk < torso_.size(); ++blk) {
    const TorsoBlock& t = torso_[blk];
    const int a = kPairs[blk % 3][0], b = kPairs[blk % 3][1];
    // One attentive-modes block on grids (a, b); recomputed in the backward pass when asked.
    const auto f = [this, &t, s, batch, S, c, A, rows](Graph<T>& gr, const std::vector<Var<T>>& in) {
      Var<T> x = gr.modes_concat(in[0], in[1], batch, S, c);
      const Var<T> qkv = apply(gr, t.qkv, apply(gr, t.ln1, x, rows), rows);
      const Var<T> att = gr.attention(qkv, qkv.at(A), qkv.at(2 * A), s);
      x = gr.add(x, apply(gr, t.out, att, rows));
      x = mlp(gr, t.ln2, t.fc1, t.fc2, x, rows);
      std::vector<Var<T>> out(2);
      gr.modes_split(x, &out[0], &out[1], batch, S, c);
      return out;
    };
    const std::vector<Var<T>> out = g.block(f, {grid[a], grid[b]}, {grid_size, grid_size});
    grid[a] = out[0];
    grid[b] = out[1];
  }
  const int cells = S * S * c;
  Var<T> memory = g.make_out(size_t(batch) * 3 * cells);
  for (int k = 0; k < 3; ++k) g.copy2d(grid[k], cells, memory.at(size_t(k) * cells), 3 * cells, batch, cells);
  return apply(g, torso_norm_, memory, batch * 3 * S * S);
}

template <typename T>
std::vector<Var<T>> Model<T>::memory_kv(Graph<T>& g, Var<T> memory, int batch) {
  std::vector<Var<T>> kv;
  for (const DecoderLayer& l : dec_) kv.push_back(apply(g, l.kv, memory, batch * 3 * cfg_.S * cfg_.S));
  return kv;
}

template <typename T>
typename Model<T>::Cache Model<T>::make_cache(Graph<T>& g, int seqs) {
  Cache c;
  c.max_len = codec_.num_tokens();
  for (size_t l = 0; l < dec_.size(); ++l) c.qkv.push_back(g.make(size_t(seqs) * c.max_len * 3 * cfg_.dec_width()));
  return c;
}

template <typename T>
typename Model<T>::DecoderShapes Model<T>::decoder_shapes(int seqs, int len, int group, const Cache* cache,
                                                         int pos0) const {
  if (pos0 + len > codec_.num_tokens() || (!cache && pos0 != 0)) throw std::invalid_argument("decoder: bad positions");
  const int D = cfg_.dec_width();
  DecoderShapes sh;
  AttentionShape& self = sh.self;
  self.batch = seqs;
  self.lq = len;
  self.lk = pos0 + len;
  self.heads = cfg_.dec_heads;
  self.head_dim = cfg_.dec_head_dim;
  self.q_ld = self.kv_ld = 3 * D;
  if (cache) self.kv_stride = cache->max_len * 3 * D;
  self.causal = true;
  AttentionShape& cross = sh.cross;
  cross = self;
  cross.lk = 3 * cfg_.S * cfg_.S;
  cross.q_ld = D;
  cross.kv_ld = 2 * D;
  cross.kv_stride = 0;
  cross.kv_group = group;
  cross.causal = false;
  return sh;
}

template <typename T>
Var<T> Model<T>::embed(Graph<T>& g, const int* ids, int seqs, int len, int pos0) {
  const int D = cfg_.dec_width(), rows = seqs * len;
  std::vector<int> pos_host(rows);
  for (int r = 0; r < rows; ++r) pos_host[r] = pos0 + r % len;
  int* pos = be_.scratch_int(rows);
  be_.upload_int(pos, pos_host.data(), rows);
  return g.add(g.embedding(tok_emb_, ids, rows, D), g.embedding(pos_emb_, pos, rows, D));
}

template <typename T>
Var<T> Model<T>::decoder_layer(Graph<T>& g, size_t li, Var<T> x, Var<T> kv, const DecoderShapes& sh,
                               uint64_t dropout_seed, Cache* cache, int pos0) {
  const DecoderLayer& l = dec_[li];
  const int D = cfg_.dec_width(), seqs = sh.self.batch, len = sh.self.lq, rows = seqs * len;
  const uint64_t drop = 3 * li;  // the layer's three dropout masks
  const Var<T> qkv = apply(g, l.qkv, apply(g, l.ln1, x, rows), rows);
  Var<T> keys = qkv;
  if (cache) {
    keys = cache->qkv[li];
    g.copy2d(qkv, len * 3 * D, keys.at(size_t(pos0) * 3 * D), sh.self.kv_stride, seqs, len * 3 * D);
  }
  const Var<T> sa = apply(g, l.self_out, g.attention(qkv, keys.at(D), keys.at(2 * D), sh.self), rows);
  x = g.add(x, g.dropout(sa, cfg_.dropout, mix(dropout_seed, drop)));
  const Var<T> q = apply(g, l.q, apply(g, l.ln2, x, rows), rows);
  const Var<T> ca = apply(g, l.cross_out, g.attention(q, kv, kv.at(D), sh.cross), rows);
  x = g.add(x, g.dropout(ca, cfg_.dropout, mix(dropout_seed, drop + 1)));
  const Var<T> hidden = g.gelu(apply(g, l.fc1, apply(g, l.ln3, x, rows), rows));
  return g.add(x, g.dropout(apply(g, l.fc2, hidden, rows), cfg_.dropout, mix(dropout_seed, drop + 2)));
}

template <typename T>
Var<T> Model<T>::decoder(Graph<T>& g, const std::vector<Var<T>>& kv, const int* ids, int seqs, int len, int group,
                         uint64_t dropout_seed, Cache* cache, int pos0) {
  const DecoderShapes sh = decoder_shapes(seqs, len, group, cache, pos0);
  Var<T> x = embed(g, ids, seqs, len, pos0);
  for (size_t li = 0; li < dec_.size(); ++li) x = decoder_layer(g, li, x, kv[li], sh, dropout_seed, cache, pos0);
  return apply(g, dec_norm_, x, seqs * len);
}

template <typename T>
Var<T> Model<T>::train_decoder(Graph<T>& g, Var<T> memory, int batch, const int* ids, int seqs, int len, int group,
                               uint64_t dropout_seed) {
  const DecoderShapes sh = decoder_shapes(seqs, len, group, nullptr, 0);
  const int cells = batch * 3 * cfg_.S * cfg_.S, rows = seqs * len;
  Var<T> x = embed(g, ids, seqs, len, 0);
  for (size_t li = 0; li < dec_.size(); ++li) {
    // The layer with its projection of the memory, recomputed in the backward pass when asked:
    // the keys and values ([batch, 3S², 2·width], the decoder's largest values) then live only
    // while their layer runs.
    const auto f = [this, li, sh, dropout_seed, cells](Graph<T>& gr, const std::vector<Var<T>>& in) {
      const Var<T> kv = apply(gr, dec_[li].kv, in[1], cells);
      return std::vector<Var<T>>{decoder_layer(gr, li, in[0], kv, sh, dropout_seed, nullptr, 0)};
    };
    x = g.block(f, {x, memory}, {size_t(rows) * cfg_.dec_width()})[0];
  }
  return apply(g, dec_norm_, x, rows);
}

template <typename T>
Var<T> Model<T>::policy_logits(Graph<T>& g, Var<T> feat, int rows) {
  return apply(g, policy_out_, g.relu(feat), rows);
}

template <typename T>
Var<T> Model<T>::value_head(Graph<T>& g, Var<T> feat, int rows) {
  Var<T> x = feat;
  for (int i = 0; i < 3; ++i) x = g.relu(apply(g, value_[i], x, rows));
  return apply(g, value_[3], x, rows);
}

template <typename T>
BatchInputs<T> Model<T>::prepare(const std::vector<TrainExample>& batch) const {
  const int B = int(batch.size()), k = codec_.num_tokens(), V = codec_.vocab_size();
  if (B == 0) throw std::invalid_argument("training batch is empty");
  BatchInputs<T> in;
  in.batch = B;
  in.actions = 1;
  for (const TrainExample& e : batch) {
    if (e.tokens.empty()) throw std::invalid_argument("training example without a target action");
    if (!e.weights.empty() && e.weights.size() != e.tokens.size())
      throw std::invalid_argument("training example: weights and targets differ in number");
    in.actions = std::max(in.actions, int(e.tokens.size()));
  }
  const int A = in.actions, rows = B * A * k;
  const double vscale = cfg_.value_loss_weight;
  in.ids.resize(rows);
  in.targets.resize(rows);
  in.weights.assign(rows, T(0));
  in.values.resize(B);
  in.value_weights.assign(B, T((vscale > 0 ? vscale : 1.0) / B));
  std::vector<const NetState*> states;
  for (int b = 0; b < B; ++b) {
    const TrainExample& e = batch[b];
    states.push_back(&e.state);
    in.values[b] = T(e.value);
    double total = 0;
    for (size_t a = 0; a < e.tokens.size(); ++a) total += e.weights.empty() ? 1.0 : e.weights[a];
    if (!(total > 0)) throw std::invalid_argument("training example: target weights sum to zero");
    for (int a = 0; a < A; ++a) {
      const bool real = a < int(e.tokens.size());
      const std::vector<int>& tok = e.tokens[real ? a : 0];
      if (int(tok.size()) != k) throw std::invalid_argument("training example: target has the wrong number of tokens");
      const double w = real ? (e.weights.empty() ? 1.0 : e.weights[a]) / total / B : 0.0;
      for (int t = 0; t < k; ++t) {
        if (tok[t] < 0 || tok[t] >= V) throw std::invalid_argument("training example: token outside the vocabulary");
        const int r = (b * A + a) * k + t;
        in.ids[r] = t == 0 ? V : tok[t - 1];  // teacher forcing: shifted targets after a start symbol
        in.targets[r] = tok[t];
        in.weights[r] = T(w);
      }
    }
  }
  in.features = features(states);
  return in;
}

template <typename T>
Losses Model<T>::loss(const std::vector<TrainExample>& batch, uint64_t dropout_seed, bool backward) {
  return loss(prepare(batch), dropout_seed, backward);
}

template <typename T>
Losses Model<T>::loss(const BatchInputs<T>& in, uint64_t dropout_seed, bool backward) {
  const int B = in.batch, A = in.actions, k = codec_.num_tokens(), V = codec_.vocab_size(), D = cfg_.dec_width();
  const int seqs = B * A, rows = seqs * k;
  const double vscale = cfg_.value_loss_weight;
  Graph<T> g(be_, true, backward && recomputes(B));  // training mode (dropout) also for the loss alone
  std::optional<NvtxRange> forward_range(std::in_place, "forward");  // closed before backward, or by an exception
  T* feat = be_.scratch(in.features.size());
  be_.upload(feat, in.features.data(), in.features.size());
  int* ids_dev = be_.scratch_int(rows);
  int* targets_dev = be_.scratch_int(rows);
  be_.upload_int(ids_dev, in.ids.data(), rows);
  be_.upload_int(targets_dev, in.targets.data(), rows);
  T* w_dev = be_.scratch(rows);
  be_.upload(w_dev, in.weights.data(), rows);
  T* vt_dev = be_.scratch(B);
  T* vw_dev = be_.scratch(B);
  be_.upload(vt_dev, in.values.data(), B);
  be_.upload(vw_dev, in.value_weights.data(), B);

  const Var<T> memory = torso(g, feat, B);
  const Var<T> dec = train_decoder(g, memory, B, ids_dev, seqs, k, A, dropout_seed);
  const Var<T> logits = policy_logits(g, dec, rows);
  // First-token features of the first sequence of each example (all of an example's sequences
  // share it up to dropout).
  Var<T> first = g.make_out(size_t(B) * D);
  g.copy2d(dec, A * k * D, first, D, B, D);
  const Var<T> quant = value_head(g, first, B);

  // The value weight scales the value rows' gradient; the reported value loss is unscaled.
  T* row_loss = be_.scratch(rows);
  T* value_loss = be_.scratch(B);
  be_.softmax_xent(logits.v, targets_dev, w_dev, row_loss, g.grad(logits), rows, V);
  be_.quantile_huber(quant.v, vt_dev, vw_dev, value_loss, vscale > 0 ? g.grad(quant) : nullptr, B, cfg_.quantiles, 1.0);
  std::vector<T> pl(rows), vl(B);
  be_.download(pl.data(), row_loss, rows);
  be_.download(vl.data(), value_loss, B);
  forward_range.reset();
  if (backward) {
    const NvtxRange range("backward");
    g.backward();
  }
  Losses out;
  for (T x : pl) out.policy += double(x);
  for (T x : vl) out.value += double(x);
  if (vscale > 0) out.value /= vscale;
  out.total = out.policy + cfg_.value_loss_weight * out.value;
  return out;
}

template <typename T>
bool Model<T>::recomputes(int batch) const {
  return recompute_training(cfg_, batch, be_.memory_available());
}

double torso_flops(const ModelConfig& c) {
  const double S = c.S, cc = c.c, A = c.torso_width(), D = c.dec_width(), cells = 3 * S * S;
  const double rows = 2 * S * S, L = 2 * S;  // tokens of one pair attention, its sequence length
  const double block = 2 * rows * cc * 3 * A + 4 * S * L * L * A + 2 * rows * A * cc + 4 * rows * cc * c.mlp_factor * cc;
  return 2 * cells * c.input_features() * cc + 3 * c.torso_layers * block + c.dec_layers * 2 * cells * cc * 2 * D;
}

double decoder_flops(const ModelConfig& c, int seqs, int len) {
  const double D = c.dec_width(), cells = 3.0 * c.S * c.S, t = double(seqs) * len;
  const double layer = 2 * t * D * 3 * D + 4 * seqs * double(len) * len * D + 2 * t * D * D +  // self-attention
                       2 * t * D * D + 4 * t * cells * D + 2 * t * D * D +                       // cross-attention
                       4 * t * D * c.mlp_factor * D;                                           // MLP
  return c.dec_layers * layer;
}

double head_flops(const ModelConfig& c, int logit_rows, int value_rows) {
  const double D = c.dec_width(), vw = c.value_width;
  return 2 * double(logit_rows) * D * c.vocab() + 2 * double(value_rows) * (D * vw + 2 * vw * vw + vw * c.quantiles);
}

double recomputable_bytes(const ModelConfig& c, int batch) {
  const double S = c.S, cc = c.c, A = c.torso_width(), m = c.mlp_factor, blocks = 3.0 * c.torso_layers;
  // Per row of a torso block's S×2S grid: the values its ops make (torso() and Graph's ops,
  // counted by hand) and the attention probabilities; per memory cell and decoder layer, the keys
  // and values and their gradients.
  const double per_row = 9 * cc + 4 * A + 2 * m * cc + 4 + c.torso_heads * 2 * S;
  const double kv = 2.0 * 3 * S * S * 2 * c.dec_width() * c.dec_layers;
  return double(sizeof(float)) * batch * (2 * S * S * per_row * blocks + kv);
}

bool recompute_training(const ModelConfig& c, int batch, size_t available) {
  if (c.recompute != Recompute::Auto) return c.recompute == Recompute::On;
  return available > 0 && recomputable_bytes(c, batch) > 0.5 * double(available);
}

template class Model<float>;
template class Model<double>;

}  // namespace at::nn
