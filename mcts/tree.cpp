#include "mcts/tree.hpp"

#include <cstring>
#include <thread>

namespace at::mcts {
namespace {

uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

// Hash of a byte string, 8 bytes at a time, with a seed selecting the hash function.
uint64_t hash_bytes(const int8_t* p, size_t n, uint64_t seed) {
  uint64_t h = mix64(seed ^ n);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = mix64(h ^ (w + seed));
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p + i, n - i);
  return mix64(h ^ tail ^ (uint64_t(n - i) << 56));
}

}  // namespace

StateKey state_key(const TensorI8& s, int move) {
  const uint64_t m = uint64_t(move) * 0x9e3779b97f4a7c15ULL;
  return {hash_bytes(s.data(), s.size(), 0x1234567ULL) ^ m, hash_bytes(s.data(), s.size(), 0xabcdef0123ULL) ^ mix64(m)};
}

void NodeLock::lock() {
  // Holders never block, so a short wait; yield in case the holder's thread is descheduled
  // (more workers than cores).
  while (flag_.exchange(true, std::memory_order_acquire))
    while (flag_.load(std::memory_order_relaxed)) std::this_thread::yield();
}

ActionPool& ActionPool::operator=(ActionPool&& o) noexcept {
  for (int i = 0; i < 3; ++i) d_[i] = o.d_[i];
  count_ = o.count_;
  data_ = std::move(o.data_);
  index_ = std::move(o.index_);
  return *this;
}

void ActionPool::reset(int d0, int d1, int d2) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  d_[0] = d0;
  d_[1] = d1;
  d_[2] = d2;
  count_ = 0;
  data_.clear();
  index_.clear();
}

uint32_t ActionPool::intern(const Action& a) {
  const size_t len = size_t(d_[0] + d_[1] + d_[2]);
  std::vector<int8_t> flat;
  flat.reserve(len);
  flat.insert(flat.end(), a.u.begin(), a.u.end());
  flat.insert(flat.end(), a.v.begin(), a.v.end());
  flat.insert(flat.end(), a.w.begin(), a.w.end());
  const uint64_t h = hash_bytes(flat.data(), flat.size(), 7);
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto& ids = index_[h];
  for (uint32_t id : ids)
    if (std::memcmp(&data_[size_t(id) * len], flat.data(), len) == 0) return id;
  data_.insert(data_.end(), flat.begin(), flat.end());
  ids.push_back(uint32_t(count_));
  return uint32_t(count_++);
}

Action ActionPool::get(uint32_t id) const {
  const size_t len = size_t(d_[0] + d_[1] + d_[2]);
  std::shared_lock<std::shared_mutex> lock(mu_);
  const int8_t* p = &data_[size_t(id) * len];
  return Action{{p, p + d_[0]}, {p + d_[0], p + d_[0] + d_[1]}, {p + d_[0] + d_[1], p + len}};
}

size_t ActionPool::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return count_;
}

size_t ActionPool::bytes() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return data_.capacity() + index_.size() * 48 + count_ * sizeof(uint32_t);
}

void Tree::reset(int d0, int d1, int d2) {
  tbb::concurrent_vector<Node>().swap(nodes_);  // clear() would keep the memory
  table_.clear();
  pool_.reset(d0, d1, d2);
}

int32_t Tree::find_or_add(const StateKey& key) {
  std::lock_guard<std::mutex> lock(table_mu_);
  auto it = table_.find(key);
  if (it != table_.end()) return it->second;
  Node n;
  n.key = key;
  const int32_t i = int32_t(nodes_.push_back(std::move(n)) - nodes_.begin());
  table_.emplace(key, i);
  return i;
}

size_t Tree::bytes() const {
  size_t b = nodes_.capacity() * sizeof(Node) + table_.size() * (sizeof(StateKey) + 24) + pool_.bytes();
  for (const Node& n : nodes_) b += n.edges.capacity() * sizeof(Edge);
  return b;
}

int32_t Tree::keep_subtree(int32_t root) {
  // Breadth-first copy of everything reachable from root, renumbering child indices and
  // re-interning the actions still referenced, so memory stays bounded over a long game.
  std::vector<int32_t> remap(nodes_.size(), -1);
  tbb::concurrent_vector<Node> kept;
  std::vector<int32_t> order{root};
  remap[size_t(root)] = 0;
  for (size_t q = 0; q < order.size(); ++q)
    for (const Edge& e : nodes_[size_t(order[q])].edges)
      if (e.child >= 0 && remap[size_t(e.child)] < 0) {
        remap[size_t(e.child)] = int32_t(order.size());
        order.push_back(e.child);
      }
  kept.reserve(order.size());
  table_.clear();
  ActionPool pool;
  pool.reset(pool_.dims(0), pool_.dims(1), pool_.dims(2));
  for (int32_t old : order) {
    kept.push_back(std::move(nodes_[size_t(old)]));
    for (Edge& e : kept.back().edges) {
      if (e.child >= 0) e.child = remap[size_t(e.child)];
      e.action = pool.intern(pool_.get(e.action));
    }
    table_.emplace(kept.back().key, int32_t(kept.size() - 1));
  }
  nodes_ = std::move(kept);
  pool_ = std::move(pool);
  return 0;
}

}  // namespace at::mcts
