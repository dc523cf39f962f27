#pragma once
// Blocking tasks on oneTBB: game tasks (self-play) and tree workers (tree-parallel search) wait in
// the batching evaluator while the network runs, so each needs its own thread, not a core.
#include <cstddef>
#include <functional>

namespace at::mcts {

// Runs body(i) for i in [0, count), up to `concurrency` at once, on oneTBB threads; returns when
// all are done (rethrowing a task's exception). The caller's writes before the call and the tasks'
// writes are ordered with atomics of our own as well, so ThreadSanitizer sees the fork and the join
// (it does not see inside the uninstrumented oneTBB).
void run_blocking_tasks(size_t count, int concurrency, const std::function<void(size_t)>& body);

}  // namespace at::mcts
