// alphatensor model info|init|export|import: inspect, create and convert network checkpoints.
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "core/files.hpp"
#include "core/game.hpp"
#include "core/scheme_io.hpp"
#include "core/tensor.hpp"

#include "mcts/polish.hpp"
#include "mcts/scheme_game.hpp"
#include "mcts/symmetric_game.hpp"
#include "nn/checkpoint.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/network.hpp"
#include "nn/safetensors.hpp"
#include "tools/cli.hpp"
#include "tools/device_choice.hpp"
#include "tools/discovery.hpp"

namespace at::cli {
namespace {

// A configuration from --preset and --set key=value (bad keys are usage errors).
nn::ModelConfig config_from(const po::variables_map& vm) {
  try {
    return nn::make_config(vm["preset"].as<std::string>(), vm["set"].as<std::vector<std::string>>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

int model_info(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("checkpoint", po::value<std::string>()->required(), "checkpoint file");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (!parse("model info", "CKPT", args, opts, pos, vm)) return kOk;
  const std::string path = vm["checkpoint"].as<std::string>();
  const nn::Checkpoint c = nn::read_checkpoint(path);
  std::cout << "checkpoint: " << path << " (format version " << nn::kCheckpointVersion << ")\n"
            << "step: " << c.step << "\nparameters: " << c.params.size() << "\ntokens per action: "
            << c.config.num_tokens() << ", vocabulary: " << c.config.vocab() << "\nconfig:\n";
  std::cout << c.config.to_string();
  return kOk;
}

int model_init(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("output,o", po::value<std::string>()->required(), "checkpoint to write")(
      "preset", po::value<std::string>()->default_value("small"), "small, cpu (train's small preset) or paper")(
      "set", po::value<std::vector<std::string>>()->default_value({}, "")->composing(),
      "override a config key: --set c=128 (repeatable)")("seed", po::value<uint64_t>()->default_value(1),
                                                          "initialisation seed");
  po::variables_map vm;
  if (!parse("model init", "-o CKPT [--preset small|cpu|paper] [--set key=value ...] [--seed N]", args, opts, {}, vm))
    return kOk;
  nn::CpuBackend<float> be;
  nn::Network net(config_from(vm), be, vm["seed"].as<uint64_t>());
  const std::string out = vm["output"].as<std::string>();
  net.save(out);
  std::cout << "wrote " << out << ": " << net.model().num_params() << " parameters\n";
  return kOk;
}

// One input file, one -o output.
bool parse_in_out(const std::string& command, const std::string& usage, const std::vector<std::string>& args,
                  po::variables_map& vm) {
  po::options_description opts("Options");
  opts.add_options()("input", po::value<std::string>()->required(), "input file")(
      "output,o", po::value<std::string>()->required(), "file to write");
  po::positional_options_description pos;
  pos.add("input", 1);
  return parse(command, usage, args, opts, pos, vm);
}

int model_export(const std::vector<std::string>& args) {
  po::variables_map vm;
  if (!parse_in_out("model export", "CKPT -o WEIGHTS.safetensors", args, vm)) return kOk;
  const nn::Checkpoint c = nn::read_checkpoint(vm["input"].as<std::string>());
  nn::CpuBackend<float> be;
  const nn::Model<float> layout(c.config, be);
  nn::write_weights(vm["output"].as<std::string>(), c.config, layout.params_info(), c.params);
  std::cout << "wrote " << vm["output"].as<std::string>() << ": " << layout.params_info().size() << " tensors\n";
  return kOk;
}

int model_import(const std::vector<std::string>& args) {
  po::variables_map vm;
  if (!parse_in_out("model import", "WEIGHTS.safetensors -o CKPT", args, vm)) return kOk;
  const std::string in = vm["input"].as<std::string>();
  const nn::SafetensorsFile f = nn::read_safetensors(in);
  nn::CpuBackend<float> be;
  nn::Network net(nn::weights_config(f, in), be, 1);
  net.set_params(nn::gather_params(f, net.model().params_info(), in));
  net.save(vm["output"].as<std::string>());
  std::cout << "wrote " << vm["output"].as<std::string>() << " (step 0, fresh optimiser state)\n";
  return kOk;
}

std::string action_string(const Action& a) {
  std::string s;
  for (const auto* x : {&a.u, &a.v, &a.w}) {
    if (!s.empty()) s += " | ";
    for (size_t i = 0; i < x->size(); ++i) s += (i ? " " : "") + std::to_string(int((*x)[i]));
  }
  return s;
}

// InputError naming `file` when the network's S cannot hold format f.
void require_fits(const nn::ModelConfig& c, const Format& f, const std::string& file) {
  if (std::max({f.a_size(), f.b_size(), f.c_size()}) > c.S)
    throw InputError(file + ": the network's S = " + std::to_string(c.S) + " is smaller than " + f.str() + " needs");
}

// What a network proposes for a target tensor in the canonical basis: its value and K samples,
// with what each leaves. A trained network should propose moves that lower the residual's rank.
void probe_target(nn::Network& net, const std::string& name, const Format& f, int K, double temperature, uint64_t seed,
                  Symmetry sym) {
  const Field field = net.config().field;
  std::cout << name << " on " << f.str() << " over " << field_name(field) << ", canonical basis"
            << (sym == Symmetry::Cyclic ? ", cyclic game (a move: fixed term or orbit of 3)" : "") << "\n";
  nn::NetState st;
  st.tensor = matmul_tensor(f);
  const nn::Evaluation ev = net.evaluate({&st}, K, temperature, {seed})[0];
  std::cout << "value " << std::fixed << std::setprecision(2) << ev.value << " (rank bound of the tensor "
            << slice_rank_bound(st.tensor, field) << ")\n"
            << "  prob  u | v | w  -> rank bound left\n";
  for (size_t i = 0; i < ev.actions.size(); ++i) {
    TensorI8 left = st.tensor;
    play_move(left, ev.actions[i], field, sym);
    std::cout << "  " << std::setprecision(3) << ev.probs[i] << "  " << action_string(ev.actions[i]);
    if (sym == Symmetry::Cyclic) std::cout << (is_fixed_term(ev.actions[i]) ? "  (fixed)" : "  (orbit)");
    std::cout << "  -> " << slice_rank_bound(left, field) << "\n";
  }
}

// Whether the network could play a known scheme: at each move k of the scheme's game (canonical
// basis), how many of K samples are among the terms still to play, their probability, and the value
// against the true return −(R−k). A search only finds what its samples propose.
void probe_follow(nn::Network& net, const std::string& name, const std::string& file, int K, double temperature, uint64_t seed,
                  Symmetry sym) {
  const Field field = net.config().field;
  Scheme s = read_scheme(file);
  if (!verify(s, field).ok) throw InputError(file + ": not a valid scheme over " + field_name(field));
  if (is_modular(field)) s = s.reduced_mod(field);
  require_fits(net.config(), s.format, file);
  const Format& f = s.format;
  const BasisChange canonical{Mat::identity(f.a_size()), Mat::identity(f.b_size()), Mat::identity(f.c_size())};
  Demonstration d;
  if (!mcts::scheme_game(s, canonical, net.config().coefficient_bound, &d))
    throw InputError(file + ": a coefficient is beyond the network's bound " + std::to_string(net.config().coefficient_bound));
  if (sym == Symmetry::Cyclic && !mcts::moves_of_terms(&d.actions, f.a_size(), field, sym))
    throw InputError(file + ": the scheme is not cyclic-invariant (--symmetry cyclic follows invariant schemes)");
  const int R = int(d.actions.size());  // moves (under cyclic symmetry: fixed terms and orbits)
  // Example k holds the state after the first k terms, with them as history.
  const std::vector<nn::TrainExample> game = nn::demonstration_examples(d, field, net.model().codec(), sym);
  std::vector<const nn::NetState*> ptrs;
  std::vector<uint64_t> seeds;
  for (int k = 0; k < R; ++k) {
    ptrs.push_back(&game[size_t(k)].state);
    seeds.push_back(seed + uint64_t(k));
  }
  const std::vector<nn::Evaluation> ev = net.evaluate(ptrs, K, temperature, seeds);
  std::cout << name << " following " << file << " (" << f.str() << ", rank " << s.rank()
            << (sym == Symmetry::Cyclic ? ", " + std::to_string(R) + " moves of the cyclic game" : std::string()) << ") over "
            << field_name(field) << "\n"
            << "  move  value  (true)  scheme terms among the samples: distinct, probability\n";
  double total = 0;
  for (int k = 0; k < R; ++k) {
    int hits = 0;
    double mass = 0;
    for (size_t i = 0; i < ev[size_t(k)].actions.size(); ++i) {
      Action a = ev[size_t(k)].actions[i];
      canonicalize_move(a, field, sym);
      if (std::find(d.actions.begin() + k, d.actions.end(), a) != d.actions.end()) {
        ++hits;
        mass += ev[size_t(k)].probs[i];
      }
    }
    total += mass;
    std::cout << "  " << std::setw(4) << k + 1 << "  " << std::fixed << std::setprecision(2) << std::setw(5)
              << ev[size_t(k)].value << "  (" << std::setw(3) << int(game[size_t(k)].value) << ")  " << hits << " of " << R - k << ", "
              << std::setprecision(3) << mass << "\n";
  }
  std::cout << "mean probability of a scheme term per move: " << std::setprecision(3) << total / R << "\n";
}

int model_probe(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("checkpoint", po::value<std::string>()->required(), "checkpoint file")(
      "target", po::value<std::string>()->default_value("2,2,2"), "target format n,m,p")(
      "follow", po::value<std::string>(), "a scheme file: how well the network proposes its terms, move by move")(
      "samples", po::value<int>()->default_value(32), "actions sampled (K)")(
      "temperature", po::value<double>()->default_value(1.0), "sampling temperature")(
      "seed", po::value<uint64_t>()->default_value(1), "sampling seed")(
      "set", po::value<std::vector<std::string>>()->default_value({}, "")->composing(),
      "a network setting that keeps the architecture: --set bf16=on (repeatable)")(
      "symmetry", po::value<std::string>()->default_value("none"),
      "none, or cyclic: moves of the cyclic game (a fixed term x*x*x or an orbit of 3 terms; square formats)");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (!parse("model probe", "CKPT [--target n,m,p | --follow SCHEME] [--samples K] [--symmetry none|cyclic] [--set bf16=on]", args, opts, pos, vm)) return kOk;
  const std::string path = vm["checkpoint"].as<std::string>();
  Format f;
  try {
    f = Format::parse(vm["target"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--target: ") + e.what());
  }
  const int K = vm["samples"].as<int>();
  if (K < 1) throw UsageError("--samples must be at least 1");
  if (vm.count("follow") && !vm["target"].defaulted())
    throw UsageError("--target and --follow exclude each other (the scheme has its format)");
  nn::CpuBackend<float> be;
  const nn::Checkpoint c = nn::read_checkpoint(path);
  nn::Network net(settings_from(vm, c.config), be, 1);
  note_bf16(net, std::cerr);
  net.set_params(c.params);
  const std::string name = path + " (step " + std::to_string(c.step) + ")";
  const double temperature = vm["temperature"].as<double>();
  const uint64_t seed = vm["seed"].as<uint64_t>();
  if (vm.count("follow")) {
    const std::string file = vm["follow"].as<std::string>();
    const Symmetry sym = read_symmetry(vm, {read_scheme(file).format});
    probe_follow(net, name, file, K, temperature, seed, sym);
    return kOk;
  }
  const Symmetry sym = read_symmetry(vm, {f});
  require_fits(c.config, f, path);
  probe_target(net, name, f, K, temperature, seed, sym);
  return kOk;
}

}  // namespace

int cmd_model(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::ostream& o = args.empty() ? std::cerr : std::cout;
    o << "Usage: alphatensor model info|init|export|import ...   (alphatensor model info --help)\n\n"
         "  info    CKPT: print a checkpoint's configuration, step and parameter count\n"
         "  init    -o CKPT: write a freshly initialised network\n"
         "  export  CKPT -o W.safetensors: the weights in the safetensors layout\n"
         "  import  W.safetensors -o CKPT: a checkpoint from safetensors weights\n"
         "  probe   CKPT [--target n,m,p | --follow SCHEME]: the network's value and sampled moves on a\n"
         "          target, or how well it proposes a known scheme's terms\n";
    return args.empty() ? kUsage : kOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "info") return model_info(rest);
  if (args[0] == "init") return model_init(rest);
  if (args[0] == "export") return model_export(rest);
  if (args[0] == "import") return model_import(rest);
  if (args[0] == "probe") return model_probe(rest);
  throw UsageError("unknown model subcommand '" + args[0] + "'");
}

}  // namespace at::cli
