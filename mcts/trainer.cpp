#include "mcts/trainer.hpp"

#include <chrono>
#include <thread>

namespace at::mcts {

bool run_training(Learner* learner, Actors* actors, Transport& t, const std::atomic<bool>& stop,
                  const ProgressFn& on_progress) {
  // A signal or the time limit also cuts a round short (its games in flight are abandoned): a
  // round of a large target can take minutes. halt: written by the watchdog, read by the games.
  std::atomic<bool> halt{false}, done{false};
  std::thread watchdog([&] {
    while (!done.load()) {
      if (stop.load() || (learner && learner->past_deadline())) halt.store(true);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  struct Join {  // also when a round throws
    std::atomic<bool>& done;
    std::thread& t;
    ~Join() {
      done.store(true);
      if (t.joinable()) t.join();
    }
  } join{done, watchdog};
  const std::function<void()> pump = [&] {
    if (actors) actors->ship_polished(t);
  };
  bool stopped = false;
  while (true) {
    if (learner) {
      pump();
      learner->take(t);
    }
    if (stop.load()) {
      stopped = true;
      break;
    }
    if (learner && learner->done()) break;
    if (actors) actors->round(t, halt);
    if (learner) learner->iteration(t, halt, pump, on_progress);
  }
  done.store(true);
  watchdog.join();
  if (actors) actors->finish(t);
  if (learner) learner->finish(t, stopped, on_progress);
  return stopped;
}

Trainer::Trainer(const TrainConfig& cfg, nn::Network& net) : net_(net), learner_(cfg, net) {}

Trainer::~Trainer() = default;

bool Trainer::run(const std::atomic<bool>& stop, const ProgressFn& on_progress) {
  Actors actors(learner_.config(), net_, 0, net_.step());
  learner_.start();
  return run_training(&learner_, &actors, transport_, stop, on_progress);
}

}  // namespace at::mcts
