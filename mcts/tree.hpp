#pragma once
// Compact search tree with a transposition table. Nodes store no tensor: the search replays the
// actions from the root (a move costs about a microsecond), and a node is identified by a 128-bit
// hash of (residual state, move number). Actions are stored once per tree in an ActionPool.
// Concurrency (tree parallelism, mcts/search.hpp): during Search::run several workers may descend,
// expand and back up at once; each shared field says who may touch it and under which lock. Whole-
// tree operations (reset, keep_subtree, bytes) run only while no worker runs (between moves).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include <oneapi/tbb/concurrent_vector.h>

#include "core/game.hpp"

namespace at::mcts {

struct StateKey {
  uint64_t a = 0, b = 0;
  bool operator==(const StateKey& o) const { return a == o.a && b == o.b; }
};
struct StateKeyHash {
  size_t operator()(const StateKey& k) const { return size_t(k.a); }
};
// Two independent 64-bit hashes of the state bytes and the move number (collisions ~2^-128).
StateKey state_key(const TensorI8& s, int move);

// Distinct actions of one tree, each stored once as d0+d1+d2 int8 entries. intern and get are
// thread-safe (workers expand and descend at once); reset and moves only while no worker runs.
class ActionPool {
 public:
  ActionPool() = default;
  ActionPool(ActionPool&& o) noexcept { *this = std::move(o); }
  ActionPool& operator=(ActionPool&& o) noexcept;  // not thread-safe: between moves only
  void reset(int d0, int d1, int d2);
  uint32_t intern(const Action& a);
  Action get(uint32_t id) const;
  size_t size() const;
  int dims(int mode) const { return d_[mode]; }
  size_t bytes() const;

 private:
  int d_[3] = {0, 0, 0};                                       // fixed by reset
  mutable std::shared_mutex mu_;                               // intern: exclusive; get/size/bytes: shared
  size_t count_ = 0;                                           // under mu_
  std::vector<int8_t> data_;                                   // under mu_; [count][d0+d1+d2]
  std::unordered_map<uint64_t, std::vector<uint32_t>> index_;  // under mu_; content hash -> ids
};

// One node's lock: selection and backup hold it for a few arithmetic operations, so a spinlock
// (one byte per node) rather than a mutex. A copy starts unlocked: nodes are only copied or moved
// while no worker runs.
class NodeLock {
 public:
  NodeLock() = default;
  NodeLock(const NodeLock&) {}
  NodeLock& operator=(const NodeLock&) { return *this; }
  void lock();
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

// Every mutable field of an Edge belongs to its node and is read and written under Node::lock.
struct Edge {
  uint32_t action;      // id in the ActionPool; fixed once the node is expanded
  float prior;          // empirical probability from the network's samples; fixed likewise
  int32_t visits = 0;   // N(s,a), under the node's lock
  float value_sum = 0;  // W(s,a): sum of backed-up returns through this edge, under the lock
  int32_t pending = 0;  // simulations now descending through this edge (virtual loss), under the lock
  int32_t child = -1;   // node index, -1 until first traversed; under the lock
};

enum class Expansion : uint8_t { None, Running, Done };

struct Node {
  StateKey key;              // fixed at creation (before the node's index is published)
  NodeLock lock;             // guards every field below and the edges' mutable fields
  int32_t visits = 0;        // N(s)
  float value = 0;           // network value (or terminal value) when expanded
  Expansion expansion = Expansion::None;  // None -> Running (one worker evaluates) -> Done
  bool terminal = false;     // set with expansion = Done
  std::vector<Edge> edges;   // filled once, with expansion = Done; only the edges' stats change later
};

class Tree {
 public:
  void reset(int d0, int d1, int d2);
  // Index of the node for (key), creating an unexpanded one if new. Thread-safe.
  int32_t find_or_add(const StateKey& key);
  // Node references stay valid while the tree grows (concurrent_vector never moves elements).
  Node& node(int32_t i) { return nodes_[size_t(i)]; }
  const Node& node(int32_t i) const { return nodes_[size_t(i)]; }
  ActionPool& actions() { return pool_; }
  const ActionPool& actions() const { return pool_; }
  size_t num_nodes() const { return nodes_.size(); }
  // Not thread-safe, like keep_subtree and reset: between moves only.
  size_t bytes() const;
  // Keeps only the subtree below `root` (subtree reuse after a move); returns root's new index.
  int32_t keep_subtree(int32_t root);

 private:
  std::mutex table_mu_;                                        // guards table_ and the growth of nodes_
  tbb::concurrent_vector<Node> nodes_;                         // grown under table_mu_; read by anyone
  std::unordered_map<StateKey, int32_t, StateKeyHash> table_;  // transposition table, under table_mu_
  ActionPool pool_;                                            // thread-safe itself
};

}  // namespace at::mcts
