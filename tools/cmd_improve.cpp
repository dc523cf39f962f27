// alphatensor improve: flip-graph search from a scheme; alphatensor lift: Hensel lifting mod 2 or 3 -> Z.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <tbb/global_control.h>
#include <thread>

#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"
#include "improve/flip_state.hpp"
#include "improve/lift.hpp"
#include "improve/meta.hpp"
#include "improve/search.hpp"
#include "tools/cli.hpp"

namespace at::cli {
namespace {

volatile std::sig_atomic_t g_signal = 0;  // written by the handler only, polled by the monitor
extern "C" void on_signal(int sig) { g_signal = sig; }

// "90", "90s", "10m", "1.5h" -> seconds.
double parse_duration(const std::string& s) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = s.substr(used);
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
  if (used == 0 || scale < 0 || v < 0) throw UsageError("--time-limit: '" + s + "' is not a duration like 90s, 10m or 1h");
  return v * scale;
}

int default_threads() {
  if (const char* s = std::getenv("SLURM_CPUS_PER_TASK")) {
    const int n = std::atoi(s);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

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

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int cmd_improve(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("format", po::value<std::string>(), "n,m,p (needed for --from naive; otherwise permutes the start scheme to it)")
      ("field", po::value<std::string>()->default_value("Z2"), "Z2 (mod 2, bitmasks), Z3 (mod 3) or Z (bounded integers, valid over every ring)")
      ("from", po::value<std::string>()->default_value("naive"), "start: naive, strassen or a scheme FILE")
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
      ("bound", po::value<int>()->default_value(1), "over Z: largest |coefficient| (1: ternary {-1,0,1})")
      ("max-generations", po::value<long>()->default_value(0), "stop after this many pool generations (0: no limit)")
      ("json-metrics", po::value<std::string>(), "append JSON lines here: each new best (rank, seconds, flips) and progress");
  po::variables_map vm;
  if (!parse("improve", "--out DIR [--format n,m,p] [--field Z2|Z3|Z] [--from naive|strassen|FILE] [--time-limit 10m] "
                        "[--target-rank R] [--seed S] [--threads N] [options]\n\n"
                        "Flip-graph random walks (flips, reductions, plus transitions) from the start scheme. Every new\n"
                        "best rank is verified and written atomically to DIR/schemes/ (log: DIR/schemes/found.jsonl).\n"
                        "Stops at the target rank or the time limit (exit 0), or on SIGINT/SIGTERM (exit 4, all finds kept).",
             args, opts, {}, vm))
    return kOk;
  if (!vm.count("out")) throw UsageError("--out DIR is required");
  // From here on SIGINT/SIGTERM stop the search cleanly (whatever was found is written first).
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  improve::SearchOptions o;
  try {
    o.field = parse_field(vm["field"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--field: ") + e.what());
  }
  if (o.field == Field::Q) throw UsageError("--field: the flip graph works over Z2, Z3 or Z");
  const double limit = parse_duration(vm["time-limit"].as<std::string>());
  const int threads = vm["threads"].as<int>() > 0 ? vm["threads"].as<int>() : default_threads();
  o.bound = vm["bound"].as<int>();
  o.target_rank = vm["target-rank"].as<int>();
  o.seed = vm["seed"].as<uint64_t>();
  o.pool_size = vm["pool-size"].as<int>() > 0 ? vm["pool-size"].as<int>() : std::max(8, threads);
  o.pool_enough = vm["pool-enough"].as<int>();
  o.walk_flips = vm["walk-flips"].as<long>();
  o.plus_after = vm["plus-after"].as<long>();
  o.max_generations = vm["max-generations"].as<long>();

  Scheme start = start_scheme(vm);
  const VerifyResult ok = verify(start, o.field);
  if (!ok.ok)
    throw InputError(vm["from"].as<std::string>() + ": the start scheme is not valid over " + field_name(o.field) + ": " + ok.error);
  if (is_modular(o.field)) start = start.reduced_mod(o.field);
  try {
    improve::check_flip_format(start.format);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }

  const std::string out = vm["out"].as<std::string>();
  SchemeStore store(out);
  std::ofstream metrics;
  if (vm.count("json-metrics")) {
    metrics.open(vm["json-metrics"].as<std::string>(), std::ios::app);
    if (!metrics) throw InputError(vm["json-metrics"].as<std::string>() + ": cannot open for writing");
  }
  const bool live = interactive_stdout();
  const auto t0 = std::chrono::steady_clock::now();
  improve::SearchProgress progress;
  const std::string what = start.format.str() + " over " + field_name(o.field);
  const std::string source = "improve seed " + std::to_string(o.seed);
  auto emit = [&](const nlohmann::json& j) {
    if (metrics.is_open()) metrics << j.dump() << "\n" << std::flush;
  };

  // The search hands each new best to the reporter thread, which offers it to the store (verify,
  // fsync) and prints, so that writing never slows the walks. The reporter also prints progress,
  // and sets progress.stop on the time limit or a signal.
  struct Found {
    Scheme scheme;
    double seconds;
    long flips;
  };
  std::mutex mu;  // guards found and done (search threads push, the reporter pops)
  std::condition_variable cv;
  std::deque<Found> found;
  bool done = false;
  auto on_best = [&](const Scheme& s) {
    {
      std::lock_guard<std::mutex> lock(mu);
      found.push_back({s, seconds_since(t0), progress.flips.load()});
    }
    cv.notify_all();
  };
  auto finish = [&] {
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_all();
  };
  std::string failure;  // set by the reporter if the store refuses a scheme (a bug)
  std::thread reporter([&] {
    double last_line = 0, last_t = 0;
    long last_flips = 0;
    for (bool last = false; !last;) {
      std::deque<Found> batch;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done || !found.empty(); });
        batch.swap(found);
        last = done;
      }
      for (const Found& f : batch) {
        const SchemeStore::Outcome r = store.offer(f.scheme, source);
        if (r == SchemeStore::Outcome::Invalid) {
          failure = "the flip graph produced an invalid scheme of rank " + std::to_string(f.scheme.rank());
          progress.stop.store(true);
          continue;
        }
        std::cout << (live ? "\r\033[K" : "") << std::fixed << std::setprecision(2) << "[" << f.seconds << " s] "
                  << what << ": rank " << f.scheme.rank() << (r == SchemeStore::Outcome::NewBest ? " (written)" : "")
                  << "\n" << std::flush;
        emit({{"event", "best"}, {"format", f.scheme.format.str()}, {"field", field_name(f.scheme.field)},
              {"rank", f.scheme.rank()}, {"seconds", f.seconds}, {"flips", f.flips}});
      }
      const double t = seconds_since(t0);
      if (g_signal || t >= limit) progress.stop.store(true);
      if (last || t - last_line < (live ? 0.5 : 10.0)) continue;
      const long flips = progress.flips.load();
      const double rate = double(flips - last_flips) / (t - last_t);
      last_line = t, last_flips = flips, last_t = t;
      std::cout << (live ? "\r\033[K" : "") << std::fixed << std::setprecision(1) << "[" << t << " s] " << what
                << ": best rank " << progress.best_rank.load() << ", " << std::setprecision(2) << rate / 1e6
                << " M flips/s, generation " << progress.generations.load() << (live ? "" : "\n") << std::flush;
      emit({{"event", "progress"}, {"seconds", t}, {"best_rank", progress.best_rank.load()}, {"flips", flips},
            {"flips_per_second", rate}});
    }
  });

  Scheme best;
  try {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, size_t(threads));
    on_best(start);
    emit({{"event", "start"}, {"format", start.format.str()}, {"field", field_name(o.field)}, {"rank", start.rank()},
          {"threads", threads}, {"pool_size", o.pool_size}, {"seed", o.seed}});
    best = improve::search(start, o, progress, on_best);
  } catch (const std::invalid_argument& e) {  // the start does not fit the ring (e.g. the bound)
    finish();
    reporter.join();
    throw InputError(vm["from"].as<std::string>() + ": " + e.what());
  } catch (...) {
    finish();
    reporter.join();
    throw;
  }
  finish();
  reporter.join();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!failure.empty()) throw std::logic_error(failure);
  const double t = seconds_since(t0);
  const long flips = progress.flips.load();
  std::cout << (live ? "\r\033[K" : "") << std::fixed << std::setprecision(2) << what << ": best rank " << best.rank()
            << " in " << t << " s, " << flips << " flips (" << double(flips) / std::max(t, 1e-9) / 1e6
            << " M flips/s on " << threads << " thread(s)); best scheme: "
            << store.path_for(best.format, store.best_rank(best.format, best.field), best.field) << "\n";
  emit({{"event", "done"}, {"seconds", t}, {"best_rank", best.rank()}, {"flips", flips},
        {"stopped_by", g_signal ? "signal" : (o.target_rank > 0 && best.rank() <= o.target_rank) ? "target" : "limit"}});
  return g_signal ? kInterrupted : kOk;
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
            << r.scheme.max_abs_numerator() << ")\n";
  return kOk;
}

}  // namespace at::cli
