#pragma once
// Compact search tree with a transposition table. Nodes store no tensor: the search replays the
// actions from the root (a move costs about a microsecond), and a node is identified by a 128-bit
// hash of (residual state, move number). Actions are stored once per tree in an ActionPool.
// A tree belongs to one search, run by one task: nothing here is shared between threads.
#include <cstdint>
#include <unordered_map>
#include <vector>

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

// Distinct actions of one tree, each stored once as d0+d1+d2 int8 entries.
class ActionPool {
 public:
  void reset(int d0, int d1, int d2);
  uint32_t intern(const Action& a);
  Action get(uint32_t id) const;
  size_t size() const { return count_; }
  int dims(int mode) const { return d_[mode]; }
  size_t bytes() const;

 private:
  int d_[3] = {0, 0, 0};
  size_t count_ = 0;
  std::vector<int8_t> data_;                                    // [count][d0+d1+d2]
  std::unordered_map<uint64_t, std::vector<uint32_t>> index_;  // content hash -> ids
};

struct Edge {
  uint32_t action;      // id in the ActionPool
  float prior;          // empirical probability from the network's samples
  int32_t visits = 0;   // N(s,a)
  float value_sum = 0;  // W(s,a): sum of backed-up returns through this edge
  int32_t child = -1;   // node index, -1 until first traversed
};

struct Node {
  StateKey key;
  int32_t visits = 0;      // N(s)
  float value = 0;         // network value (or terminal value) when expanded
  bool expanded = false;
  bool terminal = false;
  std::vector<Edge> edges;
};

class Tree {
 public:
  void reset(int d0, int d1, int d2);
  // Index of the node for (key), creating an unexpanded one if new.
  int32_t find_or_add(const StateKey& key);
  Node& node(int32_t i) { return nodes_[size_t(i)]; }
  const Node& node(int32_t i) const { return nodes_[size_t(i)]; }
  ActionPool& actions() { return pool_; }
  const ActionPool& actions() const { return pool_; }
  size_t num_nodes() const { return nodes_.size(); }
  size_t bytes() const;
  // Keeps only the subtree below `root` (subtree reuse after a move); returns root's new index.
  int32_t keep_subtree(int32_t root);

 private:
  std::vector<Node> nodes_;
  std::unordered_map<StateKey, int32_t, StateKeyHash> table_;  // transposition table
  ActionPool pool_;
};

}  // namespace at::mcts
