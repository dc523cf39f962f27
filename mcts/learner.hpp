#pragma once
// The learner of a training run (alphatensor-method.md, "Data"): the data buffers (self-play
// replay, best games per target, synthetic demonstrations), the learner steps, the checkpoint ring
// and everything written (schemes through the SchemeStore, verified exactly; metrics.jsonl). It
// takes the actors' reports from a Transport and publishes its weights there. One per run: in one
// process beside the actors, across MPI ranks on rank 0.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/scheme_store.hpp"
#include "mcts/replay.hpp"
#include "mcts/train_config.hpp"
#include "mcts/train_transport.hpp"
#include <oneapi/tbb/task_arena.h>

namespace at::mcts {

using ProgressFn = std::function<void(const TrainProgress&, bool final)>;

class Learner {
 public:
  // Throws std::invalid_argument when a target does not fit the network.
  Learner(const TrainConfig& cfg, nn::Network& net);
  ~Learner();

  // Restores the newest valid checkpoint of out_dir (skipping damaged ones with a warning on
  // stderr); returns false if there is none.
  bool resume();
  // Called from the loop's thread for every new best, after it is written and logged.
  void on_new_best(std::function<void(const NewBest&)> f) { on_new_best_ = std::move(f); }
  const TrainConfig& config() const { return cfg_; }  // resolved
  const TrainProgress& progress() const { return progress_; }
  const BestGames& best_games(int target) const { return best_games_[size_t(target)]; }
  std::string checkpoint_dir() const { return cfg_.out_dir + "/checkpoints"; }
  // Puts a scheme of target `target` (canonical basis, valid in the run's field) into the
  // best-games buffer as a solved game, in a basis from the pool when its terms fit the network's
  // coefficients there, else in the canonical basis. Returns false when neither fits.
  bool learn_from(const Scheme& s, int target);

  // The loop's pieces (trainer.hpp). start: the run's clock and its start line in the metrics;
  // `extra` adds to that line (the ranks of an MPI job).
  void start(const std::map<std::string, std::string>& extra = {});
  double now() const;
  bool past_deadline() const { return cfg_.time_limit > 0 && now() >= cfg_.time_limit; }
  // The time limit, max_steps or the target rank reached.
  bool done() const;
  bool out_of_steps() const { return cfg_.max_steps >= 0 && net_.step() >= cfg_.max_steps; }
  // Takes every report arrived (absorbed into the buffers, schemes recorded).
  void take(Transport& t);
  // Takes every report arrived; one process: each round of games is followed by
  // steps_per_iteration learner steps (steps_per_iteration per round from any actor, at most that
  // per actor in advance); with none to do and no round arrived, waits a little for one (idle).
  void iteration(Transport& t, const std::atomic<bool>& halt, const std::function<void()>& pump,
                 const ProgressFn& on_progress);
  // The loop waited `seconds` for a round played beside the learner's steps (trainer.hpp): counted
  // as idle, like waiting for actor ranks, and learner_idle is then logged.
  void waited_for_round(double seconds);
  // The reports left, a checkpoint, the last metrics line and progress.
  void finish(Transport& t, bool stopped, const ProgressFn& on_progress);

 private:
  void absorb(const RoundReport& r);
  void absorb_game(const PlayedGame& p);
  void absorb_polished(const Polished& p, int actor);
  // A finished game's training data into the buffers; `bonus` (the runtime term) adds to every
  // return of a solved game.
  void learn_game(const GameRecord& g, int target_index, double bonus);
  // A solved game (or a scheme's game) into target t's best-games buffer, with its order variant.
  void offer_solved(int t, Demonstration d, double bonus = 0);
  // Offers a scheme to the store (which verifies it exactly), keeps the per-source bests and logs a
  // new best found `elapsed` seconds into the run. kind: "selfplay", "completion" or "polish".
  // Returns false if it did not verify.
  bool record(const Scheme& s, int target, const std::string& kind, const std::string& source, double elapsed);
  nn::TrainExample augment(nn::TrainExample e, Rng& rng) const;
  std::vector<nn::TrainExample> make_batch();
  void save_checkpoint();
  void log_metrics(const std::string& event, const nn::TrainStats* st);

  TrainConfig cfg_;  // resolved
  nn::Network& net_;
  SchemeStore store_;
  BasisPool pool_;
  ReplayBuffer replay_;
  std::vector<BestGames> best_games_;  // per target
  Rng rng_;                            // the learner's own stream (batches, bases of schemes learnt)
  TrainProgress progress_;
  double elapsed_before_ = 0;          // seconds spent by earlier runs (resume)
  double start_ = 0;                   // the steady clock (s) at start()
  double idle_ = 0;                    // seconds waited for reports since the first round arrived
  bool waited_beside_ = false;         // a round has been played beside the learner's steps
  double first_round_ = 0;             // the steady clock (s) when the first round arrived
  double last_checkpoint_ = 0;         // now() at the last checkpoint
  long games_total_ = 0;
  long budget_ = 0;                    // learner steps owed to the rounds received
  bool polishing_ = false;             // --polish: schemes come back from the actors' walks
  std::map<int, TrainProgress::Actor> actors_;      // by actor id, from their reports
  std::map<int, long> polish_dropped_;              // by actor id
  std::map<int, long> weights_step_;                // by actor id: the step of its latest round's weights
  long rounds_ = 0;                                 // rounds received
  tbb::task_arena compute_;            // where the network and the learner run (cfg.threads)
  std::function<void(const NewBest&)> on_new_best_;  // set before the loop; called by its thread
  std::unique_ptr<RuntimeReward> runtime_;  // --reward runtime only; its own thread (runtime_reward.hpp)
  // All but runtime_'s insides: the loop's thread only.
};

}  // namespace at::mcts
