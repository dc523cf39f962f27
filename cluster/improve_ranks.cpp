#include "cluster/improve_ranks.hpp"

#include <chrono>
#include <climits>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/cse.hpp"
#include "core/scheme_io.hpp"

namespace at::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Message tags. Workers (ranks > 0) talk to rank 0 only.
enum Tag : int {
  kBest = 1,         // a scheme (JSON), either way
  kStatus = 2,       // worker -> 0: figures; 0 -> worker: a heartbeat
  kStopRequest = 3,  // worker -> 0: a signal arrived here
  kStop = 4,         // 0 -> worker: stop, with the job's reason
  kFinal = 5,        // worker -> 0: its run ended: its best and figures
  kBye = 6,          // 0 -> worker: every final is in; finalise
};

constexpr double kHeartbeat = 0.5;  // seconds between status messages either way

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// (rank, additions) lexicographically; additions count only for the additions objectives.
struct Key {
  int rank = INT_MAX;
  long additions = 0;
  bool better_than(const Key& o) const { return rank < o.rank || (rank == o.rank && additions < o.additions); }
};

class Exchange {
 public:
  Exchange(World& world, const improve::RunOptions& o, const std::atomic<bool>* cancel, const ExchangeOptions& x)
      : world_(world), o_(o), signal_(cancel), x_(x), root_(world.rank() == 0),
        figures_(size_t(world.size())), heard_(size_t(world.size()), Clock::now()),
        sent_to_(size_t(world.size()), 0), finished_(size_t(world.size()), false),
        by_additions_(o.search.objective != improve::Objective::Rank) {}

  const std::atomic<bool>* run_cancel() const { return &stop_; }

  // The rank's own finds (reporter thread).
  void own_best(const Scheme& s) {
    const Key k = key(s);
    std::lock_guard<std::mutex> lock(mu_);
    if (!k.better_than(best_key_)) return;
    best_ = s, best_key_ = k, ++version_;
  }

  std::optional<Scheme> take() {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<Scheme> s;
    s.swap(inbox_);
    return s;
  }

  void own_figures(const RankFigures& f) {
    std::lock_guard<std::mutex> lock(mu_);
    figures_[size_t(world_.rank())] = f;
  }

  std::vector<RankFigures> figures() {
    std::lock_guard<std::mutex> lock(mu_);
    return figures_;
  }

  // Rank 0's reporter: the run wants to stop; it goes on until every other rank's last best is in.
  bool hold(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (reason_.empty()) reason_ = why;
    return finals_ < world_.size() - 1 || inbox_.has_value();
  }

  // After this rank's run returned (rank 0: the job's reason, if none yet).
  void run_ended(const improve::RunResult& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (root_ && reason_.empty()) reason_ = r.stopped_by;
    final_ = json{{"scheme", json::parse(scheme_to_json(r.best))}, {"flips", r.flips}}.dump();
    figures_[size_t(world_.rank())].flips = r.flips;
    ended_ = true;
  }
  // This rank's run threw. `alike`: a bad start or options, which every rank meets alike: each
  // ends on its own (exit 2 with one line); anything else aborts the job.
  void failed(bool alike) { (alike ? failed_alike_ : failed_) = true; }

  std::string reason() {
    std::lock_guard<std::mutex> lock(mu_);
    return reason_;
  }

  // The communication thread's loop, until the job ends (rank 0: every final in and bye sent;
  // workers: bye received). Any failure aborts the whole job.
  void serve(Mpi& m) {
    try {
      serve_loop(m);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "alphatensor: rank %d: %s; aborting the job\n", world_.rank(), e.what());
      m.abort(3);
    }
  }

 private:
  Key key(const Scheme& s) const { return {s.rank(), by_additions_ ? additions_after_elimination(s) : 0}; }

  void serve_loop(Mpi& m) {
    Clock::time_point last_status = Clock::now() - std::chrono::hours(1), last_exchange = Clock::now();
    bool requested = false, stop_sent = false, final_sent = false;
    for (;;) {
      bool busy = false;
      while (std::optional<Message> msg = m.poll()) {
        busy = true;
        heard_[size_t(msg->source)] = Clock::now();
        if (receive(*msg)) return;
      }
      if (failed_) throw std::runtime_error("its run failed");
      if (failed_alike_) return;
      const bool heartbeat = since(last_status) >= kHeartbeat, exchange = since(last_exchange) >= x_.every;
      if (heartbeat) last_status = Clock::now();
      if (exchange) last_exchange = Clock::now();
      std::unique_lock<std::mutex> lock(mu_);
      if (root_) {
        if (signal_ && signal_->load()) stop_.store(true);
        if (!reason_.empty() && !stop_sent) {
          for (int r = 1; r < world_.size(); ++r) m.send(r, kStop, reason_);
          stop_sent = true;
        }
        for (int r = 1; r < world_.size(); ++r) {
          // The best goes to every rank that reported worse, at exchange times.
          const Key theirs{figures_[size_t(r)].best_rank > 0 ? figures_[size_t(r)].best_rank : INT_MAX, 0};
          if (exchange && version_ > sent_to_[size_t(r)] && !finished_[size_t(r)] &&
              (by_additions_ || best_key_.better_than(theirs)))
            m.send(r, kBest, scheme_to_json(best_)), sent_to_[size_t(r)] = version_;
          if (heartbeat) m.send(r, kStatus, "");
        }
        if (ended_ && finals_ == world_.size() - 1) {
          for (int r = 1; r < world_.size(); ++r) m.send(r, kBye, reason_);
          return;
        }
      } else {
        if (signal_ && signal_->load() && !requested) m.send(0, kStopRequest, ""), requested = true;
        const bool at_target = !by_additions_ && o_.search.target_rank > 0 && best_key_.rank <= o_.search.target_rank;
        if (version_ > sent_to_[0] && (exchange || at_target))
          m.send(0, kBest, scheme_to_json(best_)), sent_to_[0] = version_;
        if (heartbeat) {
          const RankFigures& f = figures_[size_t(world_.rank())];
          m.send(0, kStatus, json{{"flips", f.flips}, {"fps", f.flips_per_second}, {"best", f.best_rank},
                                  {"gen", f.generations}}.dump());
        }
        if (ended_ && !final_sent) m.send(0, kFinal, final_), final_sent = true;
      }
      lock.unlock();
      check_heard();
      if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // True when the loop ends (a worker's bye).
  bool receive(const Message& msg) {
    const size_t from = size_t(msg.source);
    std::lock_guard<std::mutex> lock(mu_);
    switch (msg.tag) {
      case kBest: offer(msg.bytes, msg.source); break;
      case kStatus:
        if (root_ && !msg.bytes.empty()) {
          const json j = json::parse(msg.bytes);
          RankFigures& f = figures_[from];
          f.flips = j.at("flips"), f.flips_per_second = j.at("fps"), f.best_rank = j.at("best"), f.generations = j.at("gen");
        }
        break;
      case kStopRequest: stop_.store(true); break;
      case kStop:
        if (reason_.empty()) reason_ = msg.bytes;
        stop_.store(true);
        break;
      case kFinal: {
        const json j = json::parse(msg.bytes);
        offer(j.at("scheme").dump(), msg.source);
        figures_[from].flips = j.at("flips");
        finished_[from] = true;
        ++finals_;
        break;
      }
      case kBye: return true;
      default: throw std::runtime_error("an unknown message tag " + std::to_string(msg.tag));
    }
    return false;
  }

  // Another rank's best (under mu_): checked exactly, and handed to this rank's search when better.
  void offer(const std::string& text, int from) {
    Scheme s = parse_scheme_json(text, "rank " + std::to_string(from) + "'s best");
    const VerifyResult ok = verify(s, o_.search.field);
    if (!ok.ok) throw std::logic_error("rank " + std::to_string(from) + " sent an invalid scheme: " + ok.error);
    const Key k = key(s);
    if (root_ && figures_[size_t(from)].best_rank <= 0) figures_[size_t(from)].best_rank = k.rank;
    if (root_) figures_[size_t(from)].best_rank = std::min(figures_[size_t(from)].best_rank, k.rank);
    if (!k.better_than(best_key_)) return;
    best_ = s, best_key_ = k, ++version_;
    if (!root_) sent_to_[0] = version_;  // rank 0's own: no need to send it back
    inbox_ = std::move(s);
  }

  void check_heard() {
    for (int r = 0; r < world_.size(); ++r) {
      if (r == world_.rank() || (root_ ? r == 0 : r != 0)) continue;
      const double quiet = since(heard_[size_t(r)]);
      if (quiet > x_.timeout)
        throw std::runtime_error("no word from rank " + std::to_string(r) + " for " + std::to_string(int(quiet)) + " s");
    }
  }

  World& world_;
  const improve::RunOptions& o_;
  const std::atomic<bool>* signal_;  // this rank's signal flag (may be null)
  const ExchangeOptions x_;
  const bool root_;
  std::atomic<bool> stop_{false};    // the run's cancel: set by the communication thread
  std::atomic<bool> failed_{false}, failed_alike_{false};  // this rank's run threw (see failed())
  std::mutex mu_;                    // guards everything below
  std::optional<Scheme> inbox_;      // a better scheme from another rank, for the search to take
  Scheme best_;                      // the best this rank knows of (its own or received)
  Key best_key_;
  long version_ = 0;                 // counts changes of best_
  std::vector<RankFigures> figures_; // rank 0: every rank's; workers: their own
  std::vector<Clock::time_point> heard_;  // the communication thread only: last message from each rank
  std::vector<long> sent_to_;        // version_ last sent to each rank (workers: [0])
  std::vector<bool> finished_;       // rank 0: which ranks sent their final
  int finals_ = 0;
  std::string reason_;               // the job's reason to stop ("" while running)
  std::string final_;                // this rank's last best and figures, once its run ended
  bool ended_ = false;
  const bool by_additions_;
};

}  // namespace

RanksResult improve_across_ranks(World& world, const Scheme& start, const improve::RunOptions& options,
                                 const improve::RunEvents& events, const std::atomic<bool>* cancel,
                                 const ExchangeOptions& x) {
  const bool root = world.rank() == 0;
  std::string text = root ? scheme_to_json(start) : std::string();
  world.call([&](Mpi& m) { m.broadcast(text, 0); });
  const Scheme first = root ? start : parse_scheme_json(text, "rank 0's start scheme");

  improve::RunOptions o = options;
  o.search.seed = options.search.seed + uint64_t(world.rank());
  if (root) {
    if (o.source.empty())
      o.source = "improve seed " + std::to_string(options.search.seed) + " + rank, " + std::to_string(world.size()) + " ranks";
  } else {
    o.out_dir.clear(), o.metrics_path.clear(), o.time_limit = 0;
    o.progress_every = kHeartbeat;
  }
  Exchange ex(world, o, cancel, x);
  improve::RunEvents ev;
  ev.restart_from = [&] { return ex.take(); };
  ev.on_best = [&](const Scheme& s, SchemeStore::Outcome r, double seconds, long flips) {
    ex.own_best(s);
    if (root && events.on_best) events.on_best(s, r, seconds, flips);
  };
  ev.on_progress = [&](const improve::RunProgress& p) {
    ex.own_figures({p.flips, p.flips_per_second, p.best_rank, p.generations});
    if (!root || !events.on_progress) return;
    improve::RunProgress all = p;
    const std::vector<RankFigures> f = ex.figures();
    for (size_t r = 1; r < f.size(); ++r) all.flips += f[r].flips, all.flips_per_second += f[r].flips_per_second;
    events.on_progress(all);
  };
  if (root) {
    ev.hold_stop = [&](const std::string& why) { return ex.hold(why); };
    ev.on_metrics = [&](json& line) {
      if (line.at("event") == "start") {
        line["ranks"] = world.size(), line["mpi"] = world.describe(), line["seeds"] = "seed + rank";
        return;
      }
      std::vector<RankFigures> f = ex.figures();
      f[0].flips = line.at("flips");
      if (line.contains("flips_per_second")) f[0].flips_per_second = line.at("flips_per_second");
      json ranks = json::array();
      long flips = 0;
      double fps = 0;
      for (size_t r = 0; r < f.size(); ++r) {
        ranks.push_back({{"rank", r}, {"flips", f[r].flips}, {"flips_per_second", f[r].flips_per_second},
                         {"best_rank", r == 0 ? line.value("best_rank", 0) : f[r].best_rank}, {"generations", f[r].generations}});
        flips += f[r].flips, fps += f[r].flips_per_second;
      }
      line["ranks"] = ranks, line["flips_all_ranks"] = flips;
      if (line.contains("flips_per_second")) line["flips_per_second_all_ranks"] = fps;
    };
  }

  std::future<void> served = world.async([&](Mpi& m) { ex.serve(m); });
  RanksResult result;
  try {
    result.run = improve::run(first, o, ev, ex.run_cancel());
  } catch (const std::invalid_argument&) {  // the start does not fit: the same start on every rank
    ex.failed(true);
    served.wait();
    throw;
  } catch (...) {
    ex.failed(false);  // the communication thread aborts the job: the other ranks must not wait for this one
    served.wait();
    throw;
  }
  ex.run_ended(result.run);
  served.get();
  result.stopped_by = ex.reason();
  result.ranks = ex.figures();
  for (const RankFigures& f : result.ranks) result.flips += f.flips;
  if (!root) result.flips = result.run.flips;
  return result;
}

}  // namespace at::cluster
