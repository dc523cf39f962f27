// The whole network: gradient check on a tiny configuration, overfitting a fixed batch of
// demonstrations, determinism, the inference API, configuration parsing.
#include <tbb/global_control.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "core/synthetic.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/network.hpp"

using namespace at;
using namespace at::nn;

namespace {

ModelConfig tiny() {
  return make_config("small", {"S=2", "history=1", "c=8", "torso_layers=1", "torso_heads=2", "torso_head_dim=4",
                               "mlp_factor=2", "dec_layers=1", "dec_heads=2", "dec_head_dim=4", "token_d=2",
                               "value_width=8", "quantiles=4", "dropout=0.2"});
}

// Examples from demonstrations on a d×d×d tensor (S >= d).
std::vector<TrainExample> demo_examples(const ModelConfig& cfg, int d, int demos, int max_rank, uint64_t seed) {
  Rng rng(seed);
  SyntheticConfig sc;
  sc.max_rank = max_rank;
  const TokenCodec codec(cfg.S, cfg.token_d, cfg.field, cfg.coefficient_bound);
  std::vector<TrainExample> out;
  for (int i = 0; i < demos; ++i)
    for (TrainExample& e : demonstration_examples(sample_demonstration(d, d, d, cfg.field, sc, rng), cfg.field, codec))
      out.push_back(std::move(e));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model)

BOOST_AUTO_TEST_CASE(config_presets_and_overrides) {
  const ModelConfig p = make_config("paper");
  BOOST_TEST(p.S == 25);
  BOOST_TEST(p.c == 512);
  BOOST_TEST(p.dec_width() == 2048);
  const ModelConfig s = make_config("small", {"c=32", "lr=0.001", "field=Z2"});
  BOOST_TEST(s.c == 32);
  BOOST_TEST(s.lr == 0.001);
  BOOST_TEST(s.vocab() == 16);
  BOOST_TEST((ModelConfig::from_string(s.to_string()) == s));
  // The network of train's small preset.
  const ModelConfig cpu = make_config("cpu", {"S=4", "field=Z2"});
  BOOST_TEST(cpu.c == 32);
  BOOST_TEST(cpu.torso_layers == 1);
  BOOST_TEST(cpu.coefficient_bound == 1);
  BOOST_TEST(cpu.vocab() == 16);
  BOOST_CHECK_THROW(make_config("huge"), std::invalid_argument);
  BOOST_CHECK_THROW(make_config("small", {"c=0"}), std::invalid_argument);
  BOOST_CHECK_THROW(make_config("small", {"nope=1"}), std::invalid_argument);
  BOOST_CHECK_THROW(make_config("small", {"c=3x"}), std::invalid_argument);
  BOOST_TEST((make_config("small").recompute == Recompute::Auto));
  const ModelConfig r = make_config("small", {"recompute=on"});
  BOOST_TEST((r.recompute == Recompute::On));
  BOOST_TEST((ModelConfig::from_string(r.to_string()) == r));
  BOOST_TEST(r.architecture() == make_config("small").architecture());  // a checkpoint fits either way
  BOOST_CHECK_THROW(make_config("small", {"recompute=maybe"}), std::invalid_argument);
}

// The analytic gradient of the total loss (policy with several weighted targets, value) against
// central differences, in double precision, on a sample of parameters of every tensor; with and
// without activation recomputation.
BOOST_DATA_TEST_CASE(whole_model_gradient_check, boost::unit_test::data::make({"off", "on"}), recompute) {
  ModelConfig cfg = tiny();
  cfg.set("recompute", recompute);
  CpuBackend<double> be;
  Model<double> model(cfg, be);
  model.init(5);
  std::vector<TrainExample> batch = demo_examples(cfg, 2, 1, 3, 11);
  batch.resize(2);
  batch[1].tokens.push_back(batch[0].tokens[0]);  // a visit distribution over two actions
  batch[1].weights = {3.0, 1.0};
  const size_t n = model.num_params();
  be.scratch_reset();
  be.zero(model.grads(), n);
  const Losses base = model.loss(batch, 42, true);
  BOOST_TEST(std::isfinite(base.total));
  std::vector<double> grad(n);
  be.download(grad.data(), model.grads(), n);
  auto total = [&] {
    be.scratch_reset();
    return model.loss(batch, 42, false).total;  // same dropout masks as the gradient pass
  };
  BOOST_TEST(std::abs(total() - base.total) < 1e-12);
  double* p = model.params();
  const double eps = 1e-6;
  int checked = 0, bad = 0;
  for (const ParamInfo& info : model.params_info()) {
    for (size_t j = 0; j < info.size(); j += std::max<size_t>(1, info.size() / 5)) {
      const size_t i = info.offset + j;
      const double keep = p[i];
      p[i] = keep + eps;
      const double up = total();
      p[i] = keep - eps;
      const double down = total();
      p[i] = keep;
      const double numeric = (up - down) / (2 * eps);
      ++checked;
      if (std::abs(numeric - grad[i]) > 1e-5 * std::max(1.0, std::abs(numeric))) {
        ++bad;
        BOOST_TEST_MESSAGE(info.name << "[" << j << "]: analytic " << grad[i] << " numeric " << numeric);
      }
    }
  }
  BOOST_TEST(checked > 200);
  BOOST_TEST(bad == 0);
}

// Activation recomputation changes where values live, not what is computed: the losses and every
// gradient are bit-identical with it and without (dropout on, several target actions, 2 threads).
BOOST_AUTO_TEST_CASE(recomputation_gives_identical_gradients) {
  std::vector<TrainExample> batch;
  auto grads = [&](const char* recompute, Losses* l) {
    const ModelConfig cfg = make_config("small", {"torso_layers=2", "c=16", "recompute=" + std::string(recompute)});
    if (batch.empty()) {
      batch = demo_examples(cfg, 3, 2, 4, 9);
      batch[1].tokens.push_back(batch[0].tokens[0]);
      batch[1].weights = {1.0, 2.0};
    }
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, 2);
    CpuBackend<float> be;
    Model<float> model(cfg, be);
    model.init(3);
    BOOST_TEST(model.recomputes(int(batch.size())) == (std::string(recompute) == "on"));
    be.scratch_reset();
    *l = model.loss(batch, 77, true);
    std::vector<float> g(model.num_params());
    be.download(g.data(), model.grads(), g.size());
    return g;
  };
  Losses off, on;
  const std::vector<float> a = grads("off", &off), b = grads("on", &on);
  BOOST_TEST(off.total == on.total);
  BOOST_TEST(off.policy == on.policy);
  BOOST_TEST((a == b));
  BOOST_TEST(*std::max_element(a.begin(), a.end()) > 0.0f);
}

// "auto" recomputes when memory is short: the paper network at batch 16 on a 24 GiB node (about
// 20 GiB free beside its 3.2 GiB of parameters and moments) but not at batch 1 nor with 128 GiB;
// "on" and "off" hold whatever the memory; unknown memory (0) keeps everything.
BOOST_AUTO_TEST_CASE(auto_recomputation_follows_available_memory) {
  const size_t GiB = size_t(1) << 30;
  const ModelConfig paper = make_config("paper");
  BOOST_TEST(recomputable_bytes(paper, 16) == 16 * recomputable_bytes(paper, 1));
  BOOST_TEST(recomputable_bytes(paper, 1) > 1.3 * GiB);  // the torso's insides dominate: 1.3 of 1.4 GiB
  BOOST_TEST(recompute_training(paper, 16, 20 * GiB));
  BOOST_TEST(recompute_training(paper, 8, 20 * GiB));
  BOOST_TEST(!recompute_training(paper, 1, 20 * GiB));
  BOOST_TEST(!recompute_training(paper, 16, 128 * GiB));
  BOOST_TEST(!recompute_training(paper, 16, 0));
  BOOST_TEST(!recompute_training(make_config("paper", {"recompute=off"}), 16, GiB));
  BOOST_TEST(recompute_training(make_config("paper", {"recompute=on"}), 1, 128 * GiB));
}

// Same seed, same data: bit-identical parameters after a few steps, with one thread and with two.
BOOST_AUTO_TEST_CASE(training_is_deterministic) {
  const ModelConfig cfg = make_config("small", {"torso_layers=1", "c=32"});
  const std::vector<TrainExample> batch = demo_examples(cfg, 4, 2, 4, 3);
  auto run = [&](int threads) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
    CpuBackend<float> be;
    Network net(cfg, be, 17);
    for (int s = 0; s < 3; ++s) net.train_step(batch);
    return net.get_params();
  };
  const std::vector<float> a = run(1), b = run(1), c = run(2);
  BOOST_TEST((a == b));
  BOOST_TEST((a == c));
}

// The small network learns a fixed batch of demonstrations: the loss falls near zero and sampling
// at a low temperature returns the demonstrated next actions.
BOOST_AUTO_TEST_CASE(overfits_demonstrations_and_predicts_them) {
  const ModelConfig cfg = make_config("small", {"lr=2e-3", "dropout=0", "weight_decay=0"});
  const std::vector<TrainExample> batch = demo_examples(cfg, 4, 3, 5, 8);
  BOOST_TEST_REQUIRE(batch.size() >= 6u);
  CpuBackend<float> be;
  Network net(cfg, be, 1);
  TrainStats first, last;
  for (int s = 0; s < 300; ++s) {
    last = net.train_step(batch);
    if (s == 0) first = last;
    if (last.losses.policy < 0.01 && last.losses.value < 0.05) break;
  }
  BOOST_TEST_MESSAGE("loss " << first.losses.total << " -> " << last.losses.total << " after " << last.step << " steps");
  BOOST_TEST(last.losses.policy < 0.05);
  BOOST_TEST(last.losses.value < 0.2);
  std::vector<const NetState*> states;
  for (const TrainExample& e : batch) states.push_back(&e.state);
  Rng rng(4);
  const std::vector<Evaluation> ev = net.evaluate(states, 8, 0.5, rng);
  for (size_t i = 0; i < batch.size(); ++i) {
    BOOST_TEST_REQUIRE(!ev[i].actions.empty());
    size_t best = 0;
    for (size_t a = 1; a < ev[i].actions.size(); ++a)
      if (ev[i].probs[a] > ev[i].probs[best]) best = a;
    BOOST_TEST((net.model().codec().encode(ev[i].actions[best]) == batch[i].tokens[0]));
    BOOST_TEST(std::abs(ev[i].value - batch[i].value) < 0.5);
  }
}

BOOST_AUTO_TEST_CASE(evaluate_merges_samples_and_decodes_to_state_sizes) {
  const ModelConfig cfg = make_config("small", {"torso_layers=1"});
  CpuBackend<float> be;
  Network net(cfg, be, 2);
  NetState a, b;
  a.tensor = matmul_tensor(Format{2, 2, 1});  // 4×2×2 in S = 4
  b.tensor = matmul_tensor(Format{2, 2, 2});
  Rng rng(9);
  const std::vector<Evaluation> ev = net.evaluate({&a, &b}, 32, 1.0, rng);
  BOOST_TEST(ev.size() == 2u);
  for (int i = 0; i < 2; ++i) {
    const TensorI8& t = i ? b.tensor : a.tensor;
    double sum = 0;
    for (size_t j = 0; j < ev[i].actions.size(); ++j) {
      BOOST_TEST(int(ev[i].actions[j].u.size()) == t.dim(0));
      BOOST_TEST(int(ev[i].actions[j].w.size()) == t.dim(2));
      for (size_t k = 0; k < j; ++k) BOOST_TEST((ev[i].actions[j] != ev[i].actions[k]));
      sum += ev[i].probs[j];
    }
    if (!ev[i].actions.empty()) BOOST_TEST(std::abs(sum - 1.0) < 1e-12);
    BOOST_TEST(ev[i].quantiles.size() == 8u);
    BOOST_TEST(ev[i].value == (ev[i].quantiles[6] + ev[i].quantiles[7]) / 2);
  }
  // An untrained network samples mostly undecodable sequences for the 4×2×2 tensor (non-zero
  // padding); the full-size 4×4×4 tensor decodes everything.
  BOOST_TEST(ev[1].actions.size() > 1u);
  Rng again(9);
  const std::vector<Evaluation> ev2 = net.evaluate({&a, &b}, 32, 1.0, again);
  BOOST_TEST((ev2[1].actions == ev[1].actions));
  BOOST_TEST((ev2[1].probs == ev[1].probs));
}

// Decoding one token at a time through the cache gives the features of the full causal pass, and
// the training decoder (each layer projecting the memory itself) gives them bit for bit.
BOOST_AUTO_TEST_CASE(incremental_decoding_matches_full_pass) {
  const ModelConfig cfg = tiny();
  CpuBackend<double> be;
  Model<double> model(cfg, be);
  model.init(8);
  const std::vector<TrainExample> ex = demo_examples(cfg, 2, 1, 2, 5);
  const int seqs = 2, group = 2, k = cfg.num_tokens(), D = cfg.dec_width(), V = cfg.vocab();
  std::vector<int> ids = {V, 3, 7, V, 11, 0};  // [seqs, k], start symbol first
  BOOST_TEST_REQUIRE(int(ids.size()) == seqs * k);
  Graph<double> g(be, false);
  const std::vector<double> feat = model.features({&ex[0].state});
  const Var<double> memory = model.torso(g, feat.data(), 1);
  const std::vector<Var<double>> kv = model.memory_kv(g, memory, 1);
  const Var<double> full = model.decoder(g, kv, ids.data(), seqs, k, group, 0);
  const Var<double> trained = model.train_decoder(g, memory, 1, ids.data(), seqs, k, group, 0);
  BOOST_TEST((std::vector<double>(full.v, full.v + full.n) == std::vector<double>(trained.v, trained.v + trained.n)));
  Model<double>::Cache cache = model.make_cache(g, seqs);
  for (int t = 0; t < k; ++t) {
    const int step_ids[2] = {ids[t], ids[k + t]};
    const Var<double> one = model.decoder(g, kv, step_ids, seqs, 1, group, 0, &cache, t);
    for (int s = 0; s < seqs; ++s)
      for (int c = 0; c < D; ++c)
        BOOST_TEST(std::abs(one.v[s * D + c] - full.v[(s * k + t) * D + c]) < 1e-12);
  }
}

BOOST_AUTO_TEST_CASE(risk_seeking_value_uses_upper_quantiles) {
  BOOST_TEST(risk_seeking_value({1, 2, 3, 4, 5, 6, 7, 8}) == 7.5);
  BOOST_TEST(risk_seeking_value({1, 2, 3, 4}) == 4.0);
}

BOOST_AUTO_TEST_SUITE_END()
