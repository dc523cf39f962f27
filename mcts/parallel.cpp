#include "mcts/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <stdexcept>
#include <thread>

namespace at::mcts {

void run_blocking_tasks(size_t count, int concurrency, const std::function<void(size_t)>& body) {
  // One thread per task in flight, not per core: the waiting ones sleep. The network, run meanwhile
  // by the evaluator's thread, keeps a worker per core on top of them.
  const int n = std::max(1, concurrency);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              size_t(n) + std::max(1u, std::thread::hardware_concurrency()));
  tbb::task_arena arena(n);
  std::atomic<bool> go{false};
  go.store(true, std::memory_order_release);
  std::atomic<size_t> finished{0};
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, count, 1), [&](const tbb::blocked_range<size_t>& r) {
      if (!go.load(std::memory_order_acquire)) throw std::logic_error("blocking task started before its release");
      for (size_t i = r.begin(); i != r.end(); ++i) {
        body(i);
        finished.fetch_add(1, std::memory_order_release);
      }
    }, tbb::simple_partitioner());
  });
  if (finished.load(std::memory_order_acquire) != count) throw std::logic_error("a blocking task did not finish");
}

}  // namespace at::mcts
