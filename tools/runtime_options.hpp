#pragma once
// The measured-runtime options shared by `improve --objective runtime` and `train --reward
// runtime`: --runtime-n, --runtime-levels, --runtime-device, --runtime-repeat, --runtime-threads.
// Schemes are timed by codegen's RuntimeMeter (the executor `bench scheme` runs).
#include <nlohmann/json.hpp>

#include "codegen/timing.hpp"
#include "mcts/runtime_reward.hpp"
#include "tools/cli.hpp"

namespace at::cli {

po::options_description runtime_options(int default_n);

// --cse-min-uses and --cse additions|traffic of `codegen` and `bench scheme`: how the block plan
// eliminates common subexpressions. read_plan_options throws UsageError for a bad --cse.
po::options_description plan_options();
codegen::PlanOptions read_plan_options(const po::variables_map& vm);

// Throws UsageError for bad values and for --runtime-device cuda (block plans run on the CPU only
// in this version: no in-process CUDA executor).
codegen::RuntimeSetup read_runtime_setup(const po::variables_map& vm);

// n, levels, device, threads, repeat: kept with every measured time.
nlohmann::json runtime_setup_json(const codegen::RuntimeSetup& setup);

// train --reward moves|runtime and --runtime-weight: the service's settings (no timer for moves),
// timing with a RuntimeMeter, cached in OUT/runtime_times.jsonl. UsageError unless the field is Z.
mcts::RuntimeRewardConfig runtime_reward_config(const po::variables_map& vm, Field field, const std::string& out_dir);

}  // namespace at::cli
