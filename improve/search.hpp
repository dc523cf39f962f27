#pragma once
// Flip-graph search with the pool strategy: a pool of schemes of rank r; each generation runs one
// random walk per pool member (in parallel with oneTBB). Walks that end below r give candidates
// (the distinct schemes of the lowest rank seen); once there are `pool_enough` of them they become
// the next pool, otherwise the walks' end points on the plateau at r do. A walk flips at random, takes every reduction, and makes
// a plus transition when it has gone `plus_after` flips without a reduction, so it never stalls.
//
// Reproducible: walk i of generation g draws from Rng::stream(seed, g·pool_size + i), so a run that
// ends by max_generations returns the same scheme on any number of threads; with one thread a
// run is bit-identical for a seed (unless stopped by the clock or a signal).
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/scheme.hpp"
#include "core/symmetry.hpp"

namespace at::improve {

// What the search minimises. Rank: today's search, which stops at the target rank. Additions and
// RankAdditions: (rank, additions after common-subexpression elimination) lexicographically, so
// the rank never rises; the search does not stop at the target rank but keeps walking at the best
// rank for schemes with fewer additions (each walk counts exactly, with core/cse.hpp, every
// `sample_every` flips and returns its best point; the walks restart from the best). Additions does so from the first generation;
// RankAdditions searches for rank alone until the target rank is reached or `plateau_generations`
// generations went by without a lower rank. Traffic: as Additions, with the block reads and
// writes of codegen's plan with traffic-minimising elimination (core/cse.hpp block_traffic,
// CseGoal::traffic: `codegen --cse traffic`) as the count: what its speed follows.
enum class Objective { Rank, Additions, RankAdditions, Traffic };

// "rank", "additions", "rank,additions" or "traffic"; throws std::invalid_argument otherwise.
Objective parse_objective(const std::string& text);
std::string objective_name(Objective o);
// What an objective minimises at a fixed rank: block_traffic(s, 2, CseGoal::traffic) for Traffic,
// else additions after elimination.
long objective_cost(Objective o, const Scheme& s);

struct SearchOptions {
  Field field = Field::Z2;  // Z2 (bitmask factors), Z3 (two bitmasks) or Z (bounded integers)
  int bound = 1;            // over Z: largest |coefficient| (1: ternary {-1,0,1})
  int target_rank = 0;      // stop once reached (0: no target)
  int pool_size = 8;        // schemes in the pool = walks per generation
  int pool_enough = 1;      // distinct lower-rank schemes needed before the pool moves down (<= pool_size)
  long walk_flips = 0;      // flips per walk (0: automatic from the format)
  long plus_after = 0;      // flips without a reduction before a plus transition (0: automatic, <0: never)
  // How far above its lowest rank a walk may climb by plus transitions: a plus is made only while
  // the rank is below lowest + plus_levels (0: automatic, see default_plus_levels; <0: no limit).
  int plus_levels = 0;
  long max_generations = 0; // 0: until the target, the stop flag or forever
  double seconds = 0;       // stop after this long, setting progress.stop (0: no limit)
  uint64_t seed = 1;
  Objective objective = Objective::Rank;
  long plateau_generations = 20;  // RankAdditions: generations without a lower rank before it turns to additions
  long sample_every = 16;         // additions objectives: flips between a walk's exact addition counts
  // Cyclic: the walks stay on cyclic-invariant schemes (SymFlipState); the start must be one, of
  // a square format, and every scheme offered or returned is the full, invariant scheme.
  Symmetry symmetry = Symmetry::None;
};

// Shared with the caller while a search runs (read for progress lines, stop set from outside).
struct SearchProgress {
  std::atomic<long> flips{0};       // flips done so far, all walks (updated every 1024 flips)
  std::atomic<int> best_rank{0};    // best rank found so far
  std::atomic<long> best_additions{-1};  // additions objectives: fewest additions at best_rank (-1: none yet)
  std::atomic<long> generations{0};
  std::atomic<bool> stop{false};    // set by the caller (time limit, signal) or on the target
};

// Called for every new best rank (and, with an additions objective, every scheme of the best rank
// with fewer additions), in increasing order of quality, under the search's lock (so at most one
// call at a time). The scheme is in field options.field, not yet verified.
using BestCallback = std::function<void(const Scheme&)>;
// Called with the next generation's pool once it is chosen, on the thread that runs the search,
// while no walk runs (improve --objective runtime times the pool's best schemes from it).
using PoolCallback = std::function<void(const std::vector<Scheme>&)>;

// Polled once per generation on the thread that called search(): a scheme to restart the pool from
// (e.g. another process's best), valid in options.field, of the search's format (and invariant with
// symmetry). It is taken when better than the best so far (lower rank; with an additions objective
// also fewer additions at the best rank): offered like a find (the BestCallback sees it) and the
// whole pool restarts from it. Must not block.
using RestartSource = std::function<std::optional<Scheme>()>;

// Automatic walk length and plus threshold for a format (the values used when options say 0).
long default_walk_flips(const Format& f);
long default_plus_after(const Format& f);
int default_plus_levels(Symmetry symmetry);

// Runs until the target rank, options.max_generations, options.seconds or progress.stop. `start` must be valid in
// options.field (Z2: any scheme valid mod 2; Z: integer coefficients within the bound). Returns
// a scheme of the best rank found, from the final pool (start itself, reduced, when nothing
// better was found). Threads: whatever
// oneTBB allows (the caller's task_arena or tbb::global_control). Throws std::invalid_argument when the
// format or coefficients do not fit the flip graph (with symmetry: when the start is not invariant).
Scheme search(const Scheme& start, const SearchOptions& options, SearchProgress& progress,
              const BestCallback& on_best = {}, const RestartSource& restart_from = {},
              const PoolCallback& on_pool = {});

}  // namespace at::improve
