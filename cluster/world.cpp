#include "cluster/world.hpp"

#include <csignal>
#include <cstdio>

#include "core/files.hpp"

namespace at::cluster {

World::World(const Launcher& launcher) : launcher_(launcher), mpi_(load_mpi(launcher)), library_(mpi_->library()) {
  thread_ = std::thread([this] { loop(); });
  try {
    call([](Mpi& m) { m.init(); });
  } catch (...) {
    stop(false);
    throw;
  }
  rank_ = mpi_->rank(), size_ = mpi_->size();  // fixed once init returned
  if (launcher.size > 1 && size_ != launcher.size) {
    const std::string line = library_.version + " (" + library_.path + ") reports " + std::to_string(size_) +
                             " rank(s) but " + launcher.name + " started " + std::to_string(launcher.size) +
                             ": a library of another MPI than the launcher's? (set ALPHATENSOR_MPI_LIB)";
    stop(true);
    throw InputError(line);
  }
}

World::~World() { stop(true); }

void World::stop(bool finalize) {
  if (!thread_.joinable()) return;
  if (finalize)
    post([](Mpi& m) {
      try {
        m.finalize();
      } catch (const std::exception& e) {  // the job's work is done; say so and end anyway
        std::fprintf(stderr, "warning: %s\n", e.what());
      }
    });
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string World::describe() const {
  return library_.version + " (" + library_.path + ", " + abi_name(library_.abi) + "), " + std::to_string(size_) +
         " rank(s) under " + launcher_.name;
}

void World::post(std::function<void(Mpi&)> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void World::loop() {
  for (;;) {
    std::function<void(Mpi&)> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return done_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job(*mpi_);
  }
}

std::unique_ptr<World> join_if_launched() {
  const std::optional<Launcher> l = detect_launcher();
  if (!l) return nullptr;
  // A launcher tears down its output pipes once a rank fails: a rank still writing its own error
  // line must exit with its own status (2), not die of SIGPIPE (141).
  std::signal(SIGPIPE, SIG_IGN);
  return std::make_unique<World>(*l);
}

}  // namespace at::cluster
