#include "improve/runtime.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "core/cse.hpp"
#include "core/files.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"

namespace at::improve {
namespace {

long epoch_ms() {
  return long(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

nlohmann::json timing_json(const RuntimeTiming& t, const nlohmann::json& setup) {
  nlohmann::json j = setup;
  j["seconds"] = t.seconds;
  j["base_seconds"] = t.base_seconds;
  j["speedup_over_base"] = t.base_seconds / t.seconds;
  j["spread"] = t.spread;
  return j;
}

// The timing thread and what the walks hand it. The search's thread (on_pool) and the reporter
// (on_best) write `pool_` and `bests_` under mu_; everything else is the timing thread's alone
// until finish() has joined it.
class Timekeeper {
 public:
  // stop: the run's stop flag, set here when the caller cancels (between timings) or a timing throws.
  Timekeeper(const Scheme& start, const RunOptions& run, const RuntimeOptions& rt, const TimedCallback& on_timed,
             const std::atomic<bool>* cancel, std::atomic<bool>& stop)
      : run_(run), rt_(rt), on_timed_(on_timed), cancel_(cancel), stop_(stop), start_(start), pool_{start},
        thread_([this] { loop(); }) {}

  void offer_pool(const std::vector<Scheme>& pool) {
    std::lock_guard<std::mutex> lock(mu_);
    pool_ = pool;
  }
  void offer_best(const Scheme& s) {
    std::lock_guard<std::mutex> lock(mu_);
    bests_.push_back(s);
    if (int(bests_.size()) > rt_.top_k) bests_.erase(bests_.begin());
  }
  // Stops the rounds, runs the last one (unless cancelled) and returns the result; rethrows what a
  // timing threw.
  RuntimeResult finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (error_) std::rethrow_exception(error_);
    if (!(cancel_ && cancel_->load())) {
      if (result_.timed == 0) time_start();  // the run ended before the thread began
      round();
    }
    return result_;
  }

 private:
  void loop() {
    try {
      for (bool first = true;; first = false) {
        const auto next = std::chrono::steady_clock::now() + std::chrono::duration<double>(first ? 0 : rt_.interval);
        std::unique_lock<std::mutex> lock(mu_);
        while (!done_ && std::chrono::steady_clock::now() < next) {
          cv_.wait_for(lock, std::chrono::milliseconds(100));
          if (cancel_ && cancel_->load()) stop_.store(true);
        }
        if (done_) return;
        lock.unlock();
        first ? time_start() : round();
      }
    } catch (...) {
      error_ = std::current_exception();
      stop_.store(true);
    }
  }

  // The start first: what the search's finds are measured against.
  void time_start() {
    timed_.insert(scheme_hash(start_));
    measure(start_, additions_after_elimination(start_));
  }

  // The best top_k distinct schemes of the pool and the latest bests, by (rank, the proxy's count);
  // those not timed yet are timed.
  void round() {
    std::vector<Scheme> seen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen = pool_;
      seen.insert(seen.end(), bests_.begin(), bests_.end());
    }
    std::map<std::tuple<int, long, uint64_t>, const Scheme*> order;
    for (const Scheme& s : seen) order.emplace(std::make_tuple(s.rank(), objective_cost(rt_.proxy, s), scheme_hash(s)), &s);
    int taken = 0;
    for (const auto& [key, s] : order) {
      if (taken++ == rt_.top_k || (cancel_ && cancel_->load())) break;
      if (timed_.insert(std::get<2>(key)).second) measure(*s, additions_after_elimination(*s));
    }
  }

  // A scheme that looks faster than the fastest is timed again in turns with it and takes its place
  // only when it wins again (then with the new measurement): one lucky round among many noisy
  // ones must not decide.
  void measure(const Scheme& s, long additions) {
    RuntimeTiming t = rt_.timer(s);
    ++result_.timed;
    const bool first = result_.timed == 1;
    if (first) result_.start_timing = t;
    bool fastest = first || t.ratio() < result_.timing.ratio();
    if (fastest && !first) {
      const RuntimeTiming again = rt_.timer(s), holder = rt_.timer(result_.fastest);
      fastest = again.ratio() < holder.ratio();
      result_.timing = holder;
      if (fastest) t = again;
      // The holder keeps its place: its file gets the fresh measurement (no new log line).
      else if (!run_.out_dir.empty()) write(result_.fastest, fastest_additions_, timing_json(holder, rt_.setup), false);
    }
    const nlohmann::json timing = timing_json(t, rt_.setup);
    if (!run_.metrics_path.empty())
      append_line(run_.metrics_path, nlohmann::json{{"event", "timed"}, {"format", s.format.str()}, {"rank", s.rank()},
                                                    {"additions", additions}, {"fastest", fastest}, {"runtime", timing}}
                                         .dump());
    if (fastest) {
      result_.fastest = s;
      result_.timing = t;
      fastest_additions_ = additions;
      if (!run_.out_dir.empty()) write(s, additions, timing, true);
    }
    if (on_timed_) on_timed_(s, t, additions, fastest);
  }

  // Verified exactly right before writing, like every scheme file.
  void write(const Scheme& s, long additions, const nlohmann::json& timing, bool log) {
    if (!verify(s).ok) throw std::logic_error("the flip graph produced an invalid scheme of rank " + std::to_string(s.rank()));
    nlohmann::json file = nlohmann::json::parse(scheme_to_json(s));
    file["runtime"] = timing;
    result_.fastest_path = fastest_path_for(run_.out_dir, s.format, s.rank(), s.field);
    write_file_atomic(result_.fastest_path, file.dump() + "\n");
    if (!log) return;
    nlohmann::json line = {{"time", epoch_ms()}, {"format", s.format.str()}, {"field", field_name(s.field)},
                           {"rank", s.rank()}, {"additions", additions}, {"source", run_.source},
                           {"objective", "runtime"}, {"runtime", timing},
                           {"scheme", nlohmann::json::parse(scheme_to_json(s))}};
    append_line(run_.out_dir + "/schemes/found.jsonl", line.dump());
  }

  const RunOptions& run_;
  const RuntimeOptions& rt_;
  const TimedCallback& on_timed_;
  const std::atomic<bool>* cancel_;
  std::atomic<bool>& stop_;
  const Scheme start_;
  std::mutex mu_;                  // guards pool_, bests_, done_
  std::condition_variable cv_;
  std::vector<Scheme> pool_;       // the latest generation's pool (at first: the start)
  std::vector<Scheme> bests_;      // the latest top_k schemes the run reported
  bool done_ = false;
  std::set<uint64_t> timed_;       // hashes of the schemes timed
  RuntimeResult result_;
  long fastest_additions_ = 0;     // additions of result_.fastest
  std::exception_ptr error_;      // what a timing threw (timing thread until joined)
  std::thread thread_;             // last: starts after every other member is ready
};

}  // namespace

std::string fastest_path_for(const std::string& out_dir, const Format& f, int rank, Field field) {
  return out_dir + "/schemes/" + f.str() + "_r" + std::to_string(rank) + "_" + field_name(field) + "_fastest.json";
}

RuntimeResult run_runtime(Scheme start, RunOptions options, const RuntimeOptions& runtime, const RunEvents& events,
                          const TimedCallback& on_timed, const std::atomic<bool>* cancel) {
  if (options.search.field != Field::Z)
    throw std::invalid_argument("the runtime objective times real arithmetic: the field must be Z");
  if (!runtime.timer || runtime.top_k < 1 || !(runtime.interval > 0))
    throw std::invalid_argument("the runtime objective needs a timer, top_k >= 1 and an interval > 0");
  if (runtime.proxy != Objective::Additions && runtime.proxy != Objective::Traffic)
    throw std::invalid_argument("the runtime objective's proxy must be additions or traffic");
  options.search.objective = runtime.proxy;
  if (options.source.empty()) options.source = "improve seed " + std::to_string(options.search.seed);
  const VerifyResult ok = verify(start, Field::Z);
  if (!ok.ok) throw std::invalid_argument("the start scheme is not valid over Z: " + ok.error);
  // The run's stop flag: the caller's cancel, relayed by the timekeeper and at every generation, or
  // a timing that threw.
  std::atomic<bool> stop{false};
  Timekeeper keeper(start, options, runtime, on_timed, cancel, stop);
  RunEvents ev = events;
  ev.on_best = [&](const Scheme& s, SchemeStore::Outcome r, double seconds, long flips) {
    keeper.offer_best(s);
    if (events.on_best) events.on_best(s, r, seconds, flips);
  };
  ev.on_pool = [&](const std::vector<Scheme>& pool) {
    keeper.offer_pool(pool);
    if (cancel && cancel->load()) stop.store(true);
    if (events.on_pool) events.on_pool(pool);
  };
  RuntimeResult result;
  try {
    result.run = run(start, options, ev, &stop);
  } catch (...) {
    try {
      keeper.finish();
    } catch (...) {
    }
    throw;
  }
  RuntimeResult timed = keeper.finish();
  timed.run = result.run;
  if (cancel && cancel->load()) timed.run.stopped_by = "cancel";
  return timed;
}

}  // namespace at::improve
