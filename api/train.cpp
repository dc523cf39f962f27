// The facade's train: mcts::Trainer (the loop behind `alphatensor train`), set up by
// mcts/train_setup like the command, with the facade's options, callbacks and cancellation token.
#include "api/internal.hpp"
#include "mcts/train_setup.hpp"
#include "nn/cpu_backend.hpp"

namespace alphatensor {
namespace {

at::mcts::TrainConfig train_config(const TrainOptions& options) {
  namespace mc = at::mcts;
  mc::TrainConfig tc;
  if (options.targets.empty()) throw Error(Status::InvalidArgument, "train: no target format");
  for (const Format& f : options.targets) tc.targets.push_back(at::Format::parse(to_string(f)));  // checks 1..16
  if (options.field != Field::Z && options.field != Field::Z2)
    throw Error(Status::InvalidArgument, "train: the field must be Z or Z2, not " + field_name(options.field));
  tc.field = to_core(options.field);
  mc::apply_train_preset(options.preset, tc);
  auto over = [](int value, auto& field) {
    if (value != 0) field = value;
  };
  over(options.simulations, tc.search.simulations);
  over(options.samples, tc.samples);
  over(options.games_per_iteration, tc.games_per_iteration);
  over(options.steps_per_iteration, tc.steps_per_iteration);
  over(options.batch_size, tc.batch_size);
  if (options.seconds < 0) throw Error(Status::InvalidArgument, "train: seconds must be >= 0");
  tc.seed = options.seed;
  tc.time_limit = options.seconds;
  tc.target_rank = options.target_rank > 0 ? options.target_rank : -1;
  tc.max_steps = options.max_steps;
  if (options.out_dir.empty()) throw Error(Status::InvalidArgument, "train: out_dir is empty");
  tc.out_dir = options.out_dir;
  tc.threads = options.threads;
  tc.polish.enabled = options.polish;
  tc.polish.threads = options.polish_threads;
  tc.polish.seconds = options.polish_seconds;
  mc::finish_train_config(tc);
  return tc;
}

std::vector<TargetRank> best_of(const at::mcts::TrainConfig& tc, const at::mcts::TrainProgress& p) {
  std::vector<TargetRank> out;
  for (const at::Format& f : tc.targets) {
    auto it = p.best.find(f.str());
    out.push_back({{f.n, f.m, f.p}, it == p.best.end() ? 0 : it->second});
  }
  return out;
}

TrainProgress progress_of(const at::mcts::TrainConfig& tc, const at::mcts::TrainProgress& p) {
  TrainProgress r;
  r.step = p.step;
  r.games = p.games;
  r.seconds = p.elapsed;
  r.games_per_second = p.games_per_s;
  r.policy_loss = p.losses.policy;
  r.value_loss = p.losses.value;
  r.best = best_of(tc, p);
  return r;
}

}  // namespace

TrainResult train(const TrainOptions& options, const TrainCallbacks& callbacks, const CancelToken& cancel) {
  CallbackGuard guarded(cancel);  // the callbacks run in this thread; a stopped run writes its checkpoint
  TrainResult result = translate([&] {
    const at::mcts::TrainConfig tc = train_config(options);
    at::mcts::TrainRun run(tc, at::mcts::train_model_config(options.preset, tc, options.network),
                           std::make_unique<at::nn::CpuBackend<float>>());
    if (options.resume) run.resume();
    TrainResult result;
    result.checkpoint_dir = run.trainer().checkpoint_dir();
    if (run.time_used_up()) {
      result.last = progress_of(tc, run.trainer().progress());
      result.stopped_by = "limit";
      return result;
    }

    if (callbacks.on_best)
      run.trainer().on_new_best([&](const at::mcts::NewBest& b) {
        guarded([&] {
          const at::Format& f = tc.targets[size_t(b.target)];
          callbacks.on_best({wrap(b.scheme), {f.n, f.m, f.p}, b.scheme.rank(), b.path, b.source, b.elapsed});
        });
      });
    const bool cancelled = run.trainer().run(cancel.flag(), [&](const at::mcts::TrainProgress& p, bool) {
      if (callbacks.on_progress) guarded([&] { callbacks.on_progress(progress_of(tc, p)); });
    });
    result.last = progress_of(tc, run.trainer().progress());
    bool reached = tc.target_rank > 0;
    for (const TargetRank& t : result.last.best) reached = reached && t.rank > 0 && t.rank <= tc.target_rank;
    result.stopped_by = cancelled ? "cancel"
                        : reached ? "target"
                        : tc.max_steps >= 0 && result.last.step >= tc.max_steps ? "steps"
                                                                                : "limit";
    return result;
  });
  guarded.rethrow();
  return result;
}

}  // namespace alphatensor
