#pragma once
// The MPI job this process belongs to. MPI lives on a communication thread of its own, the only
// thread that ever calls it (initialised with MPI_THREAD_FUNNELED): the walks and other oneTBB
// workers never do; other threads hand it work through call() and async().
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/launcher.hpp"
#include "cluster/mpi.hpp"

namespace at::cluster {

class World {
 public:
  // Loads MPI (load_mpi), initialises it on the new thread and checks that it sees the ranks the
  // launcher started. Throws at::InputError with one line when it cannot: no MPI loads, or it
  // reports another number of ranks than the launcher started (a library of another family runs
  // as a singleton: N copies would write into the same folder).
  explicit World(const Launcher& launcher);
  ~World();  // MPI_Finalize on the communication thread, which then ends
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  const Library& library() const { return library_; }
  const Launcher& launcher() const { return launcher_; }
  // "Open MPI v4.1.4 (/usr/lib/.../libmpi.so.40, Open MPI ABI), 3 ranks under mpirun (Open MPI)"
  std::string describe() const;

  // Runs f(Mpi&) on the communication thread; the future gets its result or exception. Jobs run
  // one at a time, in order.
  template <class F>
  auto async(F f) -> std::future<decltype(f(std::declval<Mpi&>()))> {
    using R = decltype(f(std::declval<Mpi&>()));
    auto task = std::make_shared<std::packaged_task<R(Mpi&)>>(std::move(f));
    post([task](Mpi& m) { (*task)(m); });
    return task->get_future();
  }
  template <class F>
  auto call(F f) -> decltype(f(std::declval<Mpi&>())) {
    return async(std::move(f)).get();
  }

 private:
  void post(std::function<void(Mpi&)> job);  // the job must not throw
  void loop();
  void stop(bool finalize);  // the destructor's work; also when the constructor fails

  Launcher launcher_;
  std::unique_ptr<Mpi> mpi_;  // touched by the communication thread only, once started
  Library library_;
  int rank_ = 0, size_ = 1;
  std::mutex mu_;  // guards jobs_ and done_
  std::condition_variable cv_;
  std::deque<std::function<void(Mpi&)>> jobs_;
  bool done_ = false;
  std::thread thread_;
};

// The World when a launcher started this process, else null (a plain run never loads MPI).
std::unique_ptr<World> join_if_launched();

}  // namespace at::cluster
