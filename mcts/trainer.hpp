#pragma once
// The training loop (alphatensor-method.md, "Data" and "Search"): actors play games from the
// targets in random bases with the search, the learner trains on a mix of self-play, synthetic
// demonstrations and best games, and every game that reaches zero becomes a scheme, mapped back to
// the canonical basis, verified exactly and kept by the SchemeStore.
//
// The learner (learner.hpp) and the actors (actors.hpp) are joined by a Transport
// (train_transport.hpp). run_training is the one loop: in one process it runs both over an
// InProcessTransport (Trainer below); across MPI ranks (cluster/train_ranks.hpp) rank 0 runs it
// with the learner alone and every other rank with its actors alone.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "mcts/actors.hpp"
#include "mcts/learner.hpp"
#include "mcts/train_transport.hpp"

namespace at::mcts {

// Runs until the learner is done (time limit, max_steps, target rank) or *stop; with no learner
// (an actor rank) until *stop. A signal or the time limit also cuts a round short. Returns true if
// stopped by *stop (the learner has written a checkpoint then). With both and `overlap`, each
// round of games is played beside the learner's steps for the round before it when the actors
// play on network copies (replicas > 1), else they take turns.
bool run_training(Learner* learner, Actors* actors, Transport& t, const std::atomic<bool>& stop,
                  const ProgressFn& on_progress, bool overlap = false);

// One process: a learner and its actors over an InProcessTransport, sharing the network.
class Trainer {
 public:
  Trainer(const TrainConfig& cfg, nn::Network& net);
  ~Trainer();
  // Runs until the time limit, max_steps, the target rank, or *stop. Returns true if stopped by
  // *stop (a checkpoint has been written then).
  bool run(const std::atomic<bool>& stop, const ProgressFn& on_progress);
  void on_new_best(std::function<void(const NewBest&)> f) { learner_.on_new_best(std::move(f)); }
  bool resume() { return learner_.resume(); }
  const TrainProgress& progress() const { return learner_.progress(); }
  const BestGames& best_games(int target) const { return learner_.best_games(target); }
  bool learn_from(const Scheme& s, int target) { return learner_.learn_from(s, target); }
  std::string checkpoint_dir() const { return learner_.checkpoint_dir(); }
  Learner& learner() { return learner_; }  // for a run over another transport (cluster/train_ranks)

 private:
  nn::Network& net_;
  Learner learner_;
  InProcessTransport transport_;
};

}  // namespace at::mcts
