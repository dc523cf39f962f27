#include "improve/run.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <optional>
#include <tbb/task_arena.h>
#include <thread>

#include "core/cse.hpp"
#include "core/files.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "core/threads.hpp"
#include "improve/flip_state.hpp"

namespace at::improve {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Appends JSON lines to the metrics file, if any (only the reporter thread and run() before and
// after it write, never at the same time).
class Metrics {
 public:
  explicit Metrics(const std::string& path) {
    if (path.empty()) return;
    if (const size_t n = repair_last_line(path))  // a run killed mid-line (resume appends after it)
      std::fprintf(stderr, "warning: %s: dropped a torn last line (%zu bytes)\n", path.c_str(), n);
    out_.open(path, std::ios::app);
    if (!out_) throw InputError(path + ": cannot open for writing");
  }
  void emit(const nlohmann::json& j) {
    if (out_.is_open()) out_ << j.dump() << "\n" << std::flush;
  }

 private:
  std::ofstream out_;
};

// New bests go from the search threads to the reporter through this queue.
struct Found {
  Scheme scheme;
  double seconds;
  long flips;
};

class Reporter {
 public:
  Reporter(SchemeStore* store, Metrics& metrics, const RunOptions& o, const RunEvents& events, SearchProgress& progress,
           const std::atomic<bool>* cancel, Clock::time_point t0)
      : store_(store), metrics_(metrics), o_(o), events_(events), progress_(progress), cancel_(cancel), t0_(t0),
        thread_([this] { loop(); }) {}

  // Called by the search, under its lock (one call at a time).
  void push(const Scheme& s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      found_.push_back({s, seconds_since(t0_), progress_.flips.load()});
    }
    cv_.notify_all();
  }

  // Drains the queue and joins; returns the store's complaint, if any.
  std::string finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    return failure_;
  }

  bool cancelled() const { return cancelled_; }

 private:
  void loop() {
    double last_report = 0, last_metrics = 0, last_t = 0;
    long last_flips = 0;
    for (bool last = false; !last;) {
      std::deque<Found> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return done_ || !found_.empty(); });
        batch.swap(found_);
        last = done_;
      }
      for (const Found& f : batch) offer(f);
      const double t = seconds_since(t0_);
      const bool cancel = cancel_ && cancel_->load(), limit = o_.time_limit > 0 && t >= o_.time_limit;
      if ((cancel || limit) && !progress_.stop.load() &&
          !(events_.hold_stop && events_.hold_stop(cancel ? "cancel" : "limit")))
        cancelled_ = cancel, progress_.stop.store(true);
      const bool report = t - last_report >= o_.progress_every, log = t - last_metrics >= 10;
      // No report once stopping: a caller that asked to stop gets no further call.
      if (last || progress_.stop.load() || !(report || log)) continue;
      RunProgress p;
      p.seconds = t;
      p.best_rank = progress_.best_rank.load();
      p.best_additions = progress_.best_additions.load();
      p.flips = progress_.flips.load();
      p.generations = progress_.generations.load();
      p.flips_per_second = t > last_t ? double(p.flips - last_flips) / (t - last_t) : 0;
      last_t = t, last_flips = p.flips;
      if (report) {
        last_report = t;
        if (events_.on_progress) events_.on_progress(p);
      }
      if (log) {
        last_metrics = t;
        nlohmann::json line = {{"event", "progress"}, {"seconds", t}, {"best_rank", p.best_rank}, {"flips", p.flips},
                               {"flips_per_second", p.flips_per_second}, {"generations", p.generations}};
        if (p.best_additions >= 0) line["best_additions"] = p.best_additions;
        if (events_.on_metrics) events_.on_metrics(line);
        metrics_.emit(line);
      }
    }
  }

  void offer(const Found& f) {
    // Without a store (no out_dir) each new best is still verified before anyone sees it.
    // The store keeps the fewest additions; traffic's best goes to its own file when the run ends.
    const bool by_additions = o_.search.objective == Objective::Additions || o_.search.objective == Objective::RankAdditions;
    const SchemeStore::Outcome r = store_                  ? store_->offer(f.scheme, o_.source, by_additions)
                                   : verify(f.scheme).ok ? SchemeStore::Outcome::NewBest
                                                           : SchemeStore::Outcome::Invalid;
    if (r == SchemeStore::Outcome::Invalid) {
      failure_ = "the flip graph produced an invalid scheme of rank " + std::to_string(f.scheme.rank());
      progress_.stop.store(true);
      return;
    }
    nlohmann::json best = {{"event", "best"}, {"format", f.scheme.format.str()}, {"field", field_name(f.scheme.field)},
                           {"rank", f.scheme.rank()}, {"seconds", f.seconds}, {"flips", f.flips}};
    if (o_.search.objective != Objective::Rank) best["additions"] = scheme_stats(f.scheme).additions_cse;
    if (o_.search.objective == Objective::Traffic) best["traffic"] = objective_cost(Objective::Traffic, f.scheme);
    metrics_.emit(best);
    if (events_.on_best) events_.on_best(f.scheme, r, f.seconds, f.flips);
  }

  SchemeStore* store_;  // null: nothing written
  Metrics& metrics_;
  const RunOptions& o_;
  const RunEvents& events_;
  SearchProgress& progress_;
  const std::atomic<bool>* cancel_;
  const Clock::time_point t0_;
  std::mutex mu_;          // guards found_ and done_ (search threads push, the reporter pops)
  std::condition_variable cv_;
  std::deque<Found> found_;
  bool done_ = false;
  std::string failure_;    // reporter thread only until finish() joins it
  bool cancelled_ = false; // reporter thread only until finish() joins it
  std::thread thread_;     // last: starts after every other member is ready
};

}  // namespace

Scheme resume_start(const Scheme& start, Field field, const std::string& out_dir, std::string* from) {
  from->clear();
  const SchemeStore store(out_dir);
  const int best = store.best_rank(start.format, field);
  if (best <= 0 || best >= start.rank()) return start;
  const std::string path = store.path_for(start.format, best, field);
  Scheme s = read_scheme(path);
  if (!verify(s, field).ok) throw InputError(path + ": not a valid scheme over " + field_name(field));
  *from = path;
  return is_modular(field) ? s.reduced_mod(field) : s;
}

std::string traffic_path_for(const std::string& out_dir, const Scheme& s) {
  return out_dir + "/schemes/" + s.format.str() + "_r" + std::to_string(s.rank()) + "_" + field_name(s.field) +
         "_least_traffic.json";
}

RunResult run(Scheme start, const RunOptions& options, const RunEvents& events, const std::atomic<bool>* cancel) {
  RunOptions o = options;
  if (o.search.field == Field::Q) throw std::invalid_argument("the flip graph works over Z2, Z3 or Z");
  const VerifyResult ok = verify(start, o.search.field);
  if (!ok.ok) throw std::invalid_argument("the start scheme is not valid over " + field_name(o.search.field) + ": " + ok.error);
  if (is_modular(o.search.field)) start = start.reduced_mod(o.search.field);
  check_flip_format(start.format);
  if (o.threads <= 0) o.threads = default_thread_count();
  if (o.source.empty()) o.source = "improve seed " + std::to_string(o.search.seed);
  o.search.seconds = 0;  // the reporter enforces the limit, so that it also covers the first generation's setup

  std::optional<SchemeStore> own_store;
  if (!o.out_dir.empty() && !o.store) own_store.emplace(o.out_dir);
  SchemeStore* const store = o.store ? o.store : own_store ? &*own_store : nullptr;
  Metrics metrics(o.metrics_path);
  const auto t0 = Clock::now();
  SearchProgress progress;
  RunResult result;
  result.threads = o.threads;
  nlohmann::json first = {{"event", "start"}, {"format", start.format.str()}, {"field", field_name(o.search.field)},
                         {"rank", start.rank()}, {"threads", o.threads}, {"pool_size", o.search.pool_size},
                         {"seed", o.search.seed}, {"time_limit", o.time_limit}, {"objective", objective_name(o.search.objective)},
                         {"symmetry", symmetry_name(o.search.symmetry)}};
  if (events.on_metrics) events.on_metrics(first);
  metrics.emit(first);
  {
    Reporter reporter(store, metrics, o, events, progress, cancel, t0);  // writes the metrics until finish()
    try {
      // An arena of its own: runs at once in one process (library users) keep their thread counts.
      tbb::task_arena arena(o.threads);
      reporter.push(start);
      arena.execute([&] {
        result.best = search(start, o.search, progress, [&](const Scheme& s) { reporter.push(s); }, events.restart_from,
                             events.on_pool);
      });
    } catch (...) {
      reporter.finish();
      throw;
    }
    const std::string failure = reporter.finish();
    if (!failure.empty()) throw std::logic_error(failure);
    result.stopped_by = reporter.cancelled() ? "cancel"
                        : o.search.objective == Objective::Rank && o.search.target_rank > 0 &&
                                result.best.rank() <= o.search.target_rank
                            ? "target"
                        : o.time_limit > 0 && seconds_since(t0) >= o.time_limit                  ? "limit"
                                                                                                 : "generations";
  }
  result.seconds = seconds_since(t0);
  result.flips = progress.flips.load();
  if (store) {
    const int best_rank = store->best_rank(result.best.format, result.best.field);
    result.best_path = o.search.objective == Objective::Rank
                           ? store->path_for(result.best.format, best_rank, result.best.field)
                           : store->additions_path_for(result.best.format, best_rank, result.best.field);
    if (o.search.objective == Objective::Traffic) {
      result.best_path = traffic_path_for(o.out_dir, result.best);
      write_scheme(result.best_path, result.best);  // verified, atomic
    }
  }
  nlohmann::json done = {{"event", "done"}, {"seconds", result.seconds}, {"best_rank", result.best.rank()},
                         {"flips", result.flips}, {"stopped_by", result.stopped_by}};
  if (o.search.objective != Objective::Rank) done["best_additions"] = scheme_stats(result.best).additions_cse;
  if (o.search.objective == Objective::Traffic) done["best_traffic"] = objective_cost(Objective::Traffic, result.best);
  if (events.on_metrics) events.on_metrics(done);
  metrics.emit(done);
  return result;
}

}  // namespace at::improve
