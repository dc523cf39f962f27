#pragma once
// train --reward runtime (the published form): the final reward of a solved game adds
// −λ·(measured time of its scheme / the base multiply's time on the same matrices).
//
// Measurements run on this service's own thread, never on the search threads, and are cached per
// distinct scheme (scheme_hash), in memory and in a JSON-lines file that a resumed run reads back.
// A solved game whose scheme is not timed yet is held here (the trainer records the scheme itself
// at once; only the game's training data waits) and handed back with its reward once the time has
// arrived: self-play never waits, and the learner sees such a game one or more rounds later.
// Deterministic given a cache: when every scheme's time is in it, rewards are immediate and a run
// repeats; otherwise when a held game joins the buffers depends on the timing thread. Games still
// held when the run ends are not trained on (their schemes are recorded).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mcts/selfplay.hpp"

namespace at::mcts {

// Measured time of the scheme over the base multiply's time (< 1: faster). Called on the service's
// thread only, one call at a time. A throw is reported on stderr; that scheme then gets no runtime
// term (reward 0), counted as failed.
using RuntimeTimer = std::function<double(const Scheme&)>;

struct RuntimeRewardConfig {
  RuntimeTimer timer;      // empty: no runtime reward (the trainer makes no service)
  double weight = 1;       // λ, in units of moves
  std::string cache_path;  // JSON lines {"hash", "ratio", "setup"} ("": in memory only)
  std::string setup;       // what the timer measures (n, levels, device): cached times of another setup are ignored
  size_t max_held = 1024;  // games held at most; beyond it the oldest is dropped (counted)
};

struct HeldGame {
  GameRecord game;
  int target = 0;
};

class RuntimeReward {
 public:
  // Reads the cache file (a missing one is empty; a damaged line is skipped) and starts the thread.
  explicit RuntimeReward(RuntimeRewardConfig cfg);
  // Stops the thread after the timing in progress.
  ~RuntimeReward();
  RuntimeReward(const RuntimeReward&) = delete;
  RuntimeReward& operator=(const RuntimeReward&) = delete;

  // −λ·ratio when s has been timed; otherwise queues s (once per distinct scheme) and returns none.
  std::optional<double> reward(const Scheme& s);
  // Holds a solved game until the time of its scheme `s` arrives.
  void hold(const Scheme& s, HeldGame g);
  // The held games whose time has arrived, in the order they were held, with their reward term.
  std::vector<std::pair<HeldGame, double>> take_ready();
  // Blocks until nothing is queued or being timed (tests).
  void wait_idle();

  struct Counts {
    long timed = 0;    // schemes timed by this service (not from the cache)
    long cached = 0;   // schemes known (timed or read from the cache)
    long failed = 0;   // timings that threw
    long held = 0;     // games held now
    long dropped = 0;  // held games dropped when max_held was reached
  };
  Counts counts() const;

 private:
  void loop();

  RuntimeRewardConfig cfg_;
  mutable std::mutex mu_;                  // guards everything below but thread_
  std::condition_variable cv_;
  std::map<uint64_t, double> ratio_;       // scheme hash -> measured ratio (NaN: the timing failed)
  std::deque<std::pair<uint64_t, Scheme>> queue_;  // schemes to time, in order asked
  std::set<uint64_t> queued_;              // hashes queued or being timed
  std::deque<std::pair<uint64_t, HeldGame>> held_;
  Counts counts_;
  bool busy_ = false;                      // the thread is timing a scheme
  bool done_ = false;
  std::thread thread_;                     // last: starts after every other member is ready
};

}  // namespace at::mcts
