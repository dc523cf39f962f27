// The facade's improve: improve::run (the loop behind `alphatensor improve`) with the facade's
// options, callbacks and cancellation token.
#include <algorithm>

#include "api/internal.hpp"
#include "core/threads.hpp"
#include "improve/run.hpp"

namespace alphatensor {

ImproveResult improve(const Scheme& start, const ImproveOptions& options, const ImproveCallbacks& callbacks,
                      const CancelToken& cancel) {
  namespace imp = at::improve;
  imp::RunOptions o;
  o.search.field = to_core(options.field);
  o.search.bound = options.bound;
  o.search.target_rank = options.target_rank;
  o.search.seed = options.seed;
  o.search.pool_enough = options.pool_enough;
  o.search.walk_flips = options.walk_flips;
  o.search.plus_after = options.plus_after;
  o.search.max_generations = options.max_generations;
  o.threads = options.threads > 0 ? options.threads : at::default_thread_count();
  o.search.pool_size = options.pool_size > 0 ? options.pool_size : std::max(8, o.threads);
  o.time_limit = options.seconds;
  o.progress_every = options.progress_interval;
  o.out_dir = options.out_dir;
  o.metrics_path = options.metrics_path;
  if (options.seconds < 0 || options.progress_interval <= 0 || options.bound < 1 || options.pool_enough < 1)
    throw Error(Status::InvalidArgument, "improve: seconds >= 0, progress_interval > 0, bound >= 1 and pool_enough >= 1 needed");
  const Verification v = start.verify(options.field);
  if (!v.valid)
    throw Error(Status::InvalidScheme, "improve: the start scheme is not valid over " + field_name(v.field) + ": " + v.error);

  CallbackGuard guarded(cancel);  // the callbacks run on the run's reporter thread
  imp::RunEvents events;
  if (callbacks.on_best)
    events.on_best = [&](const at::Scheme& s, at::SchemeStore::Outcome, double seconds, long) {
      guarded([&] { callbacks.on_best(wrap(s), seconds); });
    };
  if (callbacks.on_progress)
    events.on_progress = [&](const imp::RunProgress& p) {
      guarded([&] { callbacks.on_progress({p.seconds, p.flips, p.flips_per_second, p.best_rank, p.generations}); });
    };
  imp::RunResult r = translate([&] { return imp::run(core_scheme(start), o, events, &cancel.flag()); });
  guarded.rethrow();
  if (!at::verify(r.best, o.search.field).ok)  // never seen; a bug must not reach the caller as a result
    throw Error(Status::Runtime, "improve: the search returned an invalid scheme of rank " + std::to_string(r.best.rank()));
  ImproveResult result;
  result.best = wrap(std::move(r.best));
  result.best_path = r.best_path;
  result.seconds = r.seconds;
  result.flips = r.flips;
  result.threads = r.threads;
  result.stopped_by = r.stopped_by;
  return result;
}

}  // namespace alphatensor
