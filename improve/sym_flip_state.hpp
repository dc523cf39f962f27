#pragma once
// A cyclic-invariant scheme (core/symmetry.hpp) as a point of the flip graph restricted to such
// schemes: the state is its fixed terms x⊗x⊗x (one factor x each) and one representative (u,v,w)
// per orbit {(u,v,w), (v,w,u), (w,u,v)}. Every move is applied to the three shifted copies at once,
// so the scheme stays invariant, and costs O(length of a factor):
//   flip:      two orbits whose representatives share a factor (in any positions: a
//              representative may be rotated freely) flip as two terms do; the shifted copies
//              flip the same way on disjoint pairs of terms, so the sum is kept.
//   reduction: two orbits sharing two factors (after rotation) merge; an orbit with a zero factor
//              disappears; an orbit (x,±x,±x) is 3·y⊗y⊗y: mod 2 it becomes a fixed term, mod 3
//              it vanishes, over Z it becomes three fixed terms; two fixed terms ±x cancel (mod 2
//              always; over Z and mod 3 when their signs differ; mod 3 two equal ones make the
//              fixed term -x); mod 2 a fixed term x and an orbit (x,x,c) make the orbit
//              (x,x,c+x) (x³ is the orbit (x,x,x) mod 2).
//   plus:      two orbits split into three, as two terms do (rank + 3); or, one time in two, an
//              unfolding: the orbit (x,x,x) = 3·x⊗x⊗x is added with its compensation (mod 2 the
//              fixed term x, mod 3 nothing, over Z three fixed terms -x) and flipped at once with an
//              orbit sharing x. A fixed term takes part in no flip itself (its shifted copies are
//              the term itself, so the flip could not be mirrored): unfolding is how it moves.
// to_scheme() expands the state into the full scheme, so that the pool search treats it as it
// treats FlipState. Not thread-safe: one state per walk.
#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/rng.hpp"
#include "core/scheme.hpp"
#include "improve/ring.hpp"

namespace at::improve {

template <class Ring>
class SymFlipState {
 public:
  using Factor = typename Ring::Factor;

  // Throws std::invalid_argument if the format is not square or too large for Ring, if s is not
  // cyclic-invariant in Ring::field, if a fixed term is no x⊗x⊗x in the ring (over Z: 2·x⊗x⊗x),
  // or if a coefficient is outside the ring. Available reductions are applied.
  SymFlipState(const Scheme& s, const Ring& ring);

  int rank() const { return int(fixed_.size() + 3 * reps_.size()); }
  int fixed_terms() const { return int(fixed_.size()); }
  int orbits() const { return int(reps_.size()); }
  // The full scheme in field Ring::field (not verified here): the fixed terms, then each orbit's
  // three terms.
  Scheme to_scheme() const;
  // The fixed terms and orbit representatives (cyclic_closure maps them to to_scheme()).
  Scheme generators() const;

  // One uniformly drawn flip between two orbits sharing a factor, then every reduction it enables.
  // False when no two orbits share a factor (or, over Z, every try left the coefficient bound).
  bool random_flip(Rng& rng);
  // A plus transition on two random orbits sharing no factor; false when none was found.
  bool plus(Rng& rng);

 private:
  using Rep = std::array<Factor, 3>;
  // A slot is one factor of one representative: 3·orbit + position. Slots with the same factor
  // (up to sign over Z and Z3) are listed under its hash; a hash collision only costs a failed
  // try, since every use compares the factors.
  int slot_count() const { return 3 * int(reps_.size()); }
  const Factor& at(int slot) const { return reps_[size_t(slot / 3)][size_t(slot % 3)]; }
  void link(int slot);
  void unlink(int slot);
  void set_rep(int o, const Rep& r);
  void set_factor(int slot, const Factor& x);
  void add_orbit(const Rep& r);
  void remove_orbit(int o);
  void add_fixed(const Factor& x);
  Rep rotated(int o, int k) const;  // position p holds factor (p + k) % 3
  bool try_flip(int a, int b, Rng& rng);
  bool unfold(Rng& rng);
  bool plus_pair(int i, int j, Rng& rng);
  bool plus_fixed(Rng& rng);
  void reduce();
  bool reduce_orbit(int o);

  Ring ring_;
  Format format_;
  int len_;
  std::vector<Factor> fixed_;
  std::vector<Rep> reps_;
  std::unordered_map<uint64_t, std::vector<int>> groups_;  // hash -> slots
  std::vector<uint64_t> slot_hash_;
  // Slots whose group has another member (flip candidates) and each slot's position there (-1).
  std::vector<int> shared_, shared_pos_;
  std::vector<int> work_;  // orbits to check for reductions
};

extern template class SymFlipState<Z2Ring>;
extern template class SymFlipState<Z2RingWide>;
extern template class SymFlipState<TernaryRing>;
extern template class SymFlipState<TernaryRingWide>;
extern template class SymFlipState<Z3Ring>;
extern template class SymFlipState<Z3RingWide>;
extern template class SymFlipState<ZRing>;
extern template class SymFlipState<ZRingWide>;

}  // namespace at::improve
