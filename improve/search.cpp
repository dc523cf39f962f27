#include "improve/search.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <tbb/parallel_for.h>
#include <vector>

#include "core/cse.hpp"
#include "core/rng.hpp"
#include "core/scheme_store.hpp"
#include "improve/flip_state.hpp"
#include "improve/sym_flip_state.hpp"

namespace at::improve {
namespace {

// The best rank found by any walk (and, for the additions objectives, the fewest additions at it);
// every walk offers its new lows here, under mu, so that the callback sees each improvement once
// and in order.
struct Best {
  std::mutex mu;
  int rank = 0;              // guarded by mu
  long additions = LONG_MAX; // guarded by mu: fewest additions offered at `rank`
  Scheme scheme;             // guarded by mu: the scheme with those additions (when offered)
  SearchProgress* progress = nullptr;
  const BestCallback* on_best = nullptr;
  int target = 0;            // stop there (the rank objective only)
  bool count_additions = false;  // an additions objective: a new rank also sets `additions`
  Objective objective = Objective::Rank;  // what `additions` counts (objective_cost)

  // True when s was a new best rank.
  bool offer(const Scheme& s) {
    if (s.rank() >= progress->best_rank.load(std::memory_order_relaxed)) return false;
    std::lock_guard<std::mutex> lock(mu);
    if (s.rank() >= rank) return false;
    rank = s.rank();
    additions = count_additions ? objective_cost(objective, s) : LONG_MAX;  // rare: new ranks only
    if (count_additions) scheme = s;
    progress->best_rank.store(s.rank());
    progress->best_additions.store(count_additions ? additions : -1);
    if (*on_best) (*on_best)(s);
    if (target > 0 && s.rank() <= target) progress->stop.store(true);
    return true;
  }

  // The exact count is taken outside the lock (it is the costly part). True when s was better.
  bool offer_additions(const Scheme& s) {
    if (s.rank() > progress->best_rank.load(std::memory_order_relaxed)) return false;
    const long a = objective_cost(objective, s);
    std::lock_guard<std::mutex> lock(mu);
    if (s.rank() > rank || (s.rank() == rank && a >= additions)) return false;
    rank = s.rank();
    additions = a;
    scheme = s;
    progress->best_rank.store(s.rank());
    progress->best_additions.store(a);
    if (*on_best) (*on_best)(s);
    return true;
  }
};

using clock_type = std::chrono::steady_clock;

struct WalkLimits {
  long flips;
  long plus_after;
  int target;                    // end the walk there (0: never)
  long sample_every;             // additions objectives: flips between exact counts
  Objective objective;           // what the counts count (objective_cost)
  bool timed;                    // options.seconds > 0
  int plus_levels;               // a plus only below lowest + plus_levels (INT_MAX: no limit)
  clock_type::time_point deadline;

  // True once the caller's stop flag is set; sets it when the deadline has passed.
  bool stopped(SearchProgress& progress) const {
    if (timed && !progress.stop.load(std::memory_order_relaxed) && clock_type::now() >= deadline) progress.stop.store(true);
    return progress.stop.load(std::memory_order_relaxed);
  }
};

// One random walk from `from`; returns the last scheme it met at the lowest rank it reached or,
// `by_additions`, the one with the fewest additions after elimination among the points at that rank
// sampled every lim.sample_every flips (the first met). The sampled exact count replaced a cheaper
// proxy, the non-zero coefficients: it steered away from shared subexpressions (Winograd's variant
// has more non-zeros than Strassen's, 42 against 36, but 15 additions against 18).
// State: FlipState or SymFlipState.
template <class State, class Ring>
Scheme walk(const Scheme& from, const Ring& ring, Rng rng, const WalkLimits& lim, Best& best, bool by_additions) {
  State st(from, ring);
  int low = st.rank();
  Scheme low_scheme = by_additions ? st.to_scheme() : from;
  long low_additions = by_additions ? objective_cost(lim.objective, low_scheme) : 0;
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
      if (lower || !by_additions) {
        low = st.rank();
        low_scheme = st.to_scheme();
        if (by_additions) low_additions = objective_cost(lim.objective, low_scheme);
      }
      if (lower) best.offer(low_scheme);
      if (low <= lim.target) break;
    }
    if (by_additions && st.rank() == low && f % lim.sample_every == 0) {
      Scheme here = st.to_scheme();
      const long a = objective_cost(lim.objective, here);
      if (a < low_additions) low_scheme = std::move(here), low_additions = a;
    }
    if (lim.plus_after > 0 && since_reduction >= lim.plus_after && st.rank() - low < lim.plus_levels) {
      // Above the lowest rank, a plus that led nowhere is followed by another (up to the levels).
      // The plateau point a plus leaves is where this walk got to at the lowest rank: the walk
      // returns it when it ends above, so the next generation goes on from there, not from where
      // the walk first reached that rank.
      if (lim.plus_levels > 1 && st.rank() == low && !by_additions) low_scheme = st.to_scheme();
      st.plus(rng);
      since_reduction = 0;
    }
  }
  progress.flips.fetch_add(unreported, std::memory_order_relaxed);
  return st.rank() == low && !by_additions ? st.to_scheme() : low_scheme;
}

template <class State, class Ring>
Scheme run(const Scheme& start, const Ring& ring, const SearchOptions& o, SearchProgress& progress,
           const BestCallback& on_best, const RestartSource& restart_from, const PoolCallback& on_pool) {
  const Scheme first = State(start, ring).to_scheme();
  Best best;
  best.rank = first.rank();
  best.progress = &progress;
  best.on_best = &on_best;
  const bool rank_only = o.objective == Objective::Rank;
  best.count_additions = !rank_only;
  best.objective = o.objective;
  if (!rank_only) best.additions = objective_cost(o.objective, first), best.scheme = first;
  best.target = rank_only ? o.target_rank : 0;
  progress.best_rank.store(first.rank());
  if (!rank_only) progress.best_additions.store(best.additions);  // shown from the first progress line
  const int k = std::max(1, o.pool_size);
  const int levels = o.plus_levels != 0 ? o.plus_levels : default_plus_levels(o.symmetry);
  WalkLimits lim{o.walk_flips > 0 ? o.walk_flips : default_walk_flips(start.format),
                 o.plus_after != 0 ? o.plus_after : default_plus_after(start.format), o.target_rank,
                 std::max(1L, o.sample_every), o.objective, o.seconds > 0,
                 levels < 0 ? INT_MAX : levels,
                 clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                                        std::chrono::duration<double>(o.seconds))};
  bool by_additions = o.objective == Objective::Additions || o.objective == Objective::Traffic;
  long last_lower = 0;  // generation of the last lower rank
  int rank_seen = first.rank();
  const int enough = std::min(k, std::max(1, o.pool_enough));
  std::vector<Scheme> pool(static_cast<size_t>(k), first), candidates;
  std::set<uint64_t> candidate_hashes;
  for (long gen = 0; o.max_generations <= 0 || gen < o.max_generations; ++gen) {
    const bool at_target = o.target_rank > 0 && progress.best_rank.load() <= o.target_rank;
    if (lim.stopped(progress) || (rank_only && at_target)) break;
    if (std::optional<Scheme> given = restart_from ? restart_from() : std::nullopt) {
      const Scheme in = State(*given, ring).to_scheme();
      if (best.offer(in) || (!rank_only && best.offer_additions(in))) {
        pool.assign(size_t(k), in);
        candidates.clear(), candidate_hashes.clear();
        if (progress.stop.load()) break;  // it was the target
      }
    }
    if (progress.best_rank.load() < rank_seen) rank_seen = progress.best_rank.load(), last_lower = gen;
    if (!rank_only && !by_additions && (at_target || gen - last_lower >= o.plateau_generations)) by_additions = true;
    if (by_additions) lim.target = 0;  // walks go on at the best rank
    const long flips_before = progress.flips.load();
    std::vector<Scheme> out(static_cast<size_t>(k));
    tbb::parallel_for(0, k, [&](int i) {
      out[size_t(i)] = walk<State>(pool[size_t(i)], ring, Rng::stream(o.seed, uint64_t(gen) * uint64_t(k) + uint64_t(i)),
                                   lim, best, by_additions);
      if (by_additions) best.offer_additions(out[size_t(i)]);
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
    // Walks also restart from the best (best.scheme is read outside its lock: no walk runs now).
    if (by_additions && best.scheme.rank() == next[0].rank()) next[0] = best.scheme;
    pool = std::move(next);
    if (on_pool) on_pool(pool);
    if (progress.flips.load() == flips_before) break;  // no walk could move (e.g. rank 1): nothing to search
  }
  // The best of pool and candidates has the best rank found and, unlike the first scheme offered
  // at that rank, does not depend on which thread got there first.
  const Scheme& end = !candidates.empty() && candidates[0].rank() < pool[0].rank() ? candidates[0] : pool[0];
  return best.scheme.rank() > 0 && best.scheme.rank() <= end.rank() ? best.scheme : end;
}

}  // namespace

Objective parse_objective(const std::string& text) {
  if (text == "rank") return Objective::Rank;
  if (text == "additions") return Objective::Additions;
  if (text == "rank,additions") return Objective::RankAdditions;
  if (text == "traffic") return Objective::Traffic;
  throw std::invalid_argument("objective must be rank, additions, rank,additions or traffic, not '" + text + "'");
}

std::string objective_name(Objective o) {
  return o == Objective::Rank ? "rank" : o == Objective::Additions ? "additions" : o == Objective::Traffic ? "traffic" : "rank,additions";
}

long objective_cost(Objective o, const Scheme& s) {
  return o == Objective::Traffic ? block_traffic(s, 2, CseGoal::traffic) : additions_after_elimination(s);
}

long default_walk_flips(const Format& f) { return 2000L * f.naive_rank(); }

long default_plus_after(const Format& f) { return 100L * f.naive_rank(); }

// With symmetry no limit (measured: 3x3x3 mod 2, naive to 23 in 4 s on average over 6 seeds
// against 20 s with one level); without, one level.
int default_plus_levels(Symmetry symmetry) { return symmetry == Symmetry::Cyclic ? -1 : 1; }

namespace {

// Picks the ring for options.field and the format, then runs the pool search on State<Ring>.
template <template <class> class State>
Scheme run_in_ring(const Scheme& start, const SearchOptions& o, SearchProgress& progress, const BestCallback& on_best,
                   const RestartSource& restart_from, const PoolCallback& on_pool) {
  const Format& f = start.format;
  const bool narrow = std::max({f.a_size(), f.b_size(), f.c_size()}) <= kNarrowLength;
  if (o.field == Field::Z2)
    return narrow ? run<State<Z2Ring>>(start, Z2Ring{}, o, progress, on_best, restart_from, on_pool)
                  : run<State<Z2RingWide>>(start, Z2RingWide{}, o, progress, on_best, restart_from, on_pool);
  if (o.field == Field::Z3)
    return narrow ? run<State<Z3Ring>>(start, Z3Ring{}, o, progress, on_best, restart_from, on_pool)
                  : run<State<Z3RingWide>>(start, Z3RingWide{}, o, progress, on_best, restart_from, on_pool);
  if (o.field != Field::Z) throw std::invalid_argument("the flip graph works over Z2, Z3 or Z, not " + field_name(o.field));
  if (o.bound < 1 || o.bound > ZRing::kMaxBound)
    throw std::invalid_argument("coefficient bound must be in 1.." + std::to_string(ZRing::kMaxBound));
  if (o.bound == 1)
    return narrow ? run<State<TernaryRing>>(start, TernaryRing{}, o, progress, on_best, restart_from, on_pool)
                  : run<State<TernaryRingWide>>(start, TernaryRingWide{}, o, progress, on_best, restart_from, on_pool);
  if (narrow) {
    ZRing ring;
    ring.bound = o.bound;
    return run<State<ZRing>>(start, ring, o, progress, on_best, restart_from, on_pool);
  }
  ZRingWide ring;
  ring.bound = o.bound;
  return run<State<ZRingWide>>(start, ring, o, progress, on_best, restart_from, on_pool);
}

}  // namespace

Scheme search(const Scheme& start, const SearchOptions& o, SearchProgress& progress, const BestCallback& on_best,
              const RestartSource& restart_from, const PoolCallback& on_pool) {
  check_flip_format(start.format);
  if (o.symmetry == Symmetry::Cyclic) {
    check_cyclic_format(start.format);
    return run_in_ring<SymFlipState>(start, o, progress, on_best, restart_from, on_pool);
  }
  return run_in_ring<FlipState>(start, o, progress, on_best, restart_from, on_pool);
}

}  // namespace at::improve
