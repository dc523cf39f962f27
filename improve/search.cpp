#include "improve/search.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <tbb/parallel_for.h>
#include <vector>

#include "core/rng.hpp"
#include "core/scheme_store.hpp"
#include "improve/flip_state.hpp"
#include "improve/sym_flip_state.hpp"

namespace at::improve {
namespace {

// The best rank found by any walk; every walk offers its new lows here, under mu, so that the
// callback sees each new best rank once and in order.
struct Best {
  std::mutex mu;
  int rank = 0;  // guarded by mu
  SearchProgress* progress = nullptr;
  const BestCallback* on_best = nullptr;
  int target = 0;

  void offer(const Scheme& s) {
    if (s.rank() >= progress->best_rank.load(std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lock(mu);
    if (s.rank() >= rank) return;
    rank = s.rank();
    progress->best_rank.store(s.rank());
    if (*on_best) (*on_best)(s);
    if (target > 0 && s.rank() <= target) progress->stop.store(true);
  }
};

using clock_type = std::chrono::steady_clock;

struct WalkLimits {
  long flips;
  long plus_after;
  int target;
  bool timed;                    // options.seconds > 0
  clock_type::time_point deadline;

  // True once the caller's stop flag is set; sets it when the deadline has passed.
  bool stopped(SearchProgress& progress) const {
    if (timed && !progress.stop.load(std::memory_order_relaxed) && clock_type::now() >= deadline) progress.stop.store(true);
    return progress.stop.load(std::memory_order_relaxed);
  }
};

// One random walk from `from`; returns the last scheme it met at the lowest rank it reached.
// State: FlipState or SymFlipState.
template <class State, class Ring>
Scheme walk(const Scheme& from, const Ring& ring, Rng rng, const WalkLimits& lim, Best& best) {
  State st(from, ring);
  int low = st.rank();
  Scheme low_scheme = from;
  long since_reduction = 0, unreported = 0;
  SearchProgress& progress = *best.progress;
  for (long f = 0; f < lim.flips; ++f) {
    if ((f & 255) == 0 && lim.stopped(progress)) break;
    const int before = st.rank();
    if (!st.random_flip(rng) && !st.plus(rng)) break;  // no flip and no plus: nothing can move
    if (++unreported == 1024) {
      progress.flips.fetch_add(unreported, std::memory_order_relaxed);
      unreported = 0;
    }
    since_reduction = st.rank() < before ? 0 : since_reduction + 1;
    if (st.rank() < before && st.rank() <= low) {
      // Back at the lowest rank (after a plus transition, usually elsewhere on the plateau): keep
      // this point, so that the pool moves even when the walk ends above it.
      const bool lower = st.rank() < low;
      low = st.rank();
      low_scheme = st.to_scheme();
      if (lower) best.offer(low_scheme);
      if (low <= lim.target) break;
    }
    if (lim.plus_after > 0 && since_reduction >= lim.plus_after && st.rank() <= low) {
      st.plus(rng);
      since_reduction = 0;
    }
  }
  progress.flips.fetch_add(unreported, std::memory_order_relaxed);
  return st.rank() == low ? st.to_scheme() : low_scheme;
}

template <class State, class Ring>
Scheme run(const Scheme& start, const Ring& ring, const SearchOptions& o, SearchProgress& progress,
           const BestCallback& on_best) {
  const Scheme first = State(start, ring).to_scheme();
  Best best;
  best.rank = first.rank();
  best.progress = &progress;
  best.on_best = &on_best;
  best.target = o.target_rank;
  progress.best_rank.store(first.rank());
  const int k = std::max(1, o.pool_size);
  const WalkLimits lim{o.walk_flips > 0 ? o.walk_flips : default_walk_flips(start.format),
                       o.plus_after != 0 ? o.plus_after : default_plus_after(start.format), o.target_rank,
                       o.seconds > 0, clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                                              std::chrono::duration<double>(o.seconds))};
  const int enough = std::min(k, std::max(1, o.pool_enough));
  std::vector<Scheme> pool(static_cast<size_t>(k), first), candidates;
  std::set<uint64_t> candidate_hashes;
  for (long gen = 0; o.max_generations <= 0 || gen < o.max_generations; ++gen) {
    if (lim.stopped(progress) || (o.target_rank > 0 && progress.best_rank.load() <= o.target_rank)) break;
    const long flips_before = progress.flips.load();
    std::vector<Scheme> out(static_cast<size_t>(k));
    tbb::parallel_for(0, k, [&](int i) {
      out[size_t(i)] = walk<State>(pool[size_t(i)], ring, Rng::stream(o.seed, uint64_t(gen) * uint64_t(k) + uint64_t(i)), lim, best);
    });
    progress.generations.store(gen + 1);
    // Walks that went below the pool's rank feed the candidates (the distinct schemes of the lowest
    // rank seen); the others stay on the plateau and become the next pool, until enough candidates.
    const int rank = pool[0].rank();
    std::vector<Scheme> plateau;
    for (const Scheme& s : out) {
      if (s.rank() == rank) {
        plateau.push_back(s);
        continue;
      }
      if (!candidates.empty() && s.rank() > candidates[0].rank()) continue;
      if (!candidates.empty() && s.rank() < candidates[0].rank()) candidates.clear(), candidate_hashes.clear();
      if (candidate_hashes.insert(scheme_hash(s)).second) candidates.push_back(s);
    }
    std::vector<Scheme> next;
    if (int(candidates.size()) >= enough) {
      next.swap(candidates);
      candidate_hashes.clear();
    } else {
      next = plateau.empty() ? pool : plateau;
    }
    for (size_t i = 0; next.size() < size_t(k); ++i) next.push_back(next[i]);
    next.resize(size_t(k));
    pool = std::move(next);
    if (progress.flips.load() == flips_before) break;  // no walk could move (e.g. rank 1): nothing to search
  }
  // The best of pool and candidates has the best rank found and, unlike the first scheme offered
  // at that rank, does not depend on which thread got there first.
  return !candidates.empty() && candidates[0].rank() < pool[0].rank() ? candidates[0] : pool[0];
}

}  // namespace

long default_walk_flips(const Format& f) { return 2000L * f.naive_rank(); }

long default_plus_after(const Format& f) { return 100L * f.naive_rank(); }

namespace {

// Picks the ring for options.field and the format, then runs the pool search on State<Ring>.
template <template <class> class State>
Scheme run_in_ring(const Scheme& start, const SearchOptions& o, SearchProgress& progress, const BestCallback& on_best) {
  const Format& f = start.format;
  const bool narrow = std::max({f.a_size(), f.b_size(), f.c_size()}) <= kNarrowLength;
  if (o.field == Field::Z2)
    return narrow ? run<State<Z2Ring>>(start, Z2Ring{}, o, progress, on_best)
                  : run<State<Z2RingWide>>(start, Z2RingWide{}, o, progress, on_best);
  if (o.field == Field::Z3)
    return narrow ? run<State<Z3Ring>>(start, Z3Ring{}, o, progress, on_best)
                  : run<State<Z3RingWide>>(start, Z3RingWide{}, o, progress, on_best);
  if (o.field != Field::Z) throw std::invalid_argument("the flip graph works over Z2, Z3 or Z, not " + field_name(o.field));
  if (o.bound < 1 || o.bound > ZRing::kMaxBound)
    throw std::invalid_argument("coefficient bound must be in 1.." + std::to_string(ZRing::kMaxBound));
  if (o.bound == 1)
    return narrow ? run<State<TernaryRing>>(start, TernaryRing{}, o, progress, on_best)
                  : run<State<TernaryRingWide>>(start, TernaryRingWide{}, o, progress, on_best);
  if (narrow) {
    ZRing ring;
    ring.bound = o.bound;
    return run<State<ZRing>>(start, ring, o, progress, on_best);
  }
  ZRingWide ring;
  ring.bound = o.bound;
  return run<State<ZRingWide>>(start, ring, o, progress, on_best);
}

}  // namespace

Scheme search(const Scheme& start, const SearchOptions& o, SearchProgress& progress, const BestCallback& on_best) {
  check_flip_format(start.format);
  if (o.symmetry == Symmetry::Cyclic) {
    check_cyclic_format(start.format);
    return run_in_ring<SymFlipState>(start, o, progress, on_best);
  }
  return run_in_ring<FlipState>(start, o, progress, on_best);
}

}  // namespace at::improve
