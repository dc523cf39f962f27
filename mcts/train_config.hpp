#pragma once
// What a training run is told (TrainConfig) and what it reports (TrainProgress, NewBest): shared by
// the learner, the actors and the loop (trainer.hpp).
#include <map>
#include <string>
#include <vector>

#include "core/synthetic.hpp"
#include "mcts/polish.hpp"
#include "mcts/runtime_reward.hpp"
#include "mcts/search.hpp"
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
  long weights_every = 0;           // learner steps between weights sent to actor ranks; 0: steps_per_iteration
  double checkpoint_seconds = 600;  // also after this long without a checkpoint; <= 0: steps only
  double log_every = 10;            // seconds between plain progress lines (non-terminal)
  int threads = 0;                  // compute threads of the network and the learner; 0: all
  int replicas = 0;                 // network copies playing side by side (neural.hpp); 0: default_replicas
  bool overlap = true;              // one process, replicas > 1: each round of games is played while
                                    // the learner takes its steps for the round before (trainer.hpp);
                                    // false: they take turns (rounds play the newest weights)
  PolishConfig polish;              // --polish: flip-graph walks from every scheme found
  RuntimeRewardConfig runtime;      // --reward runtime (a timer set): solved games' reward adds −λ·time ratio
  Symmetry symmetry = Symmetry::None;  // Cyclic: the cyclic game (core/game.hpp; square targets);
                                       // its helpers in symmetric_game.hpp
};

// What the loop reports: a JSON object per line to metrics.jsonl and a progress line.
struct TrainProgress {
  long step = 0;
  long games = 0;
  long simulations = 0;  // search simulations of the games received (abandoned games not counted)
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
  // Per actor (one process: one, actor 0), from its latest round; across MPI ranks the rank.
  struct Actor {
    int id = 0;
    long games = 0, rounds = 0;
    double games_per_s = 0, sims_per_s = 0;
    long weights_lag = 0;    // learner steps between the weights its last round used and now
  };
  std::vector<Actor> actors;
  double learner_idle = 0;   // fraction of the time since the first round arrived that the learner
                             // waited for games (starved; actor ranks only)
};

// A new best verified scheme of a target, just written by the SchemeStore.
struct NewBest {
  int target;            // index into TrainConfig::targets
  const Scheme& scheme;  // canonical basis, valid in the run's field
  std::string path;      // its file under out_dir/schemes/
  std::string source;    // "selfplay", "completion" or "polish"
  double elapsed;        // seconds into the run (over restarts)
};

// The defaults left open that depend on the network (R_limit, the demonstrations' rank and
// alphabet); throws std::invalid_argument when a target does not fit the network.
TrainConfig resolve_train_config(const TrainConfig& cfg, const nn::ModelConfig& net);

}  // namespace at::mcts
