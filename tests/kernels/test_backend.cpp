// The CUDA backend (nn/cuda_backend.hpp) against the CPU backend, through the whole network:
// inference, training steps (losses, gradients, AdamW), checkpoints across backends, the
// tensor-core path, determinism and the arena's limit. Runs emulated, race-checked and on a GPU.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "core/synthetic.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/cuda_backend.hpp"
#include "nn/network.hpp"

using namespace at;
using namespace at::nn;

namespace {

// Small enough for the race-checked emulator, with every op of the model (dropout included).
ModelConfig tiny() {
  return make_config("small", {"S=3", "history=2", "c=8", "torso_layers=1", "torso_heads=2", "torso_head_dim=4",
                               "mlp_factor=2", "dec_layers=1", "dec_heads=2", "dec_head_dim=4", "token_d=2",
                               "value_width=8", "quantiles=4", "dropout=0.1"});
}

std::unique_ptr<Backend<float>> cuda(bool tensor_cores = false, size_t arena_mib = 64) {
  CudaBackendOptions o;
  o.arena_bytes = arena_mib << 20;
  o.tensor_cores = tensor_cores;
  return make_cuda_backend(o);
}

std::vector<TrainExample> batch_of(const ModelConfig& cfg, uint64_t seed) {
  Rng rng(seed);
  SyntheticConfig sc;
  sc.max_rank = 4;
  const TokenCodec codec(cfg.S, cfg.token_d, cfg.field, cfg.coefficient_bound);
  std::vector<TrainExample> out;
  for (int d = 0; d < 2; ++d)
    for (TrainExample& e : demonstration_examples(sample_demonstration(3, 2, 3, cfg.field, sc, rng), cfg.field, codec))
      out.push_back(std::move(e));
  return out;
}

double rel_diff(double a, double b) { return std::fabs(a - b) / (1.0 + std::fabs(b)); }

void expect_params_close(Network& got, Network& want, double tol) {
  const std::vector<float> g = got.get_params(), w = want.get_params();
  BOOST_TEST_REQUIRE(g.size() == w.size());
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < g.size(); ++i)
    if (rel_diff(g[i], w[i]) > worst) worst = rel_diff(g[i], w[i]), at = i;
  BOOST_TEST(worst <= tol, "parameter " << at << ": " << g[at] << " vs CPU " << w[at] << " (tolerance " << tol << ")");
}

std::string temp_path(const std::string& name) {
  return (std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp")) + "/at_backend_" +
         std::to_string(std::random_device{}()) + "_" + name;
}

// Training steps and inference on both backends; `tol` per compared quantity.
void compare_with_cpu(bool tensor_cores, double loss_tol, double param_tol) {
  const ModelConfig cfg = tiny();
  CpuBackend<float> cpu_be;
  auto cuda_be = cuda(tensor_cores);
  Network ref(cfg, cpu_be, 5), net(cfg, *cuda_be, 5);
  BOOST_TEST_REQUIRE((ref.get_params() == net.get_params()));  // initialised on the host
  for (int step = 0; step < 3; ++step) {
    const std::vector<TrainExample> b = batch_of(cfg, 40 + step);
    const TrainStats r = ref.train_step(b), s = net.train_step(b);
    BOOST_TEST(rel_diff(s.losses.policy, r.losses.policy) <= loss_tol, "policy loss " << s.losses.policy << " vs " << r.losses.policy);
    BOOST_TEST(rel_diff(s.losses.value, r.losses.value) <= loss_tol, "value loss " << s.losses.value << " vs " << r.losses.value);
    BOOST_TEST(rel_diff(s.grad_norm, r.grad_norm) <= loss_tol, "gradient norm " << s.grad_norm << " vs " << r.grad_norm);
  }
  expect_params_close(net, ref, param_tol);

  const std::vector<TrainExample> b = batch_of(cfg, 7);
  std::vector<const NetState*> states;
  for (size_t i = 0; i < b.size() && states.size() < 3; i += 2) states.push_back(&b[i].state);
  const std::vector<uint64_t> seeds = {1, 2, 3};
  const auto er = ref.evaluate(states, 8, 1.0, seeds), es = net.evaluate(states, 8, 1.0, seeds);
  for (size_t i = 0; i < states.size(); ++i)
    for (size_t q = 0; q < er[i].quantiles.size(); ++q)
      BOOST_TEST(rel_diff(es[i].quantiles[q], er[i].quantiles[q]) <= loss_tol,
                 "state " << i << " quantile " << q << ": " << es[i].quantiles[q] << " vs " << er[i].quantiles[q]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cuda_backend)

BOOST_AUTO_TEST_CASE(whole_network_matches_the_cpu_backend) {
  // Same formulas, other summation orders: float rounding only.
  compare_with_cpu(false, 1e-4, 1e-4);
}

BOOST_AUTO_TEST_CASE(tensor_core_path_matches_within_tf32_rounding) {
  // TF32 keeps 10 mantissa bits: about 5e-4 relative per product.
  compare_with_cpu(true, 2e-2, 2e-2);
}

BOOST_AUTO_TEST_CASE(training_is_bit_identical_run_to_run) {
  const ModelConfig cfg = tiny();
  std::vector<float> first;
  for (int run = 0; run < 2; ++run) {
    auto be = cuda();
    Network net(cfg, *be, 9);
    for (int step = 0; step < 2; ++step) net.train_step(batch_of(cfg, 50 + step));
    if (run == 0) first = net.get_params();
    else BOOST_TEST((net.get_params() == first));
  }
}

BOOST_AUTO_TEST_CASE(checkpoints_cross_backends) {
  const ModelConfig cfg = tiny();
  const std::vector<TrainExample> b = batch_of(cfg, 60);
  CpuBackend<float> cpu_be;
  auto cuda_be = cuda();
  Network on_cpu(cfg, cpu_be, 11), on_cuda(cfg, *cuda_be, 12);
  on_cpu.train_step(b);
  const std::string path = temp_path("cpu.ckpt");
  on_cpu.save(path);
  on_cuda.load(path);
  BOOST_TEST((on_cuda.get_params() == on_cpu.get_params()));
  BOOST_TEST(on_cuda.step() == 1);
  // Both continue alike from the restored moments.
  on_cpu.train_step(b);
  on_cuda.train_step(b);
  expect_params_close(on_cuda, on_cpu, 1e-4);
  const std::string back = temp_path("cuda.ckpt");
  on_cuda.save(back);
  CpuBackend<float> cpu2;
  Network again(cfg, cpu2, 13);
  again.load(back);
  BOOST_TEST((again.get_params() == on_cuda.get_params()));
  std::remove(path.c_str());
  std::remove(back.c_str());
}

BOOST_AUTO_TEST_CASE(a_full_arena_is_a_clear_error) {
  auto be = cuda(false, 1);  // 1 MiB cannot hold the paper model's parameters
  try {
    Network net(make_config("paper"), *be, 1);
    BOOST_ERROR("a 1 MiB arena accepted the paper model");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find("arena") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
