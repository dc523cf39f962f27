#include "mcts/fake_networks.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "core/rng.hpp"

namespace at::mcts {

Answer merge_samples(std::vector<Action> samples, float value) {
  Answer a;
  a.value = value;
  if (samples.empty()) return a;
  // Sort for a deterministic order independent of hashing.
  auto key = [](const Action& x) { return std::make_tuple(x.u, x.v, x.w); };
  std::sort(samples.begin(), samples.end(), [&](const Action& x, const Action& y) { return key(x) < key(y); });
  const float w = 1.0f / float(samples.size());
  for (Action& s : samples) {
    if (!a.actions.empty() && a.actions.back() == s) {
      a.priors.back() += w;
    } else {
      a.actions.push_back(std::move(s));
      a.priors.push_back(w);
    }
  }
  return a;
}

namespace {

Action random_action(const Query& q, const SyntheticConfig& dist, Rng& rng) {
  return sample_action(q.state.dim(0), q.state.dim(1), q.state.dim(2), q.field, dist, rng);
}

}  // namespace

void UniformNetwork::evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) {
  out.resize(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const Query& q = *batch[i];
    Rng rng(q.seed);
    std::vector<Action> samples;
    for (int s = 0; s < k_; ++s) samples.push_back(random_action(q, dist_, rng));
    out[i] = merge_samples(std::move(samples), -0.5f * float(slice_rank_bound(q.state, q.field)));
  }
}

OracleNetwork::OracleNetwork(std::vector<Action> terms, int noise_samples, float noise_mass)
    : terms_(std::move(terms)), noise_(noise_samples), noise_mass_(noise_mass) {}

void OracleNetwork::evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) {
  out.resize(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const Query& q = *batch[i];
    Rng rng(q.seed);
    std::vector<Action> left;
    for (const Action& t : terms_)
      if (std::find(q.history.begin(), q.history.end(), t) == q.history.end()) left.push_back(t);
    Answer a;
    a.value = -float(left.size());
    const float noise_each = noise_ > 0 ? noise_mass_ / float(noise_) : 0.0f;
    const float oracle_each = left.empty() ? 0.0f : (1.0f - (noise_ > 0 ? noise_mass_ : 0.0f)) / float(left.size());
    std::vector<Action> noise;
    for (int s = 0; s < noise_; ++s) noise.push_back(random_action(q, SyntheticConfig{}, rng));
    const Answer n = merge_samples(std::move(noise), 0);
    for (const Action& t : left) {
      a.actions.push_back(t);
      a.priors.push_back(oracle_each);
    }
    for (size_t j = 0; j < n.actions.size(); ++j) {
      if (std::find(a.actions.begin(), a.actions.end(), n.actions[j]) != a.actions.end()) continue;
      a.actions.push_back(n.actions[j]);
      a.priors.push_back(n.priors[j] * float(noise_) * noise_each);
    }
    out[i] = std::move(a);
  }
}

}  // namespace at::mcts
