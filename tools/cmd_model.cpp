// alphatensor model info|init: inspect and create network checkpoints.
#include <iostream>

#include "nn/checkpoint.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/network.hpp"
#include "tools/cli.hpp"

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
      "preset", po::value<std::string>()->default_value("small"), "small or paper")(
      "set", po::value<std::vector<std::string>>()->default_value({}, "")->composing(),
      "override a config key: --set c=128 (repeatable)")("seed", po::value<uint64_t>()->default_value(1),
                                                          "initialisation seed");
  po::variables_map vm;
  if (!parse("model init", "-o CKPT [--preset small|paper] [--set key=value ...] [--seed N]", args, opts, {}, vm))
    return kOk;
  nn::CpuBackend<float> be;
  nn::Network net(config_from(vm), be, vm["seed"].as<uint64_t>());
  const std::string out = vm["output"].as<std::string>();
  net.save(out);
  std::cout << "wrote " << out << ": " << net.model().num_params() << " parameters\n";
  return kOk;
}

}  // namespace

int cmd_model(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::ostream& o = args.empty() ? std::cerr : std::cout;
    o << "Usage: alphatensor model info CKPT | init -o CKPT [options]   (alphatensor model info --help)\n\n"
         "  info  print a checkpoint's configuration, step and parameter count\n"
         "  init  write a freshly initialised network\n";
    return args.empty() ? kUsage : kOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "info") return model_info(rest);
  if (args[0] == "init") return model_init(rest);
  throw UsageError("unknown model subcommand '" + args[0] + "'");
}

}  // namespace at::cli
