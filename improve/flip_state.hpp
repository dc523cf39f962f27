#pragma once
// A scheme as a point of the flip graph (Kauers and Moosbauer 2022) with incremental bookkeeping:
// for each role (u, v, w) a hash table maps a factor (up to sign over Z) to the list of terms that
// carry it, so finding a flip partner, applying a flip and detecting the reductions it enables all
// cost O(length of a factor).
//   flip:      (x, y_i, z_i) + (x, y_j, z_j) -> (x, y_i + λy_j, z_i) + (x, y_j, z_j − λz_i)
//   reduction: two terms sharing two factors merge; a term with a zero factor disappears
//   plus:      (a,b,c) + (a',b',c') -> (a−a', b, c) + (a', b−b', c) + (a', b', c+c')  (rank + 1)
// Not thread-safe: one state per walk.
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "core/scheme.hpp"
#include "improve/ring.hpp"

namespace at::improve {

// Throws std::invalid_argument when a factor is longer than kMaxFactorLength.
void check_flip_format(const Format& f);

template <class Ring>
class FlipState {
 public:
  using Factor = typename Ring::Factor;

  // Throws std::invalid_argument if the format is too large for Ring or a coefficient is outside the
  // ring (over Z: non-integer or beyond the bound). Terms with a zero factor are dropped and
  // available reductions applied.
  FlipState(const Scheme& s, const Ring& ring);

  int rank() const { return int(fac_[0].size()); }
  // The scheme in field Ring::field (not verified here).
  Scheme to_scheme() const;

  // Applies one uniformly drawn flip among (term, role, partner) choices, then every reduction it
  // enables. Returns false when the scheme has no two terms sharing a factor (or, over Z, when
  // every try left the coefficient bound).
  bool random_flip(Rng& rng);
  // A plus transition on two random terms sharing no factor; false when none was found.
  bool plus(Rng& rng);

 private:
  struct Slot {
    uint64_t hash;
    int head;   // first term of the list (next_ links the rest)
    int count;  // 0: empty slot
  };

  const Factor& factor(int role, int t) const { return fac_[role][size_t(t)]; }
  int find_slot(int role, uint64_t h, const Factor& f) const;
  void share(int role, int t);
  void unshare(int role, int t);
  void link(int role, int t);
  void unlink(int role, int t);
  void erase_slot(int role, int s);
  void rebuild_tables();
  void set_factor(int role, int t, const Factor& f);
  int add_term(const Factor& a, const Factor& b, const Factor& c);
  void remove_term(int t);
  bool try_flip(int role, int i, int j, Rng& rng);
  void reduce();  // applies every reduction among the terms in work_
  bool reduce_term(int t);

  Ring ring_;
  Format format_;
  int len_[3];
  // Per role, indexed by term (all of size rank()): the factor, its hash, and the links of the
  // list of terms with the same factor.
  std::vector<Factor> fac_[3];
  std::vector<uint64_t> hash_[3];
  std::vector<int> next_[3], prev_[3];
  std::vector<Slot> table_[3];  // open addressing, linear probing, power-of-two size
  uint64_t mask_ = 0;
  // Per role, the terms whose factor is shared with another term (flip candidates), and each
  // term's position in that list.
  std::vector<int> shared_[3], shared_pos_[3];
  std::vector<int> work_;      // terms to check for reductions
};

extern template class FlipState<Z2Ring>;
extern template class FlipState<Z2RingWide>;
extern template class FlipState<TernaryRing>;
extern template class FlipState<TernaryRingWide>;
extern template class FlipState<Z3Ring>;
extern template class FlipState<Z3RingWide>;
extern template class FlipState<ZRing>;
extern template class FlipState<ZRingWide>;

}  // namespace at::improve
