#include "improve/sym_flip_state.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/symmetry.hpp"
#include "improve/flip_state.hpp"

namespace at::improve {

template <class Ring>
SymFlipState<Ring>::SymFlipState(const Scheme& s, const Ring& ring) : ring_(ring), format_(s.format), len_(s.format.a_size()) {
  check_cyclic_format(format_);
  check_flip_format(format_);
  if (len_ > Ring::kMaxLength) throw std::invalid_argument("format " + format_.str() + " needs the wide flip-graph ring");
  const auto orbits = cyclic_orbits(s, Ring::field);
  if (!orbits) throw std::invalid_argument("the start scheme is not cyclic-invariant over " + field_name(Ring::field));
  for (int t : orbits->fixed) {
    const Factor u = ring_.from_row(s.u_row(t), len_), v = ring_.from_row(s.v_row(t), len_),
                 w = ring_.from_row(s.w_row(t), len_);
    if (ring_.is_zero(u, len_) || ring_.is_zero(v, len_) || ring_.is_zero(w, len_)) continue;
    const int s1 = ring_.same(v, u, len_), s2 = ring_.same(w, u, len_);
    if (!s1 || !s2)
      throw std::invalid_argument("fixed term " + std::to_string(t + 1) + " is not of the form x⊗x⊗x in the ring");
    // u⊗(s1 u)⊗(s2 u) = (s1 s2 u)^⊗3.
    Factor x = u;
    if (s1 * s2 < 0) ring_.add(x, Factor{}, u, -1, len_);
    add_fixed(x);
  }
  for (const auto& o : orbits->orbits)
    add_orbit(Rep{ring_.from_row(s.u_row(o[0]), len_), ring_.from_row(s.v_row(o[0]), len_),
                  ring_.from_row(s.w_row(o[0]), len_)});
  reduce();
}

template <class Ring>
Scheme SymFlipState<Ring>::to_scheme() const {
  Scheme s = Scheme::zeros(format_, Ring::field, rank());
  int t = 0;
  for (const Factor& x : fixed_) {
    for (Rational* row : {s.u_row(t), s.v_row(t), s.w_row(t)}) ring_.to_row(x, len_, row);
    ++t;
  }
  for (const Rep& r : reps_)
    for (int k = 0; k < 3; ++k, ++t) {
      ring_.to_row(r[size_t(k)], len_, s.u_row(t));
      ring_.to_row(r[size_t((k + 1) % 3)], len_, s.v_row(t));
      ring_.to_row(r[size_t((k + 2) % 3)], len_, s.w_row(t));
    }
  return s;
}

template <class Ring>
Scheme SymFlipState<Ring>::generators() const {
  Scheme s = Scheme::zeros(format_, Ring::field, int(fixed_.size() + reps_.size()));
  int t = 0;
  for (const Factor& x : fixed_) {
    for (Rational* row : {s.u_row(t), s.v_row(t), s.w_row(t)}) ring_.to_row(x, len_, row);
    ++t;
  }
  for (const Rep& r : reps_) {
    ring_.to_row(r[0], len_, s.u_row(t));
    ring_.to_row(r[1], len_, s.v_row(t));
    ring_.to_row(r[2], len_, s.w_row(t));
    ++t;
  }
  return s;
}

template <class Ring>
void SymFlipState<Ring>::link(int slot) {
  const uint64_t h = ring_.hash(at(slot), len_);
  slot_hash_[size_t(slot)] = h;
  std::vector<int>& g = groups_[h];
  auto share = [&](int x) {
    shared_pos_[size_t(x)] = int(shared_.size());
    shared_.push_back(x);
  };
  if (g.size() == 1) share(g[0]);
  if (!g.empty()) share(slot);
  g.push_back(slot);
}

template <class Ring>
void SymFlipState<Ring>::unlink(int slot) {
  const auto it = groups_.find(slot_hash_[size_t(slot)]);
  std::vector<int>& g = it->second;
  auto unshare = [&](int x) {
    const int pos = shared_pos_[size_t(x)], moved = shared_.back();
    shared_[size_t(pos)] = moved;
    shared_pos_[size_t(moved)] = pos;
    shared_.pop_back();
    shared_pos_[size_t(x)] = -1;
  };
  if (g.size() >= 2) unshare(slot);
  *std::find(g.begin(), g.end(), slot) = g.back();
  g.pop_back();
  if (g.size() == 1) unshare(g[0]);
  if (g.empty()) groups_.erase(it);
}

template <class Ring>
void SymFlipState<Ring>::set_rep(int o, const Rep& r) {
  for (int p = 0; p < 3; ++p) unlink(3 * o + p);
  reps_[size_t(o)] = r;
  for (int p = 0; p < 3; ++p) link(3 * o + p);
}

template <class Ring>
void SymFlipState<Ring>::set_factor(int slot, const Factor& x) {
  unlink(slot);
  reps_[size_t(slot / 3)][size_t(slot % 3)] = x;
  link(slot);
}

template <class Ring>
void SymFlipState<Ring>::add_orbit(const Rep& r) {
  const int o = int(reps_.size());
  reps_.push_back(r);
  slot_hash_.resize(size_t(slot_count()), 0);
  shared_pos_.resize(size_t(slot_count()), -1);
  for (int p = 0; p < 3; ++p) link(3 * o + p);
  work_.push_back(o);
}

template <class Ring>
void SymFlipState<Ring>::remove_orbit(int o) {
  const int last = orbits() - 1;
  for (int p = 0; p < 3; ++p) unlink(3 * o + p);
  if (o != last) {
    for (int p = 0; p < 3; ++p) unlink(3 * last + p);
    reps_[size_t(o)] = reps_[size_t(last)];
    for (int p = 0; p < 3; ++p) link(3 * o + p);
  }
  reps_.pop_back();
  slot_hash_.resize(size_t(slot_count()));
  shared_pos_.resize(size_t(slot_count()));
  size_t k = 0;
  for (int w : work_)
    if (w != o) work_[k++] = w == last ? o : w;
  work_.resize(k);
}

// x⊗x⊗x joins the fixed terms, cancelling against ±x where the field allows (see the header).
template <class Ring>
void SymFlipState<Ring>::add_fixed(const Factor& x) {
  if (ring_.is_zero(x, len_)) return;
  for (size_t i = 0; i < fixed_.size(); ++i) {
    const int s = ring_.same(fixed_[i], x, len_);
    if (!s) continue;
    if (Ring::field == Field::Z2 || s < 0) {  // x³ + x³ = 0 mod 2, x³ + (-x)³ = 0
      fixed_.erase(fixed_.begin() + long(i));
      return;
    }
    if (Ring::field == Field::Z3) {  // x³ + x³ = 2x³ = (-x)³ mod 3
      ring_.add(fixed_[i], Factor{}, x, -1, len_);
      return;
    }
  }
  fixed_.push_back(x);
}

template <class Ring>
typename SymFlipState<Ring>::Rep SymFlipState<Ring>::rotated(int o, int k) const {
  const Rep& r = reps_[size_t(o)];
  return Rep{r[size_t(k % 3)], r[size_t((k + 1) % 3)], r[size_t((k + 2) % 3)]};
}

template <class Ring>
void SymFlipState<Ring>::reduce() {
  while (!work_.empty()) {
    const int o = work_.back();
    work_.pop_back();
    reduce_orbit(o);
  }
}

template <class Ring>
bool SymFlipState<Ring>::reduce_orbit(int o) {
  const Rep r = reps_[size_t(o)];
  for (int p = 0; p < 3; ++p) {
    if (ring_.is_zero(r[size_t(p)], len_)) {
      remove_orbit(o);
      return true;
    }
  }
  // (x, s1 x, s2 x): its three terms are each y³ with y = s1 s2 x. Mod 2 they make the fixed term
  // y (3y³ = y³), mod 3 nothing, over Z three fixed terms y (the rank stays, but a fixed term may
  // cancel, and the number of fixed terms changes parity).
  const int s1 = ring_.same(r[1], r[0], len_), s2 = ring_.same(r[2], r[0], len_);
  if (s1 && s2) {
    Factor y = r[0];
    if (s1 * s2 < 0) ring_.add(y, Factor{}, r[0], -1, len_);
    remove_orbit(o);
    if (Ring::field == Field::Z2) add_fixed(y);
    if (Ring::field == Field::Z)
      for (int k = 0; k < 3; ++k) add_fixed(y);
    return true;
  }
  // Mod 2 the fixed term x³ is the orbit (x,x,x), so x³ + orb(x,x,c) = orb(x,x,c+x).
  if (Ring::field == Field::Z2)
    for (int p = 0; p < 3; ++p) {
      const Factor& x = r[size_t(p)];
      if (!ring_.same(r[size_t((p + 1) % 3)], x, len_)) continue;
      const auto f = std::find_if(fixed_.begin(), fixed_.end(), [&](const Factor& y) { return ring_.same(y, x, len_); });
      if (f == fixed_.end()) continue;
      Rep merged = r;
      ring_.add(merged[size_t((p + 2) % 3)], r[size_t((p + 2) % 3)], x, 1, len_);
      fixed_.erase(f);
      set_rep(o, merged);
      work_.push_back(o);
      return true;
    }
  for (int p = 0; p < 3; ++p) {
    const auto it = groups_.find(slot_hash_[size_t(3 * o + p)]);
    if (it == groups_.end() || it->second.size() < 2) continue;
    const std::vector<int>& group = it->second;  // the merge below changes it, then returns at once
    for (size_t g = 0; g < group.size(); ++g) {
      const int q = group[g];
      const int j = q / 3;
      if (j == o) continue;
      Rep J = rotated(j, (q % 3 - p + 3) % 3);  // J[p] is the shared factor
      const int a = ring_.same(J[size_t(p)], r[size_t(p)], len_);
      if (!a) continue;
      for (int p2 = 0; p2 < 3; ++p2) {
        if (p2 == p) continue;
        const int b = ring_.same(J[size_t(p2)], r[size_t(p2)], len_);
        if (!b) continue;
        // r = x⊗y⊗z_r and J = (a x)⊗(b y)⊗z_J, so r + J = (a x)⊗(b y)⊗(z_J + a b z_r).
        const int p3 = 3 - p - p2;
        Factor merged;
        if (!ring_.add(merged, J[size_t(p3)], r[size_t(p3)], a * b, len_)) continue;
        J[size_t(p3)] = merged;
        set_rep(j, J);
        const int last = orbits() - 1;
        remove_orbit(o);
        work_.push_back(j == last ? o : j);
        return true;
      }
    }
  }
  return false;
}

template <class Ring>
bool SymFlipState<Ring>::try_flip(int sa, int sb, Rng& rng) {
  const int i = sa / 3, j = sb / 3, x = sa % 3, rot = (sb % 3 - x + 3) % 3;
  if (i == j) return false;
  const Rep& I = reps_[size_t(i)];
  const Rep J = rotated(j, rot);  // J[x] is I[x] up to sign
  const int s = ring_.same(J[size_t(x)], I[size_t(x)], len_);
  if (!s) return false;  // a hash collision
  const uint64_t bits = rng.next();
  int y = (x + 1) % 3, z = (x + 2) % 3;
  if (bits & 1) std::swap(y, z);
  const int lambda = (bits & 2) ? -1 : 1;
  // As FlipState::try_flip: I = x⊗y_i⊗z_i, J = (s x)⊗y_j⊗z_j.
  Factor ny, nz;
  if (!ring_.add(ny, I[size_t(y)], J[size_t(y)], lambda * s, len_)) return false;
  if (!ring_.add(nz, J[size_t(z)], I[size_t(z)], -lambda, len_)) return false;
  // One factor of each changes: only those two slots are relinked (the flip's main cost).
  set_factor(3 * i + y, ny);
  set_factor(3 * j + (z + rot) % 3, nz);
  work_.push_back(i);
  work_.push_back(j);
  reduce();
  return true;
}

template <class Ring>
bool SymFlipState<Ring>::random_flip(Rng& rng) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    if (shared_.empty()) return false;
    const int a = shared_[size_t(rng.uniform_int(0, long(shared_.size()) - 1))];
    const std::vector<int>& g = groups_.find(slot_hash_[size_t(a)])->second;
    int b = g[size_t(rng.uniform_int(0, long(g.size()) - 2))];  // among the other members
    if (b == a) b = g.back();
    if (try_flip(a, b, rng)) return true;
  }
  return false;
}

// 3·x⊗x⊗x is the orbit (x,x,x); adding it with its compensation (mod 2: the fixed term x, which
// cancels an existing x; mod 3: nothing, it is zero; over Z: three fixed terms -x) keeps the sum,
// and flipping it at once with an orbit sharing x keeps the reductions from undoing it. This is
// how a fixed term's factor takes part in flips.
template <class Ring>
bool SymFlipState<Ring>::unfold(Rng& rng) {
  if (slot_count() == 0) return false;
  for (int attempt = 0; attempt < 16; ++attempt) {
    // x: a fixed term's factor (when one has a partner in an orbit) or any orbit's factor.
    const bool from_fixed = !fixed_.empty() && (rng.next() & 1);
    const Factor x = from_fixed ? fixed_[size_t(rng.uniform_int(0, long(fixed_.size()) - 1))]
                                : at(int(rng.uniform_int(0, slot_count() - 1)));
    const auto it = groups_.find(ring_.hash(x, len_));
    if (it == groups_.end()) continue;
    const int partner = it->second[size_t(rng.uniform_int(0, long(it->second.size()) - 1))];
    if (!ring_.same(at(partner), x, len_)) continue;
    const int before = orbits();
    add_orbit(Rep{x, x, x});
    work_.pop_back();  // the new orbit is reduced after its flip, not before
    if (!try_flip(3 * before, partner, rng)) {
      remove_orbit(before);
      continue;
    }
    if (Ring::field == Field::Z2) add_fixed(x);
    if (Ring::field == Field::Z) {
      Factor minus;
      ring_.add(minus, Factor{}, x, -1, len_);
      for (int k = 0; k < 3; ++k) add_fixed(minus);
    }
    return true;
  }
  return false;
}

template <class Ring>
bool SymFlipState<Ring>::plus(Rng& rng) {
  if ((rng.next() & 1) && unfold(rng)) return true;
  if (Ring::field == Field::Z2 && !fixed_.empty() && (rng.next() & 3) == 0 && plus_fixed(rng)) return true;
  if (orbits() < 2) return false;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const int i = int(rng.uniform_int(0, orbits() - 1));
    int j = int(rng.uniform_int(0, orbits() - 2));
    if (j >= i) ++j;
    if (plus_pair(i, j, rng)) return true;
  }
  return false;
}

template <class Ring>
bool SymFlipState<Ring>::plus_pair(int i, int j, Rng& rng) {
  Rep I = reps_[size_t(i)], J = rotated(j, int(rng.uniform_int(0, 2)));
  for (int p = 0; p < 3; ++p)
    if (ring_.same(I[size_t(p)], J[size_t(p)], len_)) return false;
  const int a = int(rng.uniform_int(0, 2));
  const int b = (a + 1 + int(rng.next() & 1)) % 3;
  const int c = 3 - a - b;
  // As FlipState::plus: (a,b,c) + (a',b',c') = (a−a', b, c) + (a', b−b', c) + (a', b', c+c').
  Factor na, nb, nc;
  if (!ring_.add(na, I[size_t(a)], J[size_t(a)], -1, len_) || !ring_.add(nb, I[size_t(b)], J[size_t(b)], -1, len_) ||
      !ring_.add(nc, I[size_t(c)], J[size_t(c)], 1, len_))
    return false;
  Rep K = J;
  K[size_t(c)] = nc;
  J[size_t(b)] = nb;
  J[size_t(c)] = I[size_t(c)];
  I[size_t(a)] = na;
  set_rep(i, I);
  set_rep(j, J);
  work_.push_back(i);
  work_.push_back(j);
  add_orbit(K);
  reduce();
  return true;
}

// Mod 2 the fixed term x³ is the orbit (x,x,x) (3x³ = x³); as an orbit it takes part in a plus
// transition with any orbit, with no shared factor needed (rank + 5). Once the orbits no longer
// share a fixed term's factor, neither flips nor unfolding can reach it: this is how it moves then.
template <class Ring>
bool SymFlipState<Ring>::plus_fixed(Rng& rng) {
  if (orbits() < 1) return false;
  const long f = rng.uniform_int(0, long(fixed_.size()) - 1);
  const Factor x = fixed_[size_t(f)];
  fixed_.erase(fixed_.begin() + f);
  const int o = orbits();
  add_orbit(Rep{x, x, x});
  work_.pop_back();  // reduced after the plus, which leaves it (x - y, x, x)
  for (int attempt = 0; attempt < 16; ++attempt)
    if (plus_pair(o, int(rng.uniform_int(0, o - 1)), rng)) return true;
  remove_orbit(o);
  fixed_.insert(fixed_.begin() + f, x);
  return false;
}

template class SymFlipState<Z2Ring>;
template class SymFlipState<Z2RingWide>;
template class SymFlipState<TernaryRing>;
template class SymFlipState<TernaryRingWide>;
template class SymFlipState<Z3Ring>;
template class SymFlipState<Z3RingWide>;
template class SymFlipState<ZRing>;
template class SymFlipState<ZRingWide>;

}  // namespace at::improve
