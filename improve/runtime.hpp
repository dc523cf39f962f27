#pragma once
// improve --objective runtime: the walks minimise (rank, additions after elimination or block
// traffic: RuntimeOptions::proxy) as the fast proxy, while a thread of its own times for real, every `interval`
// seconds, the best `top_k` distinct schemes of the pool (by rank, then the proxy) that are not
// timed yet; one that looks faster than the fastest so far is timed again in turns with it and
// wins only when it is faster again. The timer comes from the caller: the CLI passes codegen's RuntimeMeter (improve
// depends on core only, codegen sits beside it). Each scheme measured faster than all before it
// is verified and written atomically to OUT/schemes/<format>_r<R>_<field>_fastest.json with its
// measured speed ("runtime"), and logged in found.jsonl ("objective": "runtime"); metrics get a
// "timed" line per measurement. Timings taken while the walks run share the machine with them;
// each is a ratio against the base multiply timed in turns with it, so load hits both alike.
#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "improve/run.hpp"

namespace at::improve {

struct RuntimeTiming {
  double seconds = 0;       // the scheme's median wall time
  double base_seconds = 0;  // the base multiply's median in the same rounds
  double spread = 0;        // (worst - best) / median of the scheme's runs
  double ratio() const { return seconds / base_seconds; }  // < 1: faster than the base multiply
};
// Called on the timing thread only, one call at a time. May throw (the run then stops with it).
using SchemeTimer = std::function<RuntimeTiming(const Scheme&)>;

struct RuntimeOptions {
  SchemeTimer timer;
  double interval = 60;  // seconds between timing rounds (the start scheme is timed at once)
  int top_k = 4;         // distinct schemes of the pool considered per round
  // What the walks minimise and the rounds rank the pool by: Additions or Traffic (block reads
  // and writes of codegen's plan, closer to what the executor's time follows).
  Objective proxy = Objective::Additions;
  nlohmann::json setup;  // how the timer measures (n, levels, device, ...): kept with every time
};

struct RuntimeResult {
  RunResult run;            // the walks' result (best rank; best_path: the fewest-additions file)
  Scheme fastest;           // the fastest scheme measured
  RuntimeTiming timing;     // its measurement
  RuntimeTiming start_timing;
  std::string fastest_path; // its file ("" without out_dir)
  long timed = 0;           // distinct schemes timed
};

// Called on the timing thread after each measurement; `fastest`: it is the fastest so far (written).
using TimedCallback = std::function<void(const Scheme&, const RuntimeTiming&, long additions, bool fastest)>;

// OUT/schemes/<format>_r<R>_<field>_fastest.json.
std::string fastest_path_for(const std::string& out_dir, const Format& f, int rank, Field field);

// improve::run with options.search.objective set to the proxy, plus the timing thread. After the
// walks stop, one last round times what the final pool holds that is untimed (skipped when
// cancelled), so it may end up to top_k timings after the time limit. Throws
// std::invalid_argument unless the field is Z (a mod-p scheme has no real arithmetic to time);
// otherwise as run().
RuntimeResult run_runtime(Scheme start, RunOptions options, const RuntimeOptions& runtime, const RunEvents& events = {},
                          const TimedCallback& on_timed = {}, const std::atomic<bool>* cancel = nullptr);

}  // namespace at::improve
