// alphatensor improve: flip-graph search from a scheme; alphatensor lift: Hensel lifting mod 2 or 3 -> Z.
#include <algorithm>
#include <atomic>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

#include "core/builtin.hpp"
#include "core/cse.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"
#include "core/symmetry.hpp"
#include "core/threads.hpp"
#include "cluster/improve_ranks.hpp"
#include "improve/lift.hpp"
#include "improve/meta.hpp"
#include "improve/run.hpp"
#include "improve/runtime.hpp"
#include "tools/cli.hpp"
#include "tools/discovery.hpp"
#include "tools/runtime_options.hpp"

namespace at::cli {
namespace {

Scheme start_scheme(const po::variables_map& vm) {
  const std::string from = vm["from"].as<std::string>();
  std::optional<Format> format;
  if (vm.count("format")) {
    try {
      format = Format::parse(vm["format"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--format: ") + e.what());
    }
  }
  Scheme s;
  if (from == "naive") {
    if (!format) throw UsageError("--from naive needs --format n,m,p");
    s = naive_scheme(*format);
  } else if (from.rfind("diagonal:", 0) == 0) {
    if (!format || format->n != format->m || format->m != format->p)
      throw UsageError("--from diagonal:SIZES needs a square --format n,n,n");
    try {
      s = cyclic_diagonal_scheme(format->n, parse_diagonal_sizes(from.substr(9)));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--from: ") + e.what());
    }
  } else {
    s = from == "strassen" ? strassen_scheme() : read_scheme(from);
  }
  try {
    if (vm.count("meta"))
      for (const std::string& m : vm["meta"].as<std::vector<std::string>>()) s = improve::apply_meta(s, m);
    if (format && *format != s.format) s = to_format(s, *format);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return s;
}

// --objective runtime: the search by additions with a timing thread (improve/runtime.hpp), timed
// by codegen's executor; prints every measurement and the fastest against the start.
improve::RuntimeResult run_by_runtime(const Scheme& start, const improve::RunOptions& run, const po::variables_map& vm,
                                      const improve::RunEvents& events, bool live, const std::atomic<bool>* stop) {
  if (run.search.field != Field::Z) throw UsageError("--objective runtime times real arithmetic: use --field Z");
  improve::RuntimeOptions rt;
  codegen::RuntimeSetup setup = read_runtime_setup(vm);
  const std::string proxy = vm["runtime-proxy"].as<std::string>();
  if (proxy != "additions" && proxy != "traffic") throw UsageError("--runtime-proxy must be additions or traffic, not '" + proxy + "'");
  rt.proxy = improve::parse_objective(proxy);
  // The plan timed is the one the proxy counts (traffic counts the traffic-minimising elimination).
  if (rt.proxy == improve::Objective::Traffic) setup.plan.cse_goal = CseGoal::traffic;
  rt.setup = runtime_setup_json(setup);
  rt.interval = parse_duration(vm["runtime-interval"].as<std::string>());
  rt.top_k = vm["runtime-top-k"].as<int>();
  if (!(rt.interval > 0) || rt.top_k < 1) throw UsageError("--runtime-interval must be > 0 and --runtime-top-k >= 1");
  auto meter = std::make_shared<codegen::RuntimeMeter>(setup);
  rt.timer = [meter](const Scheme& s) {
    const codegen::RuntimeMeasurement m = meter->measure(s);
    return improve::RuntimeTiming{m.seconds, m.base_seconds, m.spread};
  };
  const auto on_timed = [&](const Scheme& s, const improve::RuntimeTiming& t, long additions, bool fastest) {
    std::cout << (live ? "\r\033[K" : "") << std::fixed << std::setprecision(3) << "timed rank " << s.rank() << ", "
              << additions << " additions: " << t.seconds << " s, " << t.base_seconds / t.seconds
              << "x the base multiply (spread " << std::setprecision(1) << 100 * t.spread << "%)"
              << (fastest ? " (fastest, written)" : "") << "\n" << std::flush;
  };
  const improve::RuntimeResult r = improve::run_runtime(start, run, rt, events, on_timed, stop);
  if (r.timed > 0)
    std::cout << std::fixed << std::setprecision(3) << "fastest: " << r.timing.seconds << " s at n=" << setup.n
              << ", levels=" << setup.levels << " (" << r.timing.base_seconds / r.timing.seconds
              << "x the base multiply; the start: " << r.start_timing.base_seconds / r.start_timing.seconds << "x, "
              << r.timed << " distinct scheme(s) timed)\n";
  return r;
}

}  // namespace

int cmd_improve(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("format", po::value<std::string>(), "n,m,p (needed for --from naive; otherwise permutes the start scheme to it)")
      ("field", po::value<std::string>()->default_value("Z2"), "Z2 (mod 2, bitmasks), Z3 (mod 3) or Z (bounded integers, valid over every ring)")
      ("from", po::value<std::string>()->default_value("naive"), "start: naive, strassen, diagonal:SIZES (square formats: the naive scheme with its "
                                                     "diagonal products grouped into fixed terms, one per part of SIZES, e.g. 2,2,1; "
                                                     "see --symmetry) or a scheme FILE")
      ("meta", po::value<std::vector<std::string>>(), "meta operation on the start scheme (repeatable, in order): "
                                                        "extend:AXIS, project:AXIS, merge:AXIS:OPERAND, product:OPERAND "
                                                        "(OPERAND: strassen, naive:n,m,p or FILE; AXIS 0=n 1=m 2=p)")
      ("out", po::value<std::string>(), "output folder: OUT/schemes/ gets every new best, verified, atomically")
      ("time-limit", po::value<std::string>()->default_value("10m"), "stop after this long (90s, 10m, 1h)")
      ("target-rank", po::value<int>()->default_value(0), "stop once this rank is reached (0: none)")
      ("seed", po::value<uint64_t>()->default_value(1), "random seed (one thread: same seed, same run)")
      ("threads", po::value<int>()->default_value(0), "worker threads (0: SLURM_CPUS_PER_TASK or all cores)")
      ("pool-size", po::value<int>()->default_value(0), "schemes in the pool = walks per generation (0: max(8, threads))")
      ("pool-enough", po::value<int>()->default_value(1), "distinct schemes of a lower rank needed before the pool moves down to it")
      ("walk-flips", po::value<long>()->default_value(0), "flips per walk (0: 2000 x naive rank)")
      ("plus-after", po::value<long>()->default_value(0),
       "flips without a reduction before a plus transition (0: 100 x naive rank; -1: never)")
      ("plus-levels", po::value<int>()->default_value(0),
       "a walk makes plus transitions only while its rank is below its lowest + this (0: 1, no limit with "
       "--symmetry cyclic; -1: no limit)")
      ("bound", po::value<int>()->default_value(1), "over Z: largest |coefficient| (1: ternary {-1,0,1})")
      ("symmetry", po::value<std::string>()->default_value("none"),
       "none or cyclic: walk on schemes invariant under (u,v,w) -> (v,w,u) (square formats; the start must be invariant, "
       "as naive and strassen are)")
      ("max-generations", po::value<long>()->default_value(0), "stop after this many pool generations (0: no limit)")
      ("objective", po::value<std::string>()->default_value("rank"),
       "rank (stop at the target rank), additions (at the best rank, also fewer additions after common-subexpression "
       "elimination, from the start) or rank,additions (rank first, additions once the target rank or a plateau is "
       "reached); the additions objectives never raise the rank, run to the time limit and also write "
       "DIR/schemes/<format>_r<R>_<field>_fewest_additions.json; traffic (over Z): as additions, with the block reads "
       "and writes of codegen's plan as the count (its best written to DIR/schemes/<format>_r<R>_Z_least_traffic.json "
       "at the end); runtime (over Z): additions as the proxy, the best "
       "--runtime-top-k schemes of the pool timed for real every --runtime-interval, the fastest written to "
       "DIR/schemes/<format>_r<R>_Z_fastest.json with its measured speed")
      ("runtime-interval", po::value<std::string>()->default_value("60s"), "runtime: time between timing rounds")
      ("runtime-top-k", po::value<int>()->default_value(4), "runtime: distinct schemes of the pool timed per round")
      ("runtime-proxy", po::value<std::string>()->default_value("additions"),
       "runtime: what the walks minimise between timings: additions or traffic")
      ("sample-every", po::value<long>()->default_value(16),
       "additions objectives: flips between a walk's exact addition counts (after elimination)")
      ("plateau-generations", po::value<long>()->default_value(20),
       "rank,additions: generations without a lower rank before it turns to additions")
      ("resume", po::bool_switch(), "continue from the best scheme already in OUT/schemes/ for this format and field, "
                                    "when better than the start (found.jsonl and metrics are appended to; the time limit "
                                    "counts this run only)")
      ("json-metrics", po::value<std::string>(), "append JSON lines here: each new best (rank, seconds, flips) and progress (default: OUT/metrics.jsonl)");
  opts.add(runtime_options(2048));
  po::variables_map vm;
  if (!parse("improve", "--out DIR [--format n,m,p] [--field Z2|Z3|Z] [--from naive|strassen|diagonal:SIZES|FILE] [--time-limit 10m] "
                        "[--target-rank R] [--objective rank|additions|rank,additions|traffic|runtime] [--seed S] [--threads N] [--resume] [options]\n\n"
                        "Flip-graph random walks (flips, reductions, plus transitions) from the start scheme. Every new\n"
                        "best rank is verified and written atomically to DIR/schemes/ (log: DIR/schemes/found.jsonl).\n"
                        "Stops at the target rank or the time limit (exit 0), or on SIGINT/SIGTERM/SIGUSR1 (exit 4, all finds kept).\n"
                        "Under mpirun, mpiexec or srun: one search over all ranks (seed + rank each, best schemes\n"
                        "exchanged every 2 s); rank 0 writes and reports; the site's MPI is loaded at run time.",
             args, opts, {}, vm))
    return kOk;
  if (!vm.count("out")) throw UsageError("--out DIR is required");
  // Under an MPI launcher: one job over all ranks (rank 0 writes and reports); else MPI is never loaded.
  const std::unique_ptr<cluster::World> world = cluster::join_if_launched();
  const bool root = !world || world->rank() == 0;
  if (world && root) std::cout << "MPI: " << world->describe() << "\n" << std::flush;
  improve::RunOptions run;
  improve::SearchOptions& o = run.search;
  try {
    o.field = parse_field(vm["field"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--field: ") + e.what());
  }
  if (o.field == Field::Q) throw UsageError("--field: the flip graph works over Z2, Z3 or Z");
  run.time_limit = parse_duration(vm["time-limit"].as<std::string>());
  run.threads = vm["threads"].as<int>() > 0 ? vm["threads"].as<int>()
                : world                       ? std::min(default_thread_count(), cluster::threads_per_rank(world->launcher()))
                                              : default_thread_count();
  o.bound = vm["bound"].as<int>();
  try {
    o.symmetry = parse_symmetry(vm["symmetry"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--symmetry: ") + e.what());
  }
  o.target_rank = vm["target-rank"].as<int>();
  o.seed = vm["seed"].as<uint64_t>();
  o.pool_size = vm["pool-size"].as<int>() > 0 ? vm["pool-size"].as<int>() : std::max(8, run.threads);
  o.pool_enough = vm["pool-enough"].as<int>();
  o.walk_flips = vm["walk-flips"].as<long>();
  o.plus_after = vm["plus-after"].as<long>();
  o.plus_levels = vm["plus-levels"].as<int>();
  o.max_generations = vm["max-generations"].as<long>();
  const bool by_runtime = vm["objective"].as<std::string>() == "runtime";
  // Its timings need the node to itself: ranks sharing a node would time each other's walks.
  if (by_runtime && world) throw UsageError("--objective runtime runs in one process, not across MPI ranks");
  try {
    o.objective = improve::parse_objective(by_runtime ? "additions" : vm["objective"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--objective: ") + e.what());
  }
  o.plateau_generations = vm["plateau-generations"].as<long>();
  o.sample_every = vm["sample-every"].as<long>();
  if (o.sample_every < 1) throw UsageError("--sample-every must be >= 1");
  if (o.plateau_generations < 0) throw UsageError("--plateau-generations must be >= 0");
  const bool by_additions = o.objective != improve::Objective::Rank;
  const bool by_traffic = o.objective == improve::Objective::Traffic;
  if (by_traffic && o.field != Field::Z) throw UsageError("--objective traffic counts real arithmetic: use --field Z");
  run.out_dir = vm["out"].as<std::string>();
  run.metrics_path = vm.count("json-metrics") ? vm["json-metrics"].as<std::string>() : run.out_dir + "/metrics.jsonl";

  Scheme start = start_scheme(vm);
  if (o.symmetry == Symmetry::Cyclic) {
    try {
      check_cyclic_format(start.format);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--symmetry cyclic: ") + e.what());
    }
  }
  if (vm["resume"].as<bool>() && root) {  // other ranks get rank 0's start
    std::string from;
    start = improve::resume_start(start, o.field, run.out_dir, &from);
    std::cout << (from.empty() ? "nothing better to resume in " + run.out_dir + "/schemes; starting from " +
                                     vm["from"].as<std::string>()
                               : "resumed from " + from + " (rank " + std::to_string(start.rank()) + ")")
              << "\n" << std::flush;
  }

  // From here on SIGINT/SIGTERM/SIGUSR1 stop the search cleanly (whatever was found is written first).
  const std::atomic<bool>& stop = stop_on_signals();
  const bool live = interactive_stdout();
  run.progress_every = live ? 0.5 : 10;
  const std::string what = start.format.str() + " over " + field_name(o.field) +
                           (o.symmetry == Symmetry::Cyclic ? " (cyclic symmetry)" : "");
  improve::RunEvents events;
  events.on_best = [&](const Scheme& s, SchemeStore::Outcome r, double seconds, long) {
    std::cout << (live ? "\r\033[K" : "") << std::fixed << std::setprecision(2) << "[" << seconds << " s] " << what
              << ": rank " << s.rank();
    if (by_additions) std::cout << ", " << scheme_stats(s).additions_cse << " additions";
    if (by_traffic) std::cout << ", " << improve::objective_cost(improve::Objective::Traffic, s) << " block passes";
    std::cout << (r == SchemeStore::Outcome::NewBest || r == SchemeStore::Outcome::FewerAdditions ? " (written)" : "")
              << "\n" << std::flush;
  };
  events.on_progress = [&](const improve::RunProgress& p) {
    std::cout << (live ? "\r\033[K" : "") << std::fixed << std::setprecision(1) << "[" << p.seconds << " s] " << what
              << ": best rank " << p.best_rank;
    if (p.best_additions >= 0) std::cout << " (" << p.best_additions << (by_traffic ? " block passes)" : " additions)");
    std::cout << ", " << std::setprecision(2) << p.flips_per_second / 1e6
              << " M flips/s, generation " << p.generations << (live ? "" : "\n") << std::flush;
  };
  improve::RunResult r;
  std::string stopped_by, ranks;
  try {
    if (world) {
      const cluster::RanksResult all = cluster::improve_across_ranks(*world, start, run, events, &stop);
      r = all.run, r.flips = all.flips, stopped_by = all.stopped_by;
      ranks = " x " + std::to_string(world->size()) + " ranks";
    } else if (by_runtime) {
      const improve::RuntimeResult t = run_by_runtime(start, run, vm, events, live, &stop);
      r = t.run;
      r.best_path = t.fastest_path;
      stopped_by = r.stopped_by;
    } else {
      r = improve::run(start, run, events, &stop);
      stopped_by = r.stopped_by;
    }
  } catch (const std::invalid_argument& e) {  // the start is not valid in the field or does not fit the flip graph
    throw InputError(vm["from"].as<std::string>() + ": " + e.what());
  }
  if (!root) return stopped_by == "cancel" ? kInterrupted : kOk;
  std::cout << (live ? "\r\033[K" : "") << std::fixed << std::setprecision(2) << what << ": best rank " << r.best.rank();
  if (by_additions) std::cout << ", " << scheme_stats(r.best).additions_cse << " additions";
  if (by_traffic) std::cout << ", " << improve::objective_cost(improve::Objective::Traffic, r.best) << " block passes";
  std::cout << " in " << r.seconds << " s, " << r.flips << " flips (" << double(r.flips) / std::max(r.seconds, 1e-9) / 1e6
            << " M flips/s on " << r.threads << " thread(s)" << ranks << "); best scheme: " << r.best_path << "\n";
  return stopped_by == "cancel" ? kInterrupted : kOk;
}

int cmd_lift(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("input", po::value<std::string>(), "scheme valid mod --mod (.json or .exp)")
      ("output,o", po::value<std::string>(), "write the lifted scheme here (.json or .exp), verified")
      ("mod", po::value<int>(), "the prime the scheme is valid mod: 2 or 3 (its coefficients are read mod it; default: 3 for a "
                                "Z3 scheme, else 2)")
      ("bits", po::value<int>()->default_value(0),
       "lift up to modulus p^bits before rational reconstruction (2..62 mod 2, 2..39 mod 3; 0: 40 mod 2, 25 mod 3)")
      ("any-support", po::bool_switch(), "let coefficients that are zero mod p change too (default: keep the zero pattern)");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  if (!parse("lift", "FILE -o OUT [--mod 2|3] [--bits K] [--any-support]\n\n"
                     "Hensel lifting of a scheme valid mod 2 (or mod 3) to one valid over Z (or Q) that\n"
                     "reduces to it. Exit 0: lifted and written; 1: no lift found (the message says\n"
                     "whether none exists with this support)",
             args, opts, pos, vm))
    return kOk;
  if (!vm.count("input")) throw UsageError("no input scheme given");
  if (!vm.count("output")) throw UsageError("-o OUT is required");
  const std::string in = vm["input"].as<std::string>();
  const Scheme s = read_scheme(in);
  improve::LiftOptions o;
  o.prime = vm.count("mod") ? vm["mod"].as<int>() : s.field == Field::Z3 ? 3 : 2;
  o.bits = vm["bits"].as<int>();
  o.same_support = !vm["any-support"].as<bool>();
  if (o.prime != 2 && o.prime != 3) throw UsageError("--mod must be 2 or 3");
  const int max_bits = improve::max_lift_bits(o.prime);
  if (o.bits != 0 && (o.bits < 2 || o.bits > max_bits))
    throw UsageError("--bits must be in 2.." + std::to_string(max_bits) + " with --mod " + std::to_string(o.prime));
  improve::LiftResult r;
  try {
    r = improve::hensel_lift(s, o);
  } catch (const std::invalid_argument& e) {  // not valid mod p, a denominator divisible by p, too large
    throw InputError(in + ": " + e.what());
  }
  if (!r.ok) {
    std::cout << in << ": " << r.message << (r.proof ? " (proved)" : "")
              << (o.same_support ? "; --any-support lets zero coefficients change too" : "") << "\n";
    return kInvalid;
  }
  const std::string out = vm["output"].as<std::string>();
  write_scheme(out, r.scheme);
  std::cout << in << ": " << r.message << "; " << out << ": " << r.scheme.format.str() << " over "
            << field_name(r.scheme.field) << ", rank " << r.scheme.rank() << " (verified; largest |coefficient| "
            << r.scheme.max_abs_numerator() << ")";
  // Lifting solves for every term separately, so an invariant scheme mod p may lift to one that is not.
  const std::string cyclic = cyclic_summary(r.scheme, r.scheme.field);
  std::cout << (cyclic.empty() ? "" : "; " + cyclic) << "\n";
  return kOk;
}

}  // namespace at::cli
