#include "cluster/train_ranks.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "cluster/train_wire.hpp"

namespace at::cluster {
namespace {

using Clock = std::chrono::steady_clock;

// Message tags (distinct from improve's). Actors talk to rank 0 only.
enum Tag : int {
  kReport = 21,       // actor -> 0: a round report (train_wire)
  kWeights = 22,      // 0 -> actor: the learner's weights (train_wire)
  kStatus = 23,       // either way: a heartbeat
  kStopRequest = 24,  // actor -> 0: a signal arrived here
  kEnd = 25,          // 0 -> actor: the run ended: "stopped" (a signal) or "finished"
  kDone = 26,         // actor -> 0: its loop ended; it finalises
};

constexpr double kHeartbeat = 0.5;  // seconds between heartbeats either way

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

class RankTransport final : public mcts::Transport {
 public:
  RankTransport(World& world, const std::atomic<bool>& signal, double timeout)
      : world_(world), signal_(signal), timeout_(timeout), root_(world.rank() == 0),
        heard_(size_t(world.size()), Clock::now()), done_(size_t(world.size()), false) {}

  // Actor side (the actors' thread).
  void send(mcts::RoundReport r) override {
    std::string bytes = encode_report(r);
    std::lock_guard<std::mutex> lock(mu_);
    outbox_.push_back(std::move(bytes));
  }
  std::optional<long> take_weights(nn::Network& net) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!fresh_) return std::nullopt;
      std::swap(front_, mine_);  // the communication thread fills front_ meanwhile
      fresh_ = false;
    }
    std::vector<float> params;
    const long step = decode_weights(mine_, &params);
    net.set_params(params);
    return step;
  }

  // Learner side (rank 0's loop thread).
  std::vector<mcts::RoundReport> receive() override {
    std::deque<std::pair<int, std::string>> in;
    {
      std::lock_guard<std::mutex> lock(mu_);
      in.swap(inbox_);
    }
    std::vector<mcts::RoundReport> out;
    for (auto& [from, bytes] : in) out.push_back(decode_report(bytes, "rank " + std::to_string(from)));
    return out;
  }
  void publish(nn::Network& net) override {
    std::string bytes = encode_weights(net.step(), net.get_params());
    std::lock_guard<std::mutex> lock(mu_);
    weights_ = std::move(bytes);  // replaces weights not yet sent: only the newest matter
    weights_new_ = true;
  }
  void wait(double seconds) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return !inbox_.empty(); });
  }

  // Rank 0: a signal here or on any rank. Actors: the learner ended the run.
  const std::atomic<bool>& stop() const { return stop_; }
  // The loop of this rank ended (rank 0: `stopped` by a signal, else finished).
  void loop_ended(bool stopped) {
    std::lock_guard<std::mutex> lock(mu_);
    reason_ = root_ ? (stopped ? "stopped" : "finished") : reason_;
    loop_ended_ = true;
  }
  void failed() { failed_ = true; }
  bool stopped() {
    std::lock_guard<std::mutex> lock(mu_);
    return reason_ == "stopped";
  }

  const TrainTraffic& traffic() const { return traffic_; }  // once serve() returned

  // The communication thread's loop until the job ends. Any failure aborts the whole job.
  void serve(Mpi& m) {
    try {
      root_ ? serve_root(m) : serve_actor(m);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "alphatensor: rank %d: %s; aborting the job\n", world_.rank(), e.what());
      m.abort(3);
    }
  }

 private:
  void serve_root(Mpi& m) {
    const int n = world_.size();
    Clock::time_point beat = Clock::now();
    bool end_sent = false;
    int done = 0;
    for (;;) {
      bool busy = false;
      while (std::optional<Message> msg = m.poll()) {
        busy = true;
        heard_[size_t(msg->source)] = Clock::now();
        if (msg->tag == kReport && !end_sent) {
          ++traffic_.reports, traffic_.report_bytes += long(msg->bytes.size());
          std::lock_guard<std::mutex> lock(mu_);
          inbox_.emplace_back(msg->source, std::move(msg->bytes));
          cv_.notify_all();
        } else if (msg->tag == kStopRequest) {
          stop_.store(true);
        } else if (msg->tag == kDone && !done_[size_t(msg->source)]) {
          done_[size_t(msg->source)] = true, ++done;
        }
      }
      if (failed_) throw std::runtime_error("its loop failed");
      if (signal_.load()) stop_.store(true);
      std::unique_lock<std::mutex> lock(mu_);
      // Weights only when the last ones have left: a slow network never queues old weights.
      if (weights_new_ && m.pending() == 0) {
        for (int r = 1; r < n; ++r) m.send(r, kWeights, weights_);
        weights_new_ = false;
        traffic_.weights_sent += n - 1, traffic_.weights_bytes += long(weights_.size()) * (n - 1);
      }
      if (loop_ended_ && !end_sent) {
        for (int r = 1; r < n; ++r) m.send(r, kEnd, reason_);
        end_sent = true;
      }
      lock.unlock();
      if (end_sent && done == n - 1) return;
      if (since(beat) >= kHeartbeat) {
        beat = Clock::now();
        for (int r = 1; r < n; ++r) m.send(r, kStatus, "");
      }
      for (int r = 1; r < n; ++r)
        if (!done_[size_t(r)] && since(heard_[size_t(r)]) > timeout_)
          throw std::runtime_error("no word from rank " + std::to_string(r) + " for " +
                                   std::to_string(int(since(heard_[size_t(r)]))) + " s");
      if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  void serve_actor(Mpi& m) {
    Clock::time_point beat = Clock::now();
    bool requested = false;
    for (;;) {
      bool busy = false;
      while (std::optional<Message> msg = m.poll()) {
        busy = true;
        heard_[0] = Clock::now();
        std::lock_guard<std::mutex> lock(mu_);
        if (msg->tag == kWeights) {
          front_ = std::move(msg->bytes);  // the back buffer; take_weights swaps it in
          fresh_ = true;
        } else if (msg->tag == kEnd) {
          reason_ = msg->bytes;
          stop_.store(true);
        }
      }
      if (failed_) throw std::runtime_error("its loop failed");
      if (signal_.load() && !requested) m.send(0, kStopRequest, ""), requested = true;
      std::unique_lock<std::mutex> lock(mu_);
      for (const std::string& b : outbox_) m.send(0, kReport, b);
      outbox_.clear();
      const bool finished = loop_ended_ && stop_.load();
      lock.unlock();
      if (finished) {
        m.send(0, kDone, "");
        return;
      }
      if (since(beat) >= kHeartbeat) beat = Clock::now(), m.send(0, kStatus, "");
      if (since(heard_[0]) > timeout_)
        throw std::runtime_error("no word from rank 0 for " + std::to_string(int(since(heard_[0]))) + " s");
      if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  World& world_;
  const std::atomic<bool>& signal_;  // this rank's signal flag
  const double timeout_;
  const bool root_;
  std::atomic<bool> stop_{false};    // see stop(); set by the communication thread
  std::atomic<bool> failed_{false};  // this rank's loop threw
  std::mutex mu_;                    // guards everything below
  std::condition_variable cv_;       // inbox_ filled
  std::deque<std::pair<int, std::string>> inbox_;  // rank 0: reports (source, bytes) not yet taken
  std::deque<std::string> outbox_;   // actors: reports not yet sent
  std::string weights_;              // rank 0: the newest weights to send
  bool weights_new_ = false;
  std::string front_;                // actors: the newest weights received (the back buffer)
  bool fresh_ = false;               // front_ not yet taken
  std::string mine_;                 // actors: the loop's buffer (its thread only, outside mu_)
  std::string reason_;               // "stopped" or "finished" once known
  bool loop_ended_ = false;
  std::vector<Clock::time_point> heard_;  // the communication thread only
  std::vector<bool> done_;                // the communication thread only (rank 0)
  TrainTraffic traffic_;                  // the communication thread only (rank 0)
};

}  // namespace

bool train_across_ranks(World& world, mcts::TrainRun& run, const std::atomic<bool>& signal,
                        const mcts::ProgressFn& on_progress, const TrainRanksOptions& options) {
  const bool root = world.rank() == 0;
  nn::Network& net = run.net();
  // The actors start from the learner's weights (a resumed run's); the step picks their streams.
  std::string weights = root ? encode_weights(net.step(), net.get_params()) : std::string();
  world.call([&](Mpi& m) { m.broadcast(weights, 0); });
  std::vector<float> params;
  const long step = decode_weights(weights, &params);
  if (!root) net.set_params(params);

  RankTransport t(world, signal, options.timeout);
  std::future<void> served = world.async([&](Mpi& m) { t.serve(m); });
  try {
    if (root) {
      mcts::Learner& learner = run.trainer().learner();
      learner.start({{"mpi", world.describe()}, {"ranks", std::to_string(world.size())}});
      t.loop_ended(mcts::run_training(&learner, nullptr, t, t.stop(), on_progress));
    } else {
      mcts::Actors actors(mcts::resolve_train_config(run.config(), net.config()), net, world.rank(), step);
      mcts::run_training(nullptr, &actors, t, t.stop(), [](const mcts::TrainProgress&, bool) {});
      t.loop_ended(true);
    }
  } catch (...) {
    t.failed();  // the communication thread aborts the job: the other ranks must not wait for this one
    served.wait();
    throw;
  }
  served.get();
  if (options.traffic) *options.traffic = t.traffic();
  return t.stopped();
}

}  // namespace at::cluster
