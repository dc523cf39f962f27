// The CPU backend's bf16 inference products (nn/cpu_bf16.hpp) against the fp32 CPU reference, on
// fresh random inputs each run (ALPHATENSOR_BF16_SEED=N replays one); skipped where the CPU has
// no AVX512-BF16. Also: the packed weights (bf16, and fp32 on every CPU) follow every write to
// them, and the network's answers in bf16 stay close to fp32's.
#include <boost/test/unit_test.hpp>
#include <array>
#include <cmath>
#include <cstring>

#include "core/isa.hpp"
#include "core/rng.hpp"
#include "core/synthetic.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/cpu_bf16.hpp"
#include "nn/network.hpp"
#include "tests/seed.hpp"

using namespace at;
using namespace at::nn;
namespace utf = boost::unit_test;

namespace {

using Vec = std::vector<float>;

uint64_t bf16_seed() {
  static const uint64_t seed = at::test::env_seed("ALPHATENSOR_BF16_SEED", "the bf16 tests' inputs");
  return seed;
}

boost::test_tools::assertion_result has_bf16(utf::test_unit_id) {
  boost::test_tools::assertion_result r(bf16_supported() && active_isa() == Isa::avx512);
  r.message() << "this CPU has no AVX512-BF16 (or the CPU path is not avx512): skipped";
  return r;
}

Vec random_vec(size_t n, Rng& rng, double scale) {
  Vec v(n);
  for (float& x : v) x = float(scale * (2 * rng.uniform01() - 1));
  return v;
}

// Allocates backend memory holding `host`.
float* resident(CpuBackend<float>& be, const Vec& host) {
  float* p = be.alloc(host.size());
  be.upload(p, host.data(), host.size());
  return p;
}

// Worst |got − fp32 reference| in units of the bf16 bound: rounding x and w to bf16 (relative
// 2^-9 each) moves each product by at most (2^-8 + 2^-18)·|x·w|, the fp32 sums add K·2^-24 of
// Σ|x·w|; 1.0 is that bound reached.
double worst_in_bounds(const Vec& got, const Vec& x, const Vec& w, const Vec& b, int M, int K, int N) {
  double worst = 0;
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double want = b[size_t(n)], mag = 0;
      for (int k = 0; k < K; ++k) {
        const double p = double(x[size_t(m) * K + k]) * w[size_t(k) * N + n];
        want += p;
        mag += std::abs(p);
      }
      const double bound = (std::ldexp(1.0, -8) + std::ldexp(1.0, -18) + K * std::ldexp(1.0, -24)) * mag + 1e-6;
      worst = std::max(worst, std::abs(got[size_t(m) * N + n] - want) / bound);
    }
  return worst;
}

// The packed copies of a weight (bf16, or fp32 for this CPU path's kernel) follow every write to
// it: inference products after upload, copy, an AdamW step and zero use the new values.
void check_packed_weights_follow_writes(bool bf16) {
  Rng rng(bf16_seed() + 1);
  const int M = 9, K = 40, N = 70;
  const Vec x = random_vec(size_t(M) * K, rng, 1.0), w1 = random_vec(size_t(K) * N, rng, 0.2);
  const Vec w2 = random_vec(w1.size(), rng, 0.2), b(N, 0.0f);
  CpuBackend<float> be;
  BOOST_TEST_REQUIRE(be.set_bf16_inference(bf16));
  float* w = resident(be, w1);
  Vec y(size_t(M) * N);
  auto check = [&](const Vec& want_w, const char* after) {
    be.linear_inference(x.data(), w, nullptr, y.data(), M, K, N);
    BOOST_TEST_INFO("after " << after);
    BOOST_TEST(worst_in_bounds(y, x, want_w, b, M, K, N) <= 1.0);
  };
  check(w1, "upload");
  be.upload(w, w2.data(), w2.size());
  check(w2, "a second upload");
  be.copy(w, resident(be, w1), w1.size());
  check(w1, "copy");
  // An AdamW step with lr 1 and no decay moves every weight by about -sign(g).
  Vec g(w1.size(), 1.0f), moved = w1;
  float* grad = resident(be, g);
  float* m = be.alloc(g.size());
  float* v = be.alloc(g.size());
  float* norm = resident(be, {1.0f});
  AdamWParams a;
  a.lr = 1;
  a.weight_decay = 0;
  be.adamw_step(w, grad, m, v, g.size(), norm, a);
  be.download(moved.data(), w, moved.size());
  check(moved, "adamw_step");
  be.zero(w, w1.size());
  check(Vec(w1.size(), 0.0f), "zero");
  // A weight outside the backend's memory is not cached: the fp32 product, exactly.
  Vec y32(y.size()), yh(y.size());
  be.linear_inference(x.data(), w2.data(), nullptr, yh.data(), M, K, N);
  be.linear_forward(x.data(), w2.data(), nullptr, y32.data(), M, K, N);
  BOOST_TEST(std::memcmp(yh.data(), y32.data(), y.size() * sizeof(float)) == 0);
}

}  // namespace

// fp32 packing runs on every CPU.
BOOST_AUTO_TEST_CASE(fp32_packed_weights_follow_their_writes) { check_packed_weights_follow_writes(false); }

BOOST_AUTO_TEST_SUITE(bf16, *utf::precondition(has_bf16))

BOOST_AUTO_TEST_CASE(products_within_the_bf16_bound_of_fp32) {
  Rng rng(bf16_seed());
  const bool amx = amx_supported() && isa_avx512bf16::entry_bf16_has_amx();
  BOOST_TEST_MESSAGE("bf16 kernels tested: AVX512-BF16" << (amx ? " and AMX" : " (no AMX here)"));
  // Odd K (a padded pair), N past whole panels and vectors, M past the row tile and single rows.
  for (const auto& s : {std::array<int, 3>{1, 64, 64}, {7, 33, 17}, {37, 131, 150}, {200, 96, 200}, {5, 512, 3}}) {
    const int M = s[0], K = s[1], N = s[2];
    const Vec x = random_vec(size_t(M) * K, rng, 2.0), w = random_vec(size_t(K) * N, rng, 0.2), b = random_vec(N, rng, 1.0);
    std::vector<uint32_t> packed(isa_avx512bf16::entry_bf16_packed_size(K, N));
    isa_avx512bf16::entry_bf16_pack(w.data(), K, N, packed.data());
    Vec y32(size_t(M) * N);
    CpuBackend<float>(Isa::avx512).linear_forward(x.data(), w.data(), b.data(), y32.data(), M, K, N);
    for (bool on_amx : {false, true}) {
      if (on_amx && !amx) continue;
      Vec y(size_t(M) * N);
      isa_avx512bf16::entry_bf16_linear(x.data(), packed.data(), b.data(), y.data(), M, K, N, on_amx);
      BOOST_TEST_INFO(M << "x" << K << "x" << N << (on_amx ? " on AMX" : " on AVX512-BF16"));
      BOOST_TEST(worst_in_bounds(y, x, w, b, M, K, N) <= 1.0);
      // bf16 and not fp32: the products differ from the reference somewhere.
      BOOST_TEST(std::memcmp(y.data(), y32.data(), y.size() * sizeof(float)) != 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(packed_weights_follow_their_writes) { check_packed_weights_follow_writes(true); }

// The network's answers with bf16 against fp32 on random states: close logits and values, and
// training untouched (the loss is fp32 with bf16 on).
BOOST_AUTO_TEST_CASE(network_answers_close_to_fp32) {
  Rng rng(bf16_seed() + 2);
  ModelConfig cfg = make_config("small", {"bf16=on"});
  CpuBackend<float> be;
  Network net(cfg, be, bf16_seed());
  BOOST_TEST_REQUIRE(net.bf16());
  SyntheticConfig sc;
  sc.max_rank = 10;
  std::vector<TrainExample> examples;
  while (examples.size() < 8)
    for (TrainExample& e : demonstration_examples(sample_demonstration(cfg.S, cfg.S, cfg.S, cfg.field, sc, rng), cfg.field,
                                                  net.model().codec()))
      examples.push_back(std::move(e));
  examples.resize(8);
  std::vector<const NetState*> states;
  for (const TrainExample& e : examples) states.push_back(&e.state);
  const Bf16Difference d = bf16_difference(net, states, 16, 1.0, bf16_seed());
  BOOST_TEST_MESSAGE("bf16 - fp32: logits max " << d.logit_max << " mean " << d.logit_mean << ", value max " << d.value_max
                                                << ", total variation max " << d.tv_max << "; same argmax in "
                                                << d.same_argmax << ", same samples in " << d.same_samples << " of "
                                                << d.states << " states");
  BOOST_TEST(d.logit_max > 0);  // bf16 did run
  BOOST_TEST(d.logit_max < 0.1);
  BOOST_TEST(d.value_max < 0.1);
  BOOST_TEST(d.tv_max < 0.01);
  CpuBackend<float> be32;
  Network net32(make_config("small"), be32, bf16_seed());
  BOOST_TEST(net.train_step(examples).losses.total == net32.train_step(examples).losses.total);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(bf16_is_a_setting_not_architecture) {
  const ModelConfig c = make_config("small", {"bf16=on"});
  BOOST_TEST(c.bf16);
  BOOST_TEST((ModelConfig::from_string(c.to_string()) == c));
  BOOST_TEST(c.architecture() == make_config("small").architecture());
  BOOST_CHECK_THROW(make_config("small", {"bf16=yes"}), std::invalid_argument);
  BOOST_TEST(!with_settings(c, {"bf16=off", "recompute=on"}).bf16);
  BOOST_CHECK_THROW(with_settings(c, {"c=16"}), std::invalid_argument);
  // Where bf16 is not available the backend says so and stays fp32.
  CpuBackend<float> sse2(Isa::sse2);
  BOOST_TEST(!sse2.set_bf16_inference(true));
  BOOST_TEST(sse2.set_bf16_inference(false));
  CpuBackend<double> dbl;
  BOOST_TEST(!dbl.set_bf16_inference(true));
}
