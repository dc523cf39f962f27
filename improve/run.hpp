#pragma once
// One improve run, as the CLI, the library API and campaigns use it: the flip-graph search from a
// start scheme, every new best verified and written to OUT/schemes/ (SchemeStore, atomically),
// JSON-lines metrics, progress reports, and the stops (target rank, time limit, generations,
// cancellation). Writing and reporting happen on a reporter thread, so the walks never wait on a
// disk.
#include <atomic>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/scheme.hpp"
#include "core/scheme_store.hpp"
#include "improve/search.hpp"

namespace at::improve {

struct RunOptions {
  SearchOptions search;          // search.seconds is set from time_limit
  std::string out_dir;           // OUT/schemes/ gets every new best ("": nothing written, each still verified)
  // The store of out_dir to use instead of opening it again (which reads and verifies every file
  // there): a caller running many searches on one folder (campaign) keeps one. Not owned; must
  // outlive run(). Null: run() opens out_dir's.
  SchemeStore* store = nullptr;
  std::string metrics_path;      // JSON lines appended here: start, best, progress (every 10 s), done ("": none)
  std::string source;            // found.jsonl's source text ("": "improve seed S")
  int threads = 0;               // oneTBB workers for the walks, in a task_arena of the run's own (0: default_thread_count())
  double time_limit = 0;         // seconds (0: none)
  double progress_every = 10;    // seconds between on_progress calls
};

// A snapshot for progress reports.
struct RunProgress {
  double seconds = 0;
  int best_rank = 0;
  long best_additions = -1;  // additions objectives: fewest additions at best_rank (-1: none yet)
  long flips = 0;
  double flips_per_second = 0;  // since the previous report
  long generations = 0;
};

// on_best, on_progress, hold_stop and on_metrics are called on the reporter thread, one call at a
// time, never concurrently with each other; on_progress no more once the run is stopping. None may
// throw. They let a caller spread one run over several processes (cluster/) without a copy of it.
struct RunEvents {
  // Every new best rank (the start scheme first; with an additions objective also every scheme of
  // the best rank with fewer additions) after the store has seen it: verified, and written when the
  // outcome is NewBest or FewerAdditions.
  std::function<void(const Scheme&, SchemeStore::Outcome, double seconds, long flips)> on_best;
  std::function<void(const RunProgress&)> on_progress;
  // Polled by the search once per generation (see improve::RestartSource): e.g. another process's
  // best; taken when better, then verified and written like a find.
  RestartSource restart_from;
  // Once the time limit has passed or `cancel` is set, polled every 100 ms; while it returns true
  // the walks go on (and restart_from is still polled), e.g. until other processes' last finds are
  // in. The argument says why the run stops: "limit" or "cancel".
  std::function<bool(const std::string& why)> hold_stop;
  // Every start, progress and done line of the metrics file before it is written (the start line
  // on the calling thread, before the reporter starts): may add fields (e.g.
  // other processes' figures).
  std::function<void(nlohmann::json& line)> on_metrics;
  // Each generation's pool (search.hpp, PoolCallback): called on the search's thread, not the
  // reporter's, so it must be quick (copy what it needs).
  PoolCallback on_pool;
};

struct RunResult {
  Scheme best;            // a scheme of the best rank found (in the search's field)
  std::string best_path;  // its file in OUT/schemes/ (the _fewest_additions one with an additions objective, _least_traffic with traffic; "" without out_dir)
  double seconds = 0;
  long flips = 0;
  int threads = 0;
  std::string stopped_by;  // "target", "limit", "generations" or "cancel"
};

// improve --resume: the best scheme already in OUT/schemes/ for start's format in `field` when its
// rank is lower than start's (read and verified; reduced mod a modular field), else start. *from
// gets the file read ("" when start is kept). Throws InputError if that file does not read.
Scheme resume_start(const Scheme& start, Field field, const std::string& out_dir, std::string* from);

// Runs the search until a stop. `start` must be valid in options.search.field (modular fields: it is
// reduced first). `cancel` (may be null) is polled every 100 ms: set it from any thread or a signal
// handler's flag. Throws std::invalid_argument when the start does not fit the flip graph,
// at::InputError when the metrics file cannot be opened, and
// std::logic_error if the search ever produced an invalid scheme (a bug: nothing invalid is written).
// OUT/schemes/<format>_r<R>_<field>_least_traffic.json: where --objective traffic writes its best
// (verified) when the run ends.
std::string traffic_path_for(const std::string& out_dir, const Scheme& s);

RunResult run(Scheme start, const RunOptions& options, const RunEvents& events = {},
              const std::atomic<bool>* cancel = nullptr);

}  // namespace at::improve
