#include "tools/runtime_options.hpp"

#include <memory>

#include "core/threads.hpp"

namespace at::cli {

po::options_description plan_options() {
  po::options_description o("Block plan");
  o.add_options()("cse-min-uses", po::value<int>()->default_value(2), "a repeated pair becomes a temporary from this many uses")(
      "cse", po::value<std::string>()->default_value("additions"),
      "what the elimination of common subexpressions minimises: additions (most frequent pair first) or "
      "traffic (block reads+writes of the fused passes: a pair only when it saves blocks)");
  return o;
}

codegen::PlanOptions read_plan_options(const po::variables_map& vm) {
  codegen::PlanOptions o;
  o.cse_min_uses = vm["cse-min-uses"].as<int>();
  try {
    o.cse_goal = parse_cse_goal(vm["cse"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--cse: ") + e.what());
  }
  return o;
}

po::options_description runtime_options(int default_n) {
  po::options_description o("Measured runtime");
  o.add_options()
      ("runtime-n", po::value<int>()->default_value(default_n), "square size n of the timed multiply (A, B, C n x n)")
      ("runtime-levels", po::value<int>()->default_value(1), "levels of the scheme before the base multiply")
      ("runtime-device", po::value<std::string>()->default_value("cpu"), "cpu (cuda: not in this version)")
      ("runtime-repeat", po::value<int>()->default_value(3), "timed runs per measurement, in turns with the base multiply (median)")
      ("runtime-threads", po::value<int>()->default_value(0), "threads of the timed multiply (0: SLURM_CPUS_PER_TASK or all cores)");
  return o;
}

codegen::RuntimeSetup read_runtime_setup(const po::variables_map& vm) {
  const std::string device = vm["runtime-device"].as<std::string>();
  if (device == "cuda")
    throw UsageError("--runtime-device cuda: this version times block plans on the CPU only (no CUDA executor yet)");
  if (device != "cpu") throw UsageError("--runtime-device must be cpu or cuda, not '" + device + "'");
  codegen::RuntimeSetup s;
  s.n = vm["runtime-n"].as<int>();
  s.levels = vm["runtime-levels"].as<int>();
  s.repeat = vm["runtime-repeat"].as<int>();
  s.threads = vm["runtime-threads"].as<int>();
  if (s.n < 2 || s.levels < 1 || s.repeat < 1 || s.threads < 0)
    throw UsageError("--runtime-n must be >= 2, --runtime-levels and --runtime-repeat >= 1, --runtime-threads >= 0");
  if (s.threads == 0) s.threads = default_thread_count();
  return s;
}

nlohmann::json runtime_setup_json(const codegen::RuntimeSetup& s) {
  nlohmann::json j{{"n", s.n}, {"levels", s.levels}, {"device", "cpu"}, {"threads", s.threads}, {"repeat", s.repeat}};
  if (s.plan.cse_goal != CseGoal::additions) j["cse"] = cse_goal_name(s.plan.cse_goal);  // older caches have no key
  return j;
}

mcts::RuntimeRewardConfig runtime_reward_config(const po::variables_map& vm, Field field, const std::string& out_dir) {
  mcts::RuntimeRewardConfig c;
  const std::string reward = vm["reward"].as<std::string>();
  if (reward == "moves") return c;
  if (reward != "runtime") throw UsageError("--reward must be moves or runtime, not '" + reward + "'");
  if (field != Field::Z) throw UsageError("--reward runtime times real arithmetic: use --field Z");
  const codegen::RuntimeSetup setup = read_runtime_setup(vm);
  c.weight = vm["runtime-weight"].as<double>();
  if (!(c.weight >= 0)) throw UsageError("--runtime-weight must be >= 0");
  c.setup = runtime_setup_json(setup).dump();
  c.cache_path = out_dir + "/runtime_times.jsonl";
  auto meter = std::make_shared<codegen::RuntimeMeter>(setup);  // allocated now: a size too large fails before training
  c.timer = [meter](const Scheme& s) { return meter->measure(s).ratio(); };
  return c;
}

}  // namespace at::cli
