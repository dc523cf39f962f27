#pragma once
// The actors of a training run: rounds of self-play games from the targets in random bases, played
// by the search with batched inference over network replicas, and (--polish) a flip-graph worker
// fed with every scheme they make. What they find goes to the learner through a Transport; they
// write nothing. One process has one Actors; across MPI ranks every rank but 0 has its own.
#include <atomic>
#include <memory>
#include <set>

#include "mcts/neural.hpp"
#include "mcts/train_config.hpp"
#include "mcts/train_transport.hpp"
#include <oneapi/tbb/task_arena.h>

namespace at::mcts {

class Actors {
 public:
  // `net`: the network they play (one process: the learner's own; an actor rank: its copy, kept
  // current by Transport::take_weights). `id`: 0 in one process, the rank across ranks; with
  // `step` (the learner's step at the start) it picks the actors' random streams, so a resumed run
  // plays new games whatever the number of ranks.
  Actors(const TrainConfig& cfg, nn::Network& net, int id, long step);

  // One round: the newest weights, cfg.games_per_iteration games (cut short by `halt`), their
  // schemes made and polished; the report sent. The same as prepare, play, then send.
  void round(Transport& t, const std::atomic<bool>& halt);

  // A round in two halves, for the loop that plays it beside the learner's steps (trainer.hpp):
  // prepare (the loop's thread) takes the newest weights into the replicas and draws the games;
  // play may then run on another thread while the learner trains, when the games are played on
  // copies of the network (plays_on_copies); the loop sends its report.
  struct Round {
    std::vector<TensorI8> starts;
    std::vector<std::pair<int, BasisChange>> bases;  // by game index: target, basis
    uint64_t seed = 0;
  };
  Round prepare(Transport& t);
  RoundReport play(const Round& round, const std::atomic<bool>& halt);
  // After a prepare: whether the games are played on replicas (copies), not on `net` itself.
  bool plays_on_copies() const { return replicas_ && replicas_->count() > 1; }
  // Polish results finished since the last report, sent on their own (between learner steps).
  void ship_polished(Transport& t);
  // Stops the walk in progress and sends what finished.
  void finish(Transport& t);

 private:
  PlayedGame scheme_of(const GameRecord& g, int target, const BasisChange& basis);
  void polish(const Scheme& s, int target, const std::string& origin);
  std::vector<Polished> take_polished();

  const TrainConfig cfg_;  // resolved (resolve_train_config)
  nn::Network& net_;
  const int id_;
  long weights_step_;                          // the learner step of the weights played
  BasisPool pool_;
  Rng rng_;                                    // bases and game seeds
  tbb::task_arena compute_;                    // the replicas' threads (cfg.threads)
  std::unique_ptr<NeuralReplicas> replicas_;   // made by the first round
  std::unique_ptr<Polisher> polisher_;         // --polish only; its own thread (polish.hpp)
  std::set<uint64_t> polish_sent_;             // hashes of schemes sent (each is polished once)
  // All of the above: the loop's thread, but for play(), which may run on another thread while the
  // loop's thread runs only the learner and ship_polished: play reads cfg_, id_, weights_step_
  // and replicas_ (set by prepare before play starts), writes polish_sent_ (play only), and shares
  // polisher_ (locked inside) with ship_polished.
};

}  // namespace at::mcts
