// alphatensor bench nn: network speed on the chosen backend. Inference (a batch of states, K
// sampled actions each) and a training step, in samples/s and GFLOP/s (FLOPs counted analytically
// by nn/model.hpp), against the machine's dense rate measured in this run: Eigen sgemm on 1024²
// matrices for the CPU, our tiled matmul kernels (SIMT fp32 and TF32) on 4096² for CUDA. Also the
// peak resident memory of training (with or without activation recomputation: --set recompute=).
// With --set bf16=on (CPU with AVX512-BF16): inference in bf16 and in fp32, and bf16's accuracy.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <iostream>
#include <memory>

#include "codegen/executor_ops.hpp"
#include "core/files.hpp"
#include "core/isa.hpp"
#include "core/memory.hpp"
#include "core/synthetic.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/network.hpp"
#include "nn/safetensors.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"
#include "tools/device_choice.hpp"
#ifdef ALPHATENSOR_HAVE_CUDA
#include "kernels/matmul.cuh"
#endif

namespace at::cli {
namespace {

// Eigen sgemm n² (1024² unless --sgemm says otherwise) on every thread at once (Eigen itself runs
// one thread per product here), on the given CPU path: the machine's dense throughput with the
// same threads the network gets.
double sgemm_gflops(int n, int threads, double secs, Isa isa) {
  const codegen::ExecutorOps& ops = codegen::executor_ops(isa);
  std::vector<std::vector<float>> a(threads, std::vector<float>(size_t(n) * n, 0.5f)), b = a, c = a;
  const double t = time_per_call(
      [&] {
        tbb::parallel_for(0, threads, [&](int i) {
          ops.product({a[i].data(), n}, {b[i].data(), n}, {c[i].data(), n}, n, n, n, false);
        });
      },
      secs);
  return 2.0 * n * n * n * threads / t / 1e9;
}

// The CPU backend's bf16 inference product (weights packed before timing) on n² operands, its
// threads splitting one product.
double bf16_gflops(int n, double secs) {
  nn::CpuBackend<float> be;
  be.set_bf16_inference(true);
  const size_t n2 = size_t(n) * n;
  float *x = be.alloc(n2), *w = be.alloc(n2), *y = be.alloc(n2);
  const std::vector<float> half(n2, 0.5f);
  be.upload(x, half.data(), n2);
  be.upload(w, half.data(), n2);
  const double t = time_per_call([&] { be.linear_inference(x, w, nullptr, y, n, n, n); }, secs);
  return 2.0 * n * n * n / t / 1e9;
}

#ifdef ALPHATENSOR_HAVE_CUDA
// Our matmul kernel on n×n operands in device memory, in GFLOP/s.
double cuda_matmul_gflops(bool tensor_cores, double secs) {
  const int n = 4096;
  const size_t bytes = size_t(n) * n * sizeof(float);
  float *a = nullptr, *b = nullptr, *c = nullptr;
  AT_CUDA_CHECK(cudaMalloc(&a, bytes));
  AT_CUDA_CHECK(cudaMalloc(&b, bytes));
  AT_CUDA_CHECK(cudaMalloc(&c, bytes));
  AT_CUDA_CHECK(cudaMemset(a, 0, bytes));  // the rate does not depend on the values
  AT_CUDA_CHECK(cudaMemset(b, 0, bytes));
  const double t = time_per_call(
      [&] {
        (tensor_cores ? kernels::matmul_forward_tf32 : kernels::matmul_forward)(a, b, nullptr, c, n, n, n, false, false,
                                                                                1.0f, 0.0f, nullptr);
        AT_CUDA_CHECK(cudaDeviceSynchronize());
      },
      secs);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
  return 2.0 * n * n * n / t / 1e9;
}
#endif

// The weights, the inputs of one training batch, and our gradients and losses on it.
void dump_batch(const std::string& dir, nn::Network& net, const std::vector<nn::TrainExample>& batch) {
  nn::Model<float>& model = net.model();
  const nn::ModelConfig& cfg = model.config();
  make_dirs(dir);
  nn::write_weights(dir + "/weights.safetensors", cfg, model.params_info(), net.get_params());
  const nn::BatchInputs<float> in = model.prepare(batch);
  const int B = in.batch, S = cfg.S, k = cfg.num_tokens(), seqs = B * in.actions;
  const std::vector<float> ids(in.ids.begin(), in.ids.end()), targets(in.targets.begin(), in.targets.end());
  nn::write_safetensors(dir + "/batch.safetensors", {{"config", cfg.to_string()}, {"actions", std::to_string(in.actions)}},
                    {{"features", {3, B, S * S, cfg.input_features()}, in.features.data()},
                     {"ids", {seqs, k}, ids.data()},
                     {"targets", {seqs, k}, targets.data()},
                     {"weights", {seqs, k}, in.weights.data()},
                     {"values", {B}, in.values.data()},
                     {"value_weights", {B}, in.value_weights.data()}});
  nn::Backend<float>& be = model.backend();
  be.scratch_reset();
  be.zero(model.grads(), model.num_params());
  const nn::Losses l = model.loss(in, 0, true);
  std::vector<float> grads(model.num_params());
  be.download(grads.data(), model.grads(), grads.size());
  std::vector<nn::NamedTensor> tensors;
  for (const nn::ParamInfo& p : model.params_info()) tensors.push_back({p.name, p.shape, grads.data() + p.offset});
  nn::write_safetensors(dir + "/grads.safetensors",
                    {{"policy_loss", std::to_string(l.policy)}, {"value_loss", std::to_string(l.value)},
                     {"total_loss", std::to_string(l.total)}},
                    tensors);
}

// The inference figures (and with bf16 on, the same in fp32 and bf16's accuracy): seconds per batch.
double bench_inference(bool json, const std::string& name, nn::Network& net, const std::vector<const nn::NetState*>& states,
                       int K, double infer_flops, double secs, Rng& rng) {
  const double B = double(states.size());
  const double t_inf = time_per_call([&] { net.evaluate(states, K, 1.0, rng); }, secs);
  report(json, "nn", name + " inference (K=" + std::to_string(K) + ")", B / t_inf, "states/s");
  report(json, "nn", name + " inference", infer_flops / t_inf / 1e9, "GFLOP/s");
  if (net.bf16()) {  // the figures above in bf16: the same in fp32, and how far bf16's answers are
    report(json, "nn", name + " inference in bf16 on " + nn::cpu_bf16_kernel(active_isa()), 1, "bool");
    net.model().backend().set_bf16_inference(false);
    const double t_fp32 = time_per_call([&] { net.evaluate(states, K, 1.0, rng); }, secs);
    report(json, "nn", name + " inference fp32 (K=" + std::to_string(K) + ")", B / t_fp32, "states/s");
    report(json, "nn", name + " inference bf16 / fp32", t_fp32 / t_inf, "ratio");
    const nn::Bf16Difference d = nn::bf16_difference(net, states, K, 1.0, 11);
    report(json, "nn", name + " bf16 - fp32 first-token logits, max |diff|", d.logit_max, "");
    report(json, "nn", name + " bf16 - fp32 first-token logits, mean |diff|", d.logit_mean, "");
    report(json, "nn", name + " bf16 - fp32 value, max |diff|", d.value_max, "");
    report(json, "nn", name + " bf16 - fp32 value, mean |diff|", d.value_mean, "");
    report(json, "nn", name + " bf16 - fp32 first-token distribution, max total variation", d.tv_max, "");
    report(json, "nn", name + " bf16 - fp32 first-token distribution, mean total variation", d.tv_mean, "");
    report(json, "nn", name + " bf16 and fp32 agree on the most likely first token", double(d.same_argmax) / d.states,
           "fraction of states");
    report(json, "nn", name + " bf16 and fp32 sample the same actions (K=" + std::to_string(K) + ", same seeds)",
           double(d.same_samples) / d.states, "fraction of states");
  }
  return t_inf;
}

}  // namespace

int bench_nn(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("preset", po::value<std::string>()->default_value("small"), "small, cpu (train's small preset) or paper")(
      "set", po::value<std::vector<std::string>>()->default_value({}, "")->composing(), "config override key=value")(
      "batch", po::value<int>()->default_value(8), "states per batch")(
      "samples", po::value<int>()->default_value(32), "actions sampled per state (inference)")(
      "threads", po::value<int>()->default_value(0), "worker threads (0: all cores)")(
      "seconds", po::value<double>()->default_value(1.0), "minimum time per figure")(
      "sgemm", po::value<int>()->default_value(1024), "side of the reference sgemm (smaller: quick runs on emulated CPUs)")(
      "json", po::bool_switch(), "JSON lines")(
      "inference-only", po::bool_switch(), "no training step (inference figures only)")(
      "training-only", po::bool_switch(), "no inference: training speed, memory and ratios (with --seconds 0: two steps)")(
      "dump", po::value<std::string>(), "write DIR/{weights,batch,grads}.safetensors of one training batch (the "
                                        "outside check of tools/bench/nn_vs_pytorch.sh) and exit");
  opts.add(device_options());
  po::variables_map vm;
  if (!parse("bench nn", "[--preset small|cpu|paper] [--batch B] [--device auto|cpu|cuda] [--threads T] [--samples K] [--json] "
             "[--training-only|--inference-only]",
             args, opts, {}, vm))
    return kOk;
  nn::ModelConfig cfg;
  try {
    cfg = nn::make_config(vm["preset"].as<std::string>(), vm["set"].as<std::vector<std::string>>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const int B = vm["batch"].as<int>(), K = vm["samples"].as<int>();
  if (B < 1 || K < 1) throw UsageError("--batch and --samples must be >= 1");
  const int threads = vm["threads"].as<int>() > 0 ? vm["threads"].as<int>() : tbb::this_task_arena::max_concurrency();
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, size_t(threads));
  const double secs = vm["seconds"].as<double>();
  const bool json = vm["json"].as<bool>();
  const std::unique_ptr<nn::Backend<float>> be = make_backend(vm, std::cerr);
  const bool on_cuda = std::string(be->name()) == "cuda";
  const std::string name = vm["preset"].as<std::string>() + " batch " + std::to_string(B) + " " + be->name();
  nn::Network net(cfg, *be, 1);
  note_bf16(net, std::cerr);
  report(json, "nn", name + " parameters", double(net.model().num_params()), "");
  report(json, "nn", "threads", threads, "");

  // Training examples: states of demonstrations on S×S×S tensors, each with its next action.
  Rng rng(7);
  SyntheticConfig sc;
  sc.max_rank = 20;
  sc.limit_to(cfg.coefficient_bound);  // the cpu preset's F = {-1, 0, 1}
  std::vector<nn::TrainExample> batch;
  while (int(batch.size()) < B)
    for (nn::TrainExample& e : nn::demonstration_examples(sample_demonstration(cfg.S, cfg.S, cfg.S, cfg.field, sc, rng),
                                                          cfg.field, net.model().codec()))
      if (int(batch.size()) < B) batch.push_back(std::move(e));
  std::vector<const nn::NetState*> states;
  for (const nn::TrainExample& e : batch) states.push_back(&e.state);

  if (vm.count("dump")) {
    if (cfg.dropout != 0) throw UsageError("--dump needs --set dropout=0 (the peer draws other masks)");
    dump_batch(vm["dump"].as<std::string>(), net, batch);
    return kOk;
  }
  const int k = cfg.num_tokens();
  // Inference decodes incrementally: k steps of one token per sequence (attention to the cached
  // positions is counted as one position, a small undercount).
  const double infer_flops = B * nn::torso_flops(cfg) + k * nn::decoder_flops(cfg, B * K, 1) + nn::head_flops(cfg, B * K * k, B);
  const double train_flops =
      3 * (B * nn::torso_flops(cfg) + nn::decoder_flops(cfg, B, k) + nn::head_flops(cfg, B * k, B));

  // Peak resident memory of the training steps (first: no other pass has grown the scratch yet;
  // the peak restarts here where the kernel allows, after the parameters and the batch).
  const bool train = !vm["inference-only"].as<bool>();
  if (!train && vm["training-only"].as<bool>()) throw UsageError("--inference-only and --training-only exclude each other");
  double t_train = 0;
  if (train) {
    // The first step, untimed, is the timing's warm-up: its peak is every step's (same sizes,
    // same allocation order), printed before the slow timed steps of a large network.
    const double gib = double(1 << 30), before = double(resident_bytes()) / gib;
    const bool fresh_peak = reset_peak_resident();
    net.train_step(batch);
    const double peak = double(peak_resident_bytes()) / gib;
    report(json, "nn", name + " training recomputes activations", net.model().recomputes(B) ? 1 : 0, "bool");
    if (!on_cuda) {  // host memory: the CPU backend's activations
      report(json, "nn", name + " training peak resident" + (fresh_peak ? "" : " (whole run)"), peak, "GiB");
      report(json, "nn", name + " training peak resident per sample", peak / B, "GiB");
      // Parameters, their gradients and AdamW's two moments: whatever the batch.
      report(json, "nn", name + " training state (weights, gradients, moments)",
             4.0 * sizeof(float) * double(net.model().num_params()) / gib, "GiB");
      report(json, "nn", name + " resident before the first step", before, "GiB");
      // Above what was resident before the first step (parameters, gradients, AdamW moments):
      // activations, their gradients and the workspace, the part that grows with the batch.
      report(json, "nn", name + " training activation memory per sample", (peak - before) / B, "GiB");
    }
    t_train = time_per_call([&] { net.train_step(batch); }, secs, false);
    report(json, "nn", name + " training step", B / t_train, "samples/s");
    report(json, "nn", name + " training step", train_flops / t_train / 1e9, "GFLOP/s");
  }
  // Inference, unless --training-only (t_inf stays 0: no inference ratios).
  double t_inf = 0;
  if (!vm["training-only"].as<bool>()) t_inf = bench_inference(json, name, net, states, K, infer_flops, secs, rng);
  double gemm = 0, baseline = 0;  // the dense rate on the CPU path in use, and on the baseline (SSE2)
  if (!on_cuda) {
    const Isa isa = active_isa();
    const int n = vm["sgemm"].as<int>();
    if (n < 1) throw UsageError("--sgemm must be >= 1");
    const std::string sgemm = "Eigen sgemm " + std::to_string(n) + "^2 x" + std::to_string(threads) + " threads ";
    gemm = sgemm_gflops(n, threads, secs, isa);
    report(json, "nn", sgemm + isa_name(isa), gemm, "GFLOP/s");
    baseline = isa == Isa::sse2 ? gemm : sgemm_gflops(n, threads, secs, Isa::sse2);
    if (isa != Isa::sse2) report(json, "nn", sgemm + "sse2 (baseline)", baseline, "GFLOP/s");
    if (net.bf16())
      report(json, "nn", "bf16 linear layer " + std::to_string(n) + "^2, " + std::to_string(threads) + " threads",
             bf16_gflops(n, secs), "GFLOP/s");
  } else {
#ifdef ALPHATENSOR_HAVE_CUDA
    const double fp32 = cuda_matmul_gflops(false, secs), tf32 = cuda_matmul_gflops(true, secs);
    report(json, "nn", "tiled matmul 4096^2 fp32", fp32, "GFLOP/s");
    report(json, "nn", "tiled matmul 4096^2 tf32", tf32, "GFLOP/s");
    gemm = vm["tensor-cores"].as<bool>() ? tf32 : fp32;
#endif
  }
  if (t_inf > 0) report(json, "nn", name + " inference / matmul", infer_flops / t_inf / 1e9 / gemm, "ratio");
  if (train) report(json, "nn", name + " training / matmul", train_flops / t_train / 1e9 / gemm, "ratio");
  if (baseline > 0) {
    if (t_inf > 0) report(json, "nn", name + " inference / baseline matmul", infer_flops / t_inf / 1e9 / baseline, "ratio");
    if (train) report(json, "nn", name + " training / baseline matmul", train_flops / t_train / 1e9 / baseline, "ratio");
  }
  return kOk;
}

}  // namespace at::cli
