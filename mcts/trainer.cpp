#include "mcts/trainer.hpp"

#include <chrono>
#include <exception>
#include <thread>

namespace at::mcts {

namespace {

// The round `next` played on its own thread while the learner takes its steps for the rounds
// before it; its report is sent once both are done, so the learner's data and the weights each
// round plays (those of prepare: one learner iteration behind) do not depend on timing. A learner
// done meanwhile by the target rank cuts the round short through `halt`, as the time limit does;
// one done by max steps lets it finish, so that such a run stays the same for a seed.
void play_beside(Learner& learner, Actors& actors, const Actors::Round& next, Transport& t, std::atomic<bool>& halt,
                 const std::function<void()>& pump, const ProgressFn& on_progress) {
  RoundReport report;
  std::exception_ptr error;
  std::thread player([&] {
    try {
      report = actors.play(next, halt);
    } catch (...) {
      error = std::current_exception();
    }
  });
  struct Join {  // also when the learner throws: the games stop, the thread is joined
    std::atomic<bool>& halt;
    std::thread& thread;
    ~Join() {
      if (!thread.joinable()) return;
      halt.store(true);
      thread.join();
    }
  } join{halt, player};
  learner.iteration(t, halt, pump, on_progress);
  if (learner.done() && !learner.out_of_steps()) halt.store(true);
  const auto t0 = std::chrono::steady_clock::now();
  player.join();
  learner.waited_for_round(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (error) std::rethrow_exception(error);
  t.send(std::move(report));
}

}  // namespace

bool run_training(Learner* learner, Actors* actors, Transport& t, const std::atomic<bool>& stop,
                  const ProgressFn& on_progress, bool overlap) {
  // A signal or the time limit also cuts a round short (its games in flight are abandoned): a
  // round of a large target can take minutes. halt: written by the watchdog (and by play_beside
  // once the learner is done), read by the games and the learner.
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
    if (!actors) {
      learner->iteration(t, halt, pump, on_progress);
      continue;
    }
    const Actors::Round next = actors->prepare(t);
    if (!learner) {
      t.send(actors->play(next, halt));
    } else if (overlap && actors->plays_on_copies()) {
      play_beside(*learner, *actors, next, t, halt, pump, on_progress);
    } else {
      t.send(actors->play(next, halt));
      learner->iteration(t, halt, pump, on_progress);
    }
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
  return run_training(&learner_, &actors, transport_, stop, on_progress, learner_.config().overlap);
}

}  // namespace at::mcts
