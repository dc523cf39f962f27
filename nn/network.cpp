#include "nn/network.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "kernels/nvtx.hpp"

namespace at::nn {

double risk_seeking_value(const std::vector<double>& q) {
  double sum = 0;
  int n = 0;
  for (size_t i = 0; i < q.size(); ++i)
    if ((double(i) + 0.5) / double(q.size()) >= 0.75) {
      sum += q[i];
      ++n;
    }
  return n ? sum / n : 0.0;
}

std::vector<TrainExample> demonstration_examples(const Demonstration& d, Field f, const TokenCodec& codec, Symmetry sym) {
  std::vector<TrainExample> out;
  TensorI8 state = d.tensor;
  const int R = int(d.actions.size());
  int terms_left = int(game_terms(d.actions, sym).size());
  for (int i = 0; i < R; ++i) {
    TrainExample e;
    e.state.tensor = state;
    e.state.history.assign(d.actions.begin(), d.actions.begin() + i);
    e.state.move = i;
    e.tokens.push_back(codec.encode(d.actions[i]));
    e.value = -double(terms_left);
    out.push_back(std::move(e));
    play_move(state, d.actions[i], f, sym);
    terms_left -= move_cost(d.actions[i], sym);
  }
  return out;
}

Network::Network(const ModelConfig& cfg, Backend<float>& be, uint64_t seed)
    : model_(cfg, be), be_(be), rng_(Rng::stream(seed, 1)) {
  m_ = be_.alloc(model_.num_params());
  v_ = be_.alloc(model_.num_params());
  model_.init(seed);
  bf16_ = be_.set_bf16_inference(cfg.bf16) && cfg.bf16;
}

std::vector<Evaluation> Network::evaluate(const std::vector<const NetState*>& states, int samples,
                                          double temperature, Rng& rng) {
  std::vector<uint64_t> seeds(states.size());
  for (uint64_t& s : seeds) s = rng.next();
  return evaluate(states, samples, temperature, seeds);
}

std::vector<Evaluation> Network::evaluate(const std::vector<const NetState*>& states, int samples,
                                          double temperature, const std::vector<uint64_t>& seeds) {
  if (seeds.size() != states.size()) throw std::invalid_argument("evaluate: one seed per state");
  std::vector<Rng> rngs;
  for (uint64_t s : seeds) rngs.emplace_back(s);
  if (samples < 1 || !(temperature > 0)) throw std::invalid_argument("evaluate: need samples >= 1 and temperature > 0");
  const ModelConfig& cfg = config();
  const int B = int(states.size()), K = samples, seqs = B * K, k = model_.codec().num_tokens();
  const int V = model_.codec().vocab_size(), D = cfg.dec_width(), Q = cfg.quantiles;
  std::vector<Evaluation> out(B);
  if (B == 0) return out;
  be_.scratch_reset();
  const NvtxRange range("inference");
  Graph<float> g(be_, false);
  const std::vector<Var<float>> kv = memory_kv(g, states);

  // Incremental decoding: step t feeds the token sampled at step t - 1 (the start symbol first)
  // and reads the earlier positions from the cache.
  typename Model<float>::Cache cache = model_.make_cache(g, seqs);
  std::vector<int> tokens(size_t(seqs) * k, 0), ids(seqs, V);
  std::vector<float> logits(size_t(seqs) * V);
  std::vector<double> p(V);
  for (int t = 0; t < k; ++t) {
    if (t > 0)
      for (int s = 0; s < seqs; ++s) ids[s] = tokens[size_t(s) * k + t - 1];
    int* ids_dev = be_.scratch_int(seqs);
    be_.upload_int(ids_dev, ids.data(), seqs);
    const Var<float> last = model_.decoder(g, kv, ids_dev, seqs, 1, K, 0, &cache, t);  // [seqs, D]
    if (t == 0) {  // the value head reads the unconditioned first token (the same for all K samples)
      Var<float> first = g.make(size_t(B) * D);
      g.copy2d(last, K * D, first, D, B, D);
      std::vector<float> qh(size_t(B) * Q);
      be_.download(qh.data(), model_.value_head(g, first, B).v, qh.size());
      for (int b = 0; b < B; ++b) {
        out[b].quantiles.assign(qh.begin() + size_t(b) * Q, qh.begin() + size_t(b + 1) * Q);
        out[b].value = risk_seeking_value(out[b].quantiles);
      }
    }
    be_.download(logits.data(), model_.policy_logits(g, last, seqs).v, logits.size());
    for (int s = 0; s < seqs; ++s) {
      const float* z = logits.data() + size_t(s) * V;
      double mx = z[0];
      for (int j = 1; j < V; ++j) mx = std::max(mx, double(z[j]));
      for (int j = 0; j < V; ++j) p[j] = std::exp((double(z[j]) - mx) / temperature);
      tokens[size_t(s) * k + t] = rngs[size_t(s / K)].categorical(p);
    }
  }
  be_.scratch_reset();

  for (int b = 0; b < B; ++b) {
    const TensorI8& x = states[b]->tensor;
    std::vector<int> count;
    int decoded = 0;
    for (int s = 0; s < K; ++s) {
      const std::vector<int> seq(tokens.begin() + size_t(b * K + s) * k, tokens.begin() + size_t(b * K + s + 1) * k);
      Action a;
      if (!model_.codec().decode(seq, x.dim(0), x.dim(1), x.dim(2), &a)) continue;
      ++decoded;
      size_t i = 0;
      while (i < out[b].actions.size() && out[b].actions[i] != a) ++i;
      if (i == out[b].actions.size()) {
        out[b].actions.push_back(a);
        count.push_back(0);
      }
      ++count[i];
    }
    for (int c : count) out[b].probs.push_back(double(c) / decoded);
  }
  return out;
}

std::vector<Var<float>> Network::memory_kv(Graph<float>& g, const std::vector<const NetState*>& states) {
  const int B = int(states.size());
  const std::vector<float> feat_host = model_.features(states);
  float* feat = be_.scratch(feat_host.size());
  be_.upload(feat, feat_host.data(), feat_host.size());
  return model_.memory_kv(g, model_.torso(g, feat, B), B);
}

std::vector<float> Network::first_logits(const std::vector<const NetState*>& states) {
  const int B = int(states.size()), V = model_.codec().vocab_size();
  std::vector<float> logits(size_t(B) * V);
  if (B == 0) return logits;
  be_.scratch_reset();
  Graph<float> g(be_, false);
  const std::vector<Var<float>> kv = memory_kv(g, states);
  const std::vector<int> start(B, V);
  int* ids = be_.scratch_int(B);
  be_.upload_int(ids, start.data(), B);
  const Var<float> first = model_.decoder(g, kv, ids, B, 1, 1, 0);
  be_.download(logits.data(), model_.policy_logits(g, first, B).v, logits.size());
  be_.scratch_reset();
  return logits;
}

namespace {
std::vector<double> softmax(const float* z, size_t n) {
  const double mx = *std::max_element(z, z + n);
  std::vector<double> p(n);
  double sum = 0;
  for (size_t j = 0; j < n; ++j) sum += p[j] = std::exp(double(z[j]) - mx);
  for (double& x : p) x /= sum;
  return p;
}
}  // namespace

Bf16Difference bf16_difference(Network& net, const std::vector<const NetState*>& states, int samples,
                               double temperature, uint64_t seed) {
  Backend<float>& be = net.model().backend();
  std::vector<uint64_t> seeds;
  Rng rng(seed);
  for (size_t i = 0; i < states.size(); ++i) seeds.push_back(rng.next());
  auto answers = [&](bool bf16) {
    if (be.set_bf16_inference(bf16) != true) throw std::logic_error("bf16_difference: the backend has no bf16");
    return std::make_pair(net.first_logits(states), net.evaluate(states, samples, temperature, seeds));
  };
  const auto want = answers(false), got = answers(true);
  Bf16Difference d;
  d.states = int(states.size());
  for (size_t i = 0; i < want.first.size(); ++i) {
    const double e = std::abs(double(got.first[i]) - want.first[i]);
    d.logit_max = std::max(d.logit_max, e);
    d.logit_mean += e / double(want.first.size());
  }
  const size_t V = want.first.size() / states.size();
  for (size_t b = 0; b < states.size(); ++b) {
    const float *w = want.first.data() + b * V, *g = got.first.data() + b * V;
    const std::vector<double> pw = softmax(w, V), pg = softmax(g, V);
    double tv = 0;
    for (size_t j = 0; j < V; ++j) tv += 0.5 * std::abs(pg[j] - pw[j]);
    d.tv_max = std::max(d.tv_max, tv);
    d.tv_mean += tv / double(states.size());
    d.same_argmax += std::max_element(w, w + V) - w == std::max_element(g, g + V) - g;
  }
  for (size_t b = 0; b < states.size(); ++b) {
    const Evaluation &w = want.second[b], &g = got.second[b];
    const double e = std::abs(g.value - w.value);
    d.value_max = std::max(d.value_max, e);
    d.value_mean += e / double(states.size());
    d.same_samples += g.actions == w.actions && g.probs == w.probs;
  }
  return d;
}

TrainStats Network::train_step(const std::vector<TrainExample>& batch) {
  const ModelConfig& cfg = config();
  const size_t n = model_.num_params();
  be_.scratch_reset();
  be_.zero(model_.grads(), n);
  TrainStats st;
  st.losses = model_.loss(batch, rng_.next(), true);
  float* norm_sq = be_.scratch(1);
  be_.sum_squares(model_.grads(), n, norm_sq);
  float host_norm = 0;
  be_.download(&host_norm, norm_sq, 1);
  st.grad_norm = std::sqrt(double(host_norm));
  AdamWParams a;
  a.lr = cfg.lr;
  a.beta1 = cfg.beta1;
  a.beta2 = cfg.beta2;
  a.eps = cfg.adam_eps;
  a.weight_decay = cfg.weight_decay;
  a.max_norm = cfg.clip_norm;
  a.step = ++step_;
  const NvtxRange range("optimizer step");
  be_.adamw_step(model_.params(), model_.grads(), m_, v_, n, norm_sq, a);
  be_.scratch_reset();
  st.step = step_;
  return st;
}

std::vector<float> Network::get_params() {
  std::vector<float> p(model_.num_params());
  be_.download(p.data(), model_.params(), p.size());
  return p;
}

void Network::set_params(const std::vector<float>& p) {
  if (p.size() != model_.num_params()) throw std::invalid_argument("set_params: wrong parameter count");
  be_.upload(model_.params(), p.data(), p.size());
}

}  // namespace at::nn
