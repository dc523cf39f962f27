#include "improve/flip_state.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace at::improve {

void check_flip_format(const Format& f) {
  if (f.a_size() > kMaxFactorLength || f.b_size() > kMaxFactorLength || f.c_size() > kMaxFactorLength)
    throw std::invalid_argument("format " + f.str() + " is too large for the flip graph (n·m, m·p and p·n must be at most " +
                                std::to_string(kMaxFactorLength) + ")");
}

template <class Ring>
FlipState<Ring>::FlipState(const Scheme& s, const Ring& ring) : ring_(ring), format_(s.format) {
  check_flip_format(format_);
  len_[0] = format_.a_size();
  len_[1] = format_.b_size();
  len_[2] = format_.c_size();
  if (std::max({len_[0], len_[1], len_[2]}) > Ring::kMaxLength)
    throw std::invalid_argument("format " + format_.str() + " needs the wide flip-graph ring");
  rebuild_tables();
  for (int r = 0; r < s.rank(); ++r) {
    const Factor a = ring_.from_row(s.u_row(r), len_[0]);
    const Factor b = ring_.from_row(s.v_row(r), len_[1]);
    const Factor c = ring_.from_row(s.w_row(r), len_[2]);
    work_.push_back(add_term(a, b, c));
  }
  reduce();
}

template <class Ring>
Scheme FlipState<Ring>::to_scheme() const {
  Scheme s = Scheme::zeros(format_, Ring::field, rank());
  for (int r = 0; r < rank(); ++r) {
    ring_.to_row(factor(0, r), len_[0], s.u_row(r));
    ring_.to_row(factor(1, r), len_[1], s.v_row(r));
    ring_.to_row(factor(2, r), len_[2], s.w_row(r));
  }
  return s;
}

template <class Ring>
int FlipState<Ring>::find_slot(int role, uint64_t h, const Factor& f) const {
  const std::vector<Slot>& tab = table_[role];
  for (uint64_t s = h & mask_;; s = (s + 1) & mask_) {
    const Slot& x = tab[s];
    if (x.count == 0) return -1;
    if (x.hash == h && ring_.same(factor(role, x.head), f, len_[role])) return int(s);
  }
}

template <class Ring>
void FlipState<Ring>::share(int role, int t) {
  shared_pos_[role][size_t(t)] = int(shared_[role].size());
  shared_[role].push_back(t);
}

template <class Ring>
void FlipState<Ring>::unshare(int role, int t) {
  const int pos = shared_pos_[role][size_t(t)];
  const int moved = shared_[role].back();
  shared_[role][size_t(pos)] = moved;
  shared_pos_[role][size_t(moved)] = pos;
  shared_[role].pop_back();
}

template <class Ring>
void FlipState<Ring>::link(int role, int t) {
  const Factor& f = factor(role, t);
  const uint64_t h = ring_.hash(f, len_[role]);
  hash_[role][size_t(t)] = h;
  std::vector<Slot>& tab = table_[role];
  const int s = find_slot(role, h, f);
  prev_[role][size_t(t)] = -1;
  if (s < 0) {
    uint64_t i = h & mask_;
    while (tab[i].count) i = (i + 1) & mask_;
    tab[i] = Slot{h, t, 1};
    next_[role][size_t(t)] = -1;
    return;
  }
  Slot& x = tab[size_t(s)];
  if (x.count == 1) share(role, x.head);
  share(role, t);
  next_[role][size_t(t)] = x.head;
  prev_[role][size_t(x.head)] = t;
  x.head = t;
  ++x.count;
}

template <class Ring>
void FlipState<Ring>::unlink(int role, int t) {
  const int s = find_slot(role, hash_[role][size_t(t)], factor(role, t));
  Slot& x = table_[role][size_t(s)];
  const int n = next_[role][size_t(t)], p = prev_[role][size_t(t)];
  if (p >= 0) next_[role][size_t(p)] = n;
  else x.head = n;
  if (n >= 0) prev_[role][size_t(n)] = p;
  if (x.count >= 2) unshare(role, t);
  if (x.count == 2) unshare(role, x.head);
  if (--x.count == 0) erase_slot(role, s);
}

// Backward-shift deletion keeps linear probing free of tombstones.
template <class Ring>
void FlipState<Ring>::erase_slot(int role, int s) {
  std::vector<Slot>& tab = table_[role];
  uint64_t i = uint64_t(s), j = i;
  for (;;) {
    j = (j + 1) & mask_;
    if (!tab[j].count) break;
    const uint64_t home = tab[j].hash & mask_;
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!stays) {
      tab[i] = tab[j];
      i = j;
    }
  }
  tab[i].count = 0;
}

template <class Ring>
void FlipState<Ring>::rebuild_tables() {
  size_t size = 64;
  while (size < 4 * fac_[0].size() + 16) size *= 2;
  mask_ = size - 1;
  for (int role = 0; role < 3; ++role) {
    table_[role].assign(size, Slot{0, -1, 0});
    shared_[role].clear();
    for (int t = 0; t < rank(); ++t) link(role, t);
  }
}

template <class Ring>
void FlipState<Ring>::set_factor(int role, int t, const Factor& f) {
  unlink(role, t);
  fac_[role][size_t(t)] = f;
  link(role, t);
}

template <class Ring>
int FlipState<Ring>::add_term(const Factor& a, const Factor& b, const Factor& c) {
  const Factor copy[3] = {a, b, c};  // a, b, c may live in fac_, which grows below
  const int t = rank();
  for (int role = 0; role < 3; ++role) {
    fac_[role].push_back(copy[role]);
    hash_[role].push_back(0);
    next_[role].push_back(-1);
    prev_[role].push_back(-1);
    shared_pos_[role].push_back(-1);
  }
  if (4 * fac_[0].size() + 16 > mask_ + 1) {
    rebuild_tables();
  } else {
    for (int role = 0; role < 3; ++role) link(role, t);
  }
  return t;
}

template <class Ring>
void FlipState<Ring>::remove_term(int t) {
  const int last = rank() - 1;
  for (int role = 0; role < 3; ++role) unlink(role, t);
  if (t != last) {
    for (int role = 0; role < 3; ++role) {
      unlink(role, last);
      fac_[role][size_t(t)] = fac_[role][size_t(last)];
      link(role, t);
    }
  }
  for (int role = 0; role < 3; ++role) {
    fac_[role].pop_back();
    hash_[role].pop_back();
    next_[role].pop_back();
    prev_[role].pop_back();
    shared_pos_[role].pop_back();
  }
  size_t k = 0;
  for (int w : work_)
    if (w != t) work_[k++] = w == last ? t : w;
  work_.resize(k);
}

template <class Ring>
void FlipState<Ring>::reduce() {
  while (!work_.empty()) {
    const int t = work_.back();
    work_.pop_back();
    reduce_term(t);
  }
}

// Removes t if a factor is zero, or merges it into a term sharing two of its factors.
template <class Ring>
bool FlipState<Ring>::reduce_term(int t) {
  for (int role = 0; role < 3; ++role) {
    if (ring_.is_zero(factor(role, t), len_[role])) {
      remove_term(t);
      return true;
    }
  }
  // Pairs sharing roles (0,1) or (0,2) are in t's list of role 0; pairs sharing (1,2) in role 1.
  for (int q = 0; q < 2; ++q) {
    const int s = find_slot(q, hash_[q][size_t(t)], factor(q, t));
    if (table_[q][size_t(s)].count < 2) continue;
    for (int k = table_[q][size_t(s)].head; k >= 0; k = next_[q][size_t(k)]) {
      if (k == t) continue;
      for (int q2 = q + 1; q2 < 3; ++q2) {
        const int s2 = ring_.same(factor(q2, k), factor(q2, t), len_[q2]);
        if (!s2) continue;
        const int q3 = 3 - q - q2;
        const int s1 = ring_.same(factor(q, k), factor(q, t), len_[q]);
        // t = x⊗y⊗z_t and k = (s1 x)⊗(s2 y)⊗z_k, so t + k = (s1 x)⊗(s2 y)⊗(z_k + s1 s2 z_t).
        Factor merged;
        if (!ring_.add(merged, factor(q3, k), factor(q3, t), s1 * s2, len_[q3])) continue;
        set_factor(q3, k, merged);
        const int last = rank() - 1;
        remove_term(t);
        work_.push_back(k == last ? t : k);
        return true;
      }
    }
  }
  return false;
}

template <class Ring>
bool FlipState<Ring>::try_flip(int x, int i, int j, Rng& rng) {
  const uint64_t bits = rng.next();
  int y = (x + 1) % 3, z = (x + 2) % 3;
  if (bits & 1) std::swap(y, z);
  const int lambda = (bits & 2) ? -1 : 1;  // irrelevant mod 2
  // Term j = (s x_i)⊗y_j⊗z_j = x_i⊗(s y_j)⊗z_j.
  const int s = ring_.same(factor(x, j), factor(x, i), len_[x]);
  Factor ny, nz;
  if (!ring_.add(ny, factor(y, i), factor(y, j), lambda * s, len_[y])) return false;
  if (!ring_.add(nz, factor(z, j), factor(z, i), -lambda, len_[z])) return false;
  set_factor(y, i, ny);
  set_factor(z, j, nz);
  work_.push_back(i);
  work_.push_back(j);
  reduce();
  return true;
}

template <class Ring>
bool FlipState<Ring>::random_flip(Rng& rng) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    const long total = long(shared_[0].size() + shared_[1].size() + shared_[2].size());
    if (total == 0) return false;
    long r = long(rng.uniform_int(0, total - 1));
    int role = 0;
    while (r >= long(shared_[role].size())) {
      r -= long(shared_[role].size());
      ++role;
    }
    const int i = shared_[role][size_t(r)];
    const Slot& slot = table_[role][size_t(find_slot(role, hash_[role][size_t(i)], factor(role, i)))];
    int pick = int(rng.uniform_int(0, slot.count - 2));  // among the other count-1 terms
    int j = slot.head;
    for (;; j = next_[role][size_t(j)]) {
      if (j == i) continue;
      if (pick-- == 0) break;
    }
    if (try_flip(role, i, j, rng)) return true;
  }
  return false;
}

template <class Ring>
bool FlipState<Ring>::plus(Rng& rng) {
  if (rank() < 2) return false;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const int i = int(rng.uniform_int(0, rank() - 1));
    int j = int(rng.uniform_int(0, rank() - 2));
    if (j >= i) ++j;
    bool disjoint = true;
    for (int role = 0; role < 3; ++role) disjoint &= !ring_.same(factor(role, i), factor(role, j), len_[role]);
    if (!disjoint) continue;
    const int a = int(rng.uniform_int(0, 2));
    const int b = (a + 1 + int(rng.next() & 1)) % 3;
    const int c = 3 - a - b;
    Factor na, nb, nc;
    if (!ring_.add(na, factor(a, i), factor(a, j), -1, len_[a]) ||
        !ring_.add(nb, factor(b, i), factor(b, j), -1, len_[b]) ||
        !ring_.add(nc, factor(c, i), factor(c, j), 1, len_[c]))
      continue;
    // (a,b,c) + (a',b',c') = (a−a', b, c) + (a', b−b', c) + (a', b', c+c')
    Factor k[3];
    k[a] = factor(a, j);
    k[b] = factor(b, j);
    k[c] = nc;
    const Factor ci = factor(c, i);
    const int t = add_term(k[0], k[1], k[2]);
    set_factor(a, i, na);
    set_factor(b, j, nb);
    set_factor(c, j, ci);
    work_.insert(work_.end(), {i, j, t});
    reduce();
    return true;
  }
  return false;
}

template class FlipState<Z2Ring>;
template class FlipState<Z2RingWide>;
template class FlipState<TernaryRing>;
template class FlipState<TernaryRingWide>;
template class FlipState<Z3Ring>;
template class FlipState<Z3RingWide>;
template class FlipState<ZRing>;
template class FlipState<ZRingWide>;

}  // namespace at::improve
