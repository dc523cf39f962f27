#pragma once
// Between the actors (self-play, polish) and the learner (buffers, steps, checkpoints, schemes
// written): games and found schemes go actor -> learner, weights learner -> actors. In one process
// an InProcessTransport (the actors play the learner's own network); across MPI ranks
// cluster/train_ranks.hpp. The loop (trainer.hpp) is the same over both.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/scheme.hpp"
#include "mcts/polish.hpp"
#include "mcts/selfplay.hpp"
#include "nn/network.hpp"

namespace at::mcts {

// A finished game and, when it gives one, its scheme (canonical basis, checked by the actor;
// the learner's store verifies it again before writing): kind "selfplay" (solved) or "completion"
// (cut at R_limit, completed; --polish only).
struct PlayedGame {
  int target = 0;
  GameRecord game;
  std::optional<Scheme> scheme;
  std::string kind;
};

// A flip-graph result and how long ago (seconds) its walks ended when it was sent.
struct Polished {
  PolishResult result;
  double age = 0;
};

// What an actor sends: a round of games (round == true) or only polish results found meanwhile.
struct RoundReport {
  int actor = 0;
  bool round = true;
  long weights_step = 0;  // the learner step of the weights the games were played with
  long played = 0, sims = 0;
  double seconds = 0, sum_return = 0, best_return = 0, mean_batch = 0;
  std::vector<PlayedGame> games;
  std::vector<Polished> polished;
  long polish_dropped = 0;  // the actor's total
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Actor side; never waits.
  virtual void send(RoundReport report) = 0;
  // The learner's newest weights into `net` when newer than the last taken: then the learner step
  // they are from (`net` changed: its copies must sync).
  virtual std::optional<long> take_weights(nn::Network& net) = 0;
  // Learner side. Every report arrived since the last call; never waits.
  virtual std::vector<RoundReport> receive() = 0;
  // `net`'s weights to every actor, without waiting for them to arrive.
  virtual void publish(nn::Network& net) = 0;
  // Waits up to `seconds` for a report (the learner has nothing to train on).
  virtual void wait(double seconds) = 0;
};

// One process: actors and learner take turns on one thread and share the network.
class InProcessTransport final : public Transport {
 public:
  void send(RoundReport report) override { reports_.push_back(std::move(report)); }
  std::optional<long> take_weights(nn::Network& net) override { return net.step(); }
  std::vector<RoundReport> receive() override { return std::exchange(reports_, {}); }
  void publish(nn::Network&) override {}
  void wait(double) override {}

 private:
  std::vector<RoundReport> reports_;  // the loop's thread only
};

}  // namespace at::mcts
