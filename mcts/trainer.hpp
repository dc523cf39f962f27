#pragma once
// The training loop (alphatensor-method.md, "Data" and "Search"): actors play games from the
// targets in random bases with the search, the learner trains on a mix of self-play, synthetic
// demonstrations and best games, and every game that reaches zero becomes a scheme, mapped back to
// the canonical basis, verified exactly and kept by the SchemeStore.
//
// Actors and learner alternate in one process behind two small interfaces (Actors, Learner), so a
// multi-node version (actor ranks sending games, a learner rank broadcasting weights) can replace
// them without touching the loop.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/scheme_store.hpp"
#include "core/synthetic.hpp"
#include "mcts/neural.hpp"
#include "mcts/polish.hpp"
#include "mcts/replay.hpp"
#include "mcts/runtime_reward.hpp"
#include "mcts/selfplay.hpp"
#include "mcts/symmetric_game.hpp"
#include <oneapi/tbb/task_arena.h>

#include "nn/network.hpp"

namespace at::mcts {

struct TrainConfig {
  std::vector<Format> targets;     // one network for all (tensors padded to the network's S)
  Field field = Field::Z;
  uint64_t seed = 1;
  double time_limit = 600;         // seconds in total over resumed runs; <= 0: none
  int target_rank = -1;            // stop once every target has a scheme of this rank or lower
  long max_steps = -1;             // stop after this many learner steps (tests); < 0: none
  std::string out_dir = "out";
  int r_limit = 0;                 // moves per game; 0: 1.5 × the largest target's naive rank (published: 125)
  SearchConfig search;             // simulations, c1, c2, N̄, memory cap
  int samples = 32;                // K actions sampled per expansion (published)
  double temperature = 1.0;        // policy sampling temperature
  int games_per_iteration = 16;
  int concurrent_games = 16;       // games in flight; their queries are batched together
  int steps_per_iteration = 10;    // learner steps between rounds of games
  int batch_size = 64;             // published: 2048
  long mix_switch_step = 10000;    // published: the first 10k steps use the early mix
  double mix_early[3] = {0.10, 0.90, 0.00};  // self-play : demonstrations : best games (published)
  double mix_late[3] = {0.70, 0.25, 0.05};   // (published)
  size_t replay_capacity = 100000;  // published
  size_t best_capacity = 1000;      // published (games, per target)
  SyntheticConfig demos;            // its max_rank is replaced by demo_max_rank below
  int demo_max_rank = 0;            // demonstrations of rank U{1..this}; 0: R_limit (published)
  bool demo_all_remaining = false;  // a demonstration's policy target: false, its next term
                                    // (published); true, every term left with equal weights (that
                                    // target's expectation over the random order, less noisy)
  int basis_pool = 100000;          // published
  double p_canonical = 0.01;        // games in the canonical basis (published: "small")
  BasisConfig basis;
  bool augment = true;              // a random signed permutation on every training sample
  bool order_augment = true;        // a solved game also enters the best games with a random move
                                    // swapped with the last one (published; actions commute)
  long checkpoint_every = 200;      // learner steps
  double checkpoint_seconds = 600;  // also after this long without a checkpoint; <= 0: steps only
  double log_every = 10;            // seconds between plain progress lines (non-terminal)
  int threads = 0;                  // compute threads of the network and the learner; 0: all
  int replicas = 0;                 // network copies playing side by side (neural.hpp); 0: default_replicas
  PolishConfig polish;              // --polish: flip-graph walks from every scheme found
  RuntimeRewardConfig runtime;      // --reward runtime (a timer set): solved games' reward adds −λ·time ratio
  Symmetry symmetry = Symmetry::None;  // Cyclic: the cyclic game (core/game.hpp; square targets);
                                       // its helpers in symmetric_game.hpp
};

// What the loop reports: a JSON object per line to metrics.jsonl and a progress line.
struct TrainProgress {
  long step = 0;
  long games = 0;
  double elapsed = 0;
  double games_per_s = 0, sims_per_s = 0, mean_batch = 0;
  double mean_return = 0, best_return = 0;  // of the last round's games (−moves − penalty)
  nn::Losses losses;
  std::map<std::string, int> best;  // target -> best rank found (absent: none yet)
  // This run's best verified rank per target by where the scheme came from: self-play (a solved
  // game), completion (an unfinished game plus its residual's decomposition), polish (flip-graph
  // walks from either). A polished scheme is never counted as self-play.
  std::map<std::string, int> best_selfplay, best_completion, best_polish;
  long polished = 0;         // schemes the flip graph finished with
  long polish_improved = 0;  // of those, how many came out of lower rank (verified)
  long polish_dropped = 0;   // schemes dropped from a full polish queue
};

// A new best verified scheme of a target, just written by the SchemeStore.
struct NewBest {
  int target;            // index into TrainConfig::targets
  const Scheme& scheme;  // canonical basis, valid in the run's field
  std::string path;      // its file under out_dir/schemes/
  std::string source;    // "selfplay", "completion" or "polish"
  double elapsed;        // seconds into the run (over restarts)
};

class Trainer {
 public:
  Trainer(const TrainConfig& cfg, nn::Network& net);
  // Runs until the time limit, max_steps, the target rank, or *stop. Returns true if stopped by
  // *stop (a checkpoint has been written then).
  bool run(const std::atomic<bool>& stop, const std::function<void(const TrainProgress&, bool final)>& on_progress);
  // Called from run's thread for every new best, after it is written and logged.
  void on_new_best(std::function<void(const NewBest&)> f) { on_new_best_ = std::move(f); }
  // Restores the newest valid checkpoint of out_dir (skipping damaged ones with a warning on
  // stderr); returns false if there is none.
  bool resume();
  const TrainProgress& progress() const { return progress_; }
  const BestGames& best_games(int target) const { return best_games_[size_t(target)]; }
  // Puts a scheme of target `target` (canonical basis, valid in the run's field) into the
  // best-games buffer as a solved game, in a basis from the pool when its terms fit the network's
  // coefficients there, else in the canonical basis. Returns false when neither fits.
  bool learn_from(const Scheme& s, int target);
  std::string checkpoint_dir() const { return cfg_.out_dir + "/checkpoints"; }

 private:
  std::vector<GameRecord> play_round(const std::atomic<bool>& stop);
  void absorb(const GameRecord& g, int target_index, const BasisChange& basis);
  // A finished game's training data into the buffers; `bonus` (the runtime term) adds to every
  // return of a solved game.
  void learn_game(const GameRecord& g, int target_index, double bonus);
  // A solved game (or a scheme's game) into target t's best-games buffer, with its order variant.
  void offer_solved(int t, Demonstration d, double bonus = 0);
  // Offers a scheme to the store (which verifies it exactly), keeps the per-source bests and logs a
  // new best found `elapsed` seconds into the run. kind: "selfplay", "completion" or "polish".
  // Returns false if it did not verify.
  bool record(const Scheme& s, int target, const std::string& kind, const std::string& source, double elapsed);
  void send_to_polish(const Scheme& s, int target, const std::string& origin);
  void drain_polish();
  nn::TrainExample augment(nn::TrainExample e, Rng& rng) const;
  std::vector<nn::TrainExample> make_batch();
  void save_checkpoint();
  void log_metrics(const std::string& event, const nn::TrainStats* st);

  TrainConfig cfg_;
  nn::Network& net_;
  SchemeStore store_;
  BasisPool pool_;
  ReplayBuffer replay_;
  std::vector<BestGames> best_games_;  // per target
  Rng rng_;                            // the loop's own stream (games, bases, batches)
  TrainProgress progress_;
  double elapsed_before_ = 0;          // seconds spent by earlier runs (resume)
  long games_total_ = 0;
  // The bases of the games of the current round, by game index.
  std::vector<std::pair<int, BasisChange>> round_bases_;
  tbb::task_arena compute_;            // where the network and the learner run (cfg.threads)
  std::unique_ptr<NeuralReplicas> replicas_;  // self-play's networks, made by the first round
  std::unique_ptr<Polisher> polisher_; // --polish only; its own thread, handoff in polish.hpp
  std::set<uint64_t> polish_sent_;     // hashes of schemes already sent (each is polished once);
                                       // like polisher_, touched by the trainer's thread only
  std::function<void(const NewBest&)> on_new_best_;  // set before run(); called by its thread
  std::unique_ptr<RuntimeReward> runtime_;  // --reward runtime only; its own thread (runtime_reward.hpp)
};

}  // namespace at::mcts
