// alphatensor train: discovers schemes from nothing but the target tensors (mcts/trainer.hpp).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <oneapi/tbb/info.h>
#include <sstream>

#include "cluster/train_ranks.hpp"
#include "core/threads.hpp"
#include "mcts/train_setup.hpp"
#include "tools/device_choice.hpp"
#include "tools/discovery.hpp"
#include "tools/runtime_options.hpp"

namespace at::cli {
namespace {

std::vector<Format> parse_targets(const po::variables_map& vm) {
  std::vector<Format> out;
  if (vm.count("target"))
    for (const std::string& t : vm["target"].as<std::vector<std::string>>()) {
      try {
        out.push_back(Format::parse(t));
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--target: ") + e.what());
      }
    }
  if (vm.count("targets")) {
    const std::string spec = vm["targets"].as<std::string>();
    if (spec.rfind("all<=", 0) != 0) throw UsageError("--targets takes all<=K (every n,m,p in 2..K)");
    const int k = std::atoi(spec.c_str() + 5);
    if (k < 2 || k > 5) throw UsageError("--targets all<=K needs 2 <= K <= 5");
    for (int n = 2; n <= k; ++n)
      for (int m = 2; m <= k; ++m)
        for (int p = 2; p <= k; ++p) out.push_back(Format{n, m, p});
  }
  if (out.empty()) out.push_back(Format{2, 2, 2});
  return out;
}

// "S:D:B" -> the shares of self-play, demonstrations and best games in a batch (summing to 1).
void parse_mix(const po::variables_map& vm, const char* key, double* mix) {
  if (!vm.count(key)) return;
  const std::string spec = vm[key].as<std::string>();
  double v[3];
  char tail;
  if (std::sscanf(spec.c_str(), "%lf:%lf:%lf%c", &v[0], &v[1], &v[2], &tail) != 3 || v[0] < 0 || v[1] < 0 || v[2] < 0 ||
      std::fabs(v[0] + v[1] + v[2] - 1) > 1e-6)
    throw UsageError(std::string("--") + key + " takes S:D:B, three shares summing to 1 (e.g. 0.7:0.25:0.05)");
  std::copy(v, v + 3, mix);
}

std::string best_string(const std::map<std::string, int>& best) {
  std::string s;
  for (const auto& [t, r] : best) s += (s.empty() ? "" : " ") + t + ":" + std::to_string(r);
  return s.empty() ? "-" : s;
}

std::string rank_of(const std::map<std::string, int>& best, const Format& f) {
  auto it = best.find(f.str());
  return it == best.end() ? std::string("-") : std::to_string(it->second);
}

}  // namespace

int cmd_train(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("target", po::value<std::vector<std::string>>(), "target format n,m,p (repeatable; default 2,2,2)")
      ("targets", po::value<std::string>(), "all<=K: every format with 2 <= n,m,p <= K")
      ("field", po::value<std::string>()->default_value("Z"), "Z (coefficients -2..2) or Z2 (mod 2)")
      ("preset", po::value<std::string>()->default_value("small"), "network and loop sizes: small (2-core CPU) or paper")
      ("set", po::value<std::vector<std::string>>()->default_value({}, ""), "network setting key=value (repeatable; see `alphatensor model info`)")
      ("seed", po::value<uint64_t>()->default_value(1), "random seed (same seed, same run)")
      ("time-limit", po::value<std::string>()->default_value("10m"), "stop after this long: seconds, or 10m, 2h; in total over "
                                                                    "restarts (with --resume the time of earlier runs counts; 0: none)")
      ("max-steps", po::value<long>()->default_value(-1), "stop after this many learner steps")
      ("target-rank", po::value<int>()->default_value(-1), "stop once every target has a scheme of this rank")
      ("out", po::value<std::string>()->default_value("out"), "output folder: schemes/, checkpoints/, metrics.jsonl")
      ("threads", po::value<int>()->default_value(0), "compute threads (default: SLURM_CPUS_PER_TASK, else all cores)")
      ("resume", po::bool_switch(), "continue from the newest valid checkpoint in --out")
      ("games-per-iteration", po::value<int>(), "self-play games between learner rounds")
      ("concurrent-games", po::value<int>(), "games in flight (their network queries are batched)")
      ("replicas", po::value<int>()->default_value(0), "network copies evaluating side by side, each single-threaded "
                                                       "(0: one per thread for a small network on the CPU, else 1)")
      ("no-overlap", po::bool_switch(), "learner steps and rounds of games take turns (default, with replicas: each "
                                        "round plays beside the learner's steps for the round before)")
      ("steps-per-iteration", po::value<int>(), "learner steps per round")
      ("batch-size", po::value<int>(), "learner batch (published: 2048)")
      ("mix-switch-step", po::value<long>(), "learner step at which the data mix changes (published: 10000)")
      ("mix-early", po::value<std::string>(), "batch shares self-play:demonstrations:best games before the switch (published: 0.1:0.9:0)")
      ("mix-late", po::value<std::string>(), "the same after the switch (published: 0.7:0.25:0.05)")
      ("best-games", po::value<int>(), "games kept per target in the best-games buffer (published: 1000)")
      ("p-canonical", po::value<double>(), "probability of a game in the canonical basis")
      ("demo-p-zero-mod2", po::value<double>(), "Z2 demonstrations: probability of a zero entry (published: 0.5)")
      ("demo-max-rank", po::value<int>(), "demonstrations: rank drawn from 1..this (default and published: R_limit)")
      ("demo-targets", po::value<std::string>(), "demonstrations' policy target: next (the next term, published) or "
                                                 "remaining (every term left, equal weights)")
      ("checkpoint-every", po::value<long>(), "learner steps between checkpoints")
      ("checkpoint-minutes", po::value<double>()->default_value(10), "also a checkpoint after this many minutes without one, "
                                                                     "so a hard kill never loses more (0: by steps only)")
      ("no-augment", po::bool_switch(), "no random signed permutations of training samples")
      ("no-order-augment", po::bool_switch(), "solved games enter the best games only in the order played "
                                              "(published: also with a random move swapped with the last)")
      ("polish", po::bool_switch(), "send every scheme found (and every unfinished game, completed) to flip-graph walks; "
                                    "what they improve is kept and trained on")
      ("polish-threads", po::value<int>()->default_value(1), "threads of the flip-graph walks (--polish)")
      ("polish-seconds", po::value<double>()->default_value(5), "flip-graph time per scheme (--polish)")
      ("reward", po::value<std::string>()->default_value("moves"), "moves (published: -1 per move) or runtime (also "
                                                                   "-weight x measured time of a solved game's scheme / the "
                                                                   "base multiply's; --field Z; times cached in OUT/runtime_times.jsonl)")
      ("runtime-weight", po::value<double>()->default_value(1.0), "--reward runtime: the weight (lambda, in moves)")
      ("weights-every", po::value<long>(), "under MPI: learner steps between weights sent to the actor ranks "
                                           "(default: steps per iteration)");
  opts.add(runtime_options(1024));
  add_search_options(opts);
  opts.add(device_options());
  po::variables_map vm;
  if (!parse("train", "[--target n,m,p]... [--field Z|Z2] [--symmetry none|cyclic] [--preset small|paper] [--time-limit 10m] [--out DIR] [--resume]\n"
                      "Under mpirun, mpiexec or srun: rank 0 is the learner (it alone writes), every other rank an\n"
                      "actor with its own network copy; the site's MPI is loaded at run time.",
             args, opts, {}, vm))
    return kOk;

  // Under an MPI launcher: rank 0 the learner (it alone writes and reports), the others actors;
  // else MPI is never loaded.
  const std::unique_ptr<cluster::World> world = cluster::join_if_launched();
  const bool root = !world || world->rank() == 0;
  if (world && root) std::cout << "MPI: " << world->describe() << "\n" << std::flush;
  mcts::TrainConfig tc;
  tc.targets = parse_targets(vm);
  tc.field = parse_game_field(vm["field"].as<std::string>());
  const std::string preset = vm["preset"].as<std::string>();
  try {
    mcts::apply_train_preset(preset, tc);
  } catch (const std::invalid_argument&) {
    throw UsageError("unknown --preset '" + preset + "' (small or paper)");
  }
  auto set_int = [&](const char* key, int& field) { if (vm.count(key)) field = vm[key].as<int>(); };
  read_search_options(vm, tc.search, tc.samples, tc.temperature, tc.r_limit);
  tc.symmetry = read_symmetry(vm, tc.targets);
  set_int("games-per-iteration", tc.games_per_iteration);
  set_int("concurrent-games", tc.concurrent_games);
  tc.replicas = vm["replicas"].as<int>();
  tc.overlap = !vm["no-overlap"].as<bool>();
  set_int("steps-per-iteration", tc.steps_per_iteration);
  set_int("batch-size", tc.batch_size);
  if (vm.count("mix-switch-step")) tc.mix_switch_step = vm["mix-switch-step"].as<long>();
  parse_mix(vm, "mix-early", tc.mix_early);
  parse_mix(vm, "mix-late", tc.mix_late);
  if (vm.count("best-games")) {
    if (vm["best-games"].as<int>() < 1) throw UsageError("--best-games must be at least 1");
    tc.best_capacity = size_t(vm["best-games"].as<int>());
  }
  if (vm.count("p-canonical")) tc.p_canonical = vm["p-canonical"].as<double>();
  if (vm.count("demo-p-zero-mod2")) tc.demos.p_zero_mod2 = vm["demo-p-zero-mod2"].as<double>();
  if (vm.count("demo-max-rank")) tc.demo_max_rank = vm["demo-max-rank"].as<int>();
  if (tc.demo_max_rank < 0) throw UsageError("--demo-max-rank must be at least 1");
  if (vm.count("demo-targets")) {
    const std::string t = vm["demo-targets"].as<std::string>();
    if (t != "next" && t != "remaining") throw UsageError("--demo-targets must be next or remaining, not '" + t + "'");
    tc.demo_all_remaining = t == "remaining";
  }
  if (vm.count("checkpoint-every")) tc.checkpoint_every = vm["checkpoint-every"].as<long>();
  tc.checkpoint_seconds = 60 * vm["checkpoint-minutes"].as<double>();
  if (tc.checkpoint_seconds < 0) throw UsageError("--checkpoint-minutes must be >= 0");
  tc.augment = !vm["no-augment"].as<bool>();
  tc.order_augment = !vm["no-order-augment"].as<bool>();
  tc.polish.enabled = vm["polish"].as<bool>();
  tc.polish.threads = vm["polish-threads"].as<int>();
  tc.polish.seconds = vm["polish-seconds"].as<double>();
  tc.runtime = runtime_reward_config(vm, tc.field, vm["out"].as<std::string>());
  tc.seed = vm["seed"].as<uint64_t>();
  tc.time_limit = parse_duration(vm["time-limit"].as<std::string>());
  tc.max_steps = vm["max-steps"].as<long>();
  tc.target_rank = vm["target-rank"].as<int>();
  tc.out_dir = vm["out"].as<std::string>();
  tc.threads = vm["threads"].as<int>();
  if (tc.threads <= 0 && world) tc.threads = std::min(default_thread_count(), cluster::threads_per_rank(world->launcher()));
  if (vm.count("weights-every")) tc.weights_every = vm["weights-every"].as<long>();
  if (tc.weights_every < 0) throw UsageError("--weights-every must be >= 0");
  nn::ModelConfig mc;
  try {
    mcts::finish_train_config(tc);
    mc = mcts::train_model_config(preset, tc, vm["set"].as<std::vector<std::string>>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  read_root_option(vm, tc.search, tc.targets, tc.field, tc.symmetry, mc.coefficient_bound);
  std::ostringstream device_log;  // printed after the first line, which says what this run is
  mcts::TrainRun run(tc, mc, make_backend(vm, device_log), root);
  nn::Network& net = run.net();
  note_bf16(net, device_log);
  const std::atomic<bool>& stop = stop_on_signals();
  if (!root)  // an actor rank: it writes and reports nothing
    return cluster::train_across_ranks(*world, run, stop, [](const mcts::TrainProgress&, bool) {}) ? kInterrupted : kOk;
  mcts::Trainer& trainer = run.trainer();
  const std::string resumed = vm["resume"].as<bool>() ? run.resume() : "";
  // The time limit counts every run of this output folder (the checkpoint carries the time spent).
  const double used = run.time_used();
  std::ostringstream limit;
  limit << std::fixed << std::setprecision(1);
  if (tc.time_limit <= 0) limit << "no time limit";
  else
    limit << "time limit " << vm["time-limit"].as<std::string>() << " in total over restarts: " << used << " s used, "
          << std::max(0.0, tc.time_limit - used) << " s left";
  std::cout << "alphatensor train: " << tc.targets.size() << " target(s), field " << field_name(tc.field) << ", preset "
            << preset << ", S=" << mc.S << ", " << net.model().num_params() << " parameters on " << run.backend().name() << ", seed " << tc.seed << ", out "
            << tc.out_dir << "; " << (resumed.empty() ? "" : resumed + "; ") << limit.str() << std::endl;
  std::cout << device_log.str() << std::flush;
  if (run.time_used_up() && !world) {
    std::cout << "alphatensor train: nothing to do: the time limit is used up by earlier runs (a larger --time-limit "
                 "continues this run)\n";
    return kOk;
  }

  ProgressLine progress;
  const mcts::ProgressFn show = [&](const mcts::TrainProgress& p, bool final) {
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << "[" << p.elapsed << "s] step " << p.step << " | games " << p.games << " ("
         << std::setprecision(2) << p.games_per_s << "/s) | sims/s " << std::setprecision(0) << p.sims_per_s
         << " | batch " << std::setprecision(1) << p.mean_batch << " | loss " << std::setprecision(3) << p.losses.policy
         << "/" << p.losses.value << " | return " << std::setprecision(1) << p.mean_return << " (max "
         << p.best_return << ") | best " << best_string(p.best);
    if (tc.polish.enabled)
      line << " (self-play " << best_string(p.best_selfplay) << ", completed " << best_string(p.best_completion)
           << ", polish " << best_string(p.best_polish) << "; " << p.polished << " polished, " << p.polish_improved
           << " improved)";
    if (world) line << " | " << world->size() - 1 << " actor rank(s), learner idle " << std::setprecision(0)
                    << 100 * p.learner_idle << "%";
    progress.show(line.str(), p.elapsed, final);
  };
  const bool stopped = world ? cluster::train_across_ranks(*world, run, stop, show) : trainer.run(stop, show);

  // Summary: target, best known, found; and the formulas of what was found. With --polish, first
  // the best rank of this run by where it came from, so no polished scheme passes for a self-play
  // find.
  const mcts::TrainProgress& p = trainer.progress();
  if (tc.polish.enabled) {
    std::cout << "\n" << std::left << std::setw(10) << "target" << std::right << std::setw(11) << "self-play" << std::setw(11)
              << "completed" << std::setw(8) << "polish" << "\n";
    for (const Format& f : tc.targets)
      std::cout << std::left << std::setw(10) << f.str() << std::right << std::setw(11) << rank_of(p.best_selfplay, f)
                << std::setw(11) << rank_of(p.best_completion, f) << std::setw(8) << rank_of(p.best_polish, f) << "\n";
    std::cout << "polish: " << p.polished << " scheme(s) polished, " << p.polish_improved << " improved, "
              << p.polish_dropped << " dropped from a full queue\n";
  }
  std::vector<std::pair<Format, int>> found;
  for (const Format& f : tc.targets) {
    auto it = p.best.find(f.str());
    found.push_back({f, it == p.best.end() ? -1 : it->second});
  }
  print_summary(found, tc.field, tc.out_dir);
  if (stopped) {
    std::cout << "stopped by a signal; checkpoint written to " << trainer.checkpoint_dir() << " (step " << net.step()
              << "; resume with --resume)\n";
    return kInterrupted;
  }
  return kOk;
}

}  // namespace at::cli
