// alphatensor search: one hard target, searched by one tree with tree parallelism (mcts/search.hpp):
// games are played move by move from the target (in a basis from the pool, as in training), each
// move searched by --threads workers on the same tree with virtual loss, their network queries
// batched; every game that reaches zero is mapped back, verified exactly and kept in OUT/schemes.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/task_arena.h>
#include <sstream>
#include <thread>

#include "core/files.hpp"
#include "core/threads.hpp"
#include "core/scheme_store.hpp"
#include "mcts/fake_networks.hpp"
#include "mcts/neural.hpp"
#include "mcts/selfplay.hpp"
#include "mcts/scheme_game.hpp"
#include "nn/checkpoint.hpp"
#include "tools/device_choice.hpp"
#include "tools/discovery.hpp"

namespace at::cli {
namespace {

using clock_type = std::chrono::steady_clock;

// Sets `halt` once a signal came or the time limit passed, so a search stops within a simulation.
class Watchdog {
 public:
  Watchdog(const std::atomic<bool>& signal, double limit_s) : signal_(signal), limit_(limit_s), start_(clock_type::now()) {
    thread_ = std::thread([this] {
      while (!done_.load()) {
        if (signal_.load() || (limit_ > 0 && elapsed() >= limit_)) halt.store(true);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~Watchdog() {
    done_.store(true);
    thread_.join();
  }
  double elapsed() const { return std::chrono::duration<double>(clock_type::now() - start_).count(); }
  std::atomic<bool> halt{false};

 private:
  const std::atomic<bool>& signal_;
  const double limit_;
  const clock_type::time_point start_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

int cmd_search(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("target", po::value<std::string>(), "target format n,m,p (required)")
      ("field", po::value<std::string>()->default_value("Z"), "Z (coefficients -2..2) or Z2 (mod 2)")
      ("network", po::value<std::string>()->default_value("uniform"),
       "uniform (the fake uniform network) or a checkpoint from `alphatensor train` (on --device)")
      ("threads", po::value<int>()->default_value(0), "workers on the tree (default: SLURM_CPUS_PER_TASK, else all cores)")
      ("virtual-loss", po::value<int>()->default_value(3), "visits an in-flight simulation adds to its path")
      ("seed", po::value<uint64_t>()->default_value(1), "random seed (one thread: same seed, same games)")
      ("time-limit", po::value<std::string>()->default_value("10m"), "stop after this long: seconds, or 10m, 2h; 0: none")
      ("games", po::value<long>()->default_value(-1), "stop after this many games (default: no limit)")
      ("target-rank", po::value<int>()->default_value(-1), "stop once a scheme of this rank or lower is found")
      ("out", po::value<std::string>()->default_value("out"), "output folder: schemes/, metrics.jsonl")
      ("p-canonical", po::value<double>()->default_value(0.01), "probability of a game in the canonical basis")
      ("set", po::value<std::vector<std::string>>()->default_value({}, ""),
       "a setting of the checkpoint's network that keeps its architecture: --set bf16=on (repeatable)")
      ("batch-wait", po::value<int>()->default_value(200),
       "microseconds the evaluator waits for the workers' queries to fill a batch (of --threads; a small network "
       "on the CPU evaluates each query inline, without batches)");
  add_search_options(opts);
  opts.add(device_options());
  po::variables_map vm;
  if (!parse("search", "--target n,m,p [--field Z|Z2] [--network uniform|CKPT] [--threads T] [--time-limit 10m] [--out DIR]",
             args, opts, {}, vm))
    return kOk;

  if (!vm.count("target")) throw UsageError("--target n,m,p is required");
  Format target;
  try {
    target = Format::parse(vm["target"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--target: ") + e.what());
  }
  const Field field = parse_game_field(vm["field"].as<std::string>());
  mcts::SearchConfig cfg;
  const Symmetry symmetry = read_symmetry(vm, {target});
  int samples = 32, r_limit = mcts::default_r_limit(target.naive_rank(), symmetry);
  double sample_temperature = 1.0;
  read_search_options(vm, cfg, samples, sample_temperature, r_limit);
  cfg.threads = vm["threads"].as<int>();
  if (cfg.threads <= 0) cfg.threads = default_thread_count();
  cfg.virtual_loss = vm["virtual-loss"].as<int>();
  if (cfg.virtual_loss < 0) throw UsageError("--virtual-loss must not be negative");
  const uint64_t seed = vm["seed"].as<uint64_t>();
  const double time_limit = parse_duration(vm["time-limit"].as<std::string>());
  const long max_games = vm["games"].as<long>();
  const int target_rank = vm["target-rank"].as<int>();
  const std::string out = vm["out"].as<std::string>();
  const double p_canonical = vm["p-canonical"].as<double>();
  if (!(p_canonical >= 0 && p_canonical <= 1)) throw UsageError("--p-canonical must be in [0, 1]");
  if (vm["batch-wait"].as<int>() < 0) throw UsageError("--batch-wait must not be negative");

  GameConfig game;
  game.field = field;
  game.r_limit = r_limit;
  game.symmetry = symmetry;
  // The network: the fake uniform one, or a trained checkpoint on the chosen backend.
  const std::string network = vm["network"].as<std::string>();
  std::unique_ptr<mcts::Network> net;  // the uniform network
  std::unique_ptr<mcts::NeuralReplicas> replicas;  // or a trained one (one per worker when small)
  std::unique_ptr<nn::Backend<float>> backend;
  std::unique_ptr<nn::Network> model;
  tbb::task_arena compute;  // where the network runs: all cores (its queries come batched)
  if (network == "uniform") {
    net = std::make_unique<mcts::UniformNetwork>(samples);
  } else {
    const nn::Checkpoint ckpt = nn::read_checkpoint(network);
    const int largest = std::max({target.a_size(), target.b_size(), target.c_size()});
    if (ckpt.config.S < largest)
      throw InputError(network + ": the network's S = " + std::to_string(ckpt.config.S) + " is smaller than " +
                       target.str() + "'s mode size " + std::to_string(largest));
    if (ckpt.config.field != field)
      throw InputError(network + ": the network was trained over " + field_name(ckpt.config.field) + ", not " +
                       field_name(field));
    backend = make_backend(vm, std::cout);
    model = std::make_unique<nn::Network>(settings_from(vm, ckpt.config), *backend, seed);
    note_bf16(*model, std::cout);
    model->load(network);
    game.coefficient_bound = ckpt.config.coefficient_bound;
    replicas = std::make_unique<mcts::NeuralReplicas>(*model, mcts::default_replicas(*model, cfg.threads), samples,
                                                      sample_temperature, &compute);
  }
  read_root_option(vm, cfg, {target}, field, symmetry, game.coefficient_bound);
  // Batches are often short of --threads (a worker waiting for another's expansion sends no
  // query), so a short wait keeps the others from idling.
  const std::chrono::microseconds wait(vm["batch-wait"].as<int>());
  const std::unique_ptr<mcts::Evaluator> evaluator =
      replicas ? replicas->evaluator(cfg.threads, wait) : std::make_unique<mcts::BatchingEvaluator>(*net, cfg.threads, wait);
  mcts::Evaluator& eval = *evaluator;

  make_dirs(out);
  SchemeStore store(out);
  const std::string metrics = out + "/metrics.jsonl";
  const BasisPool pool(seed ^ 0x5eedba5eULL, 100000, p_canonical);
  Rng basis_rng(Rng::stream(seed, 7));
  int best = store.best_rank(target, field);  // a rerun in the same folder keeps its records
  auto reached = [&] { return target_rank > 0 && best > 0 && best <= target_rank; };

  const std::atomic<bool>& signalled = stop_on_signals();
  std::cout << "alphatensor search: " << target.str() << " over " << field_name(field) << ", network " << network << ", "
            << cfg.threads << " thread(s), virtual loss " << cfg.virtual_loss << ", " << cfg.simulations
            << " simulations per move, R_limit " << r_limit
            << (symmetry == Symmetry::Cyclic ? " moves (cyclic game)" : "") << ", seed " << seed << ", out " << out << std::endl;
  append_line(metrics, nlohmann::json{{"event", "start"}, {"target", target.str()}, {"field", field_name(field)},
                                      {"network", network}, {"threads", cfg.threads}, {"virtual_loss", cfg.virtual_loss},
                                      {"simulations", cfg.simulations}, {"samples", samples}, {"r_limit", r_limit},
                                      {"symmetry", symmetry_name(symmetry)},
                                      {"root", cfg.root == mcts::RootSelection::Gumbel ? "gumbel" : "sampled"}, {"seed", seed}}.dump());

  Watchdog watch(signalled, time_limit);
  ProgressLine progress;
  long games = 0, solved = 0, sims_done = 0;
  double last_metrics = 0;
  auto summary = [&](const std::string& event, long sims_now) {
    const double t = watch.elapsed();
    const mcts::EvaluatorStats st = eval.stats();
    return nlohmann::json{{"event", event}, {"elapsed", t}, {"games", games}, {"solved", solved},
                          {"simulations", sims_now}, {"sims_per_s", t > 0 ? double(sims_now) / t : 0.0},
                          {"evals_per_s", t > 0 ? double(st.queries) / t : 0.0}, {"mean_batch", st.mean_batch()},
                          {"best_rank", best > 0 ? nlohmann::json(best) : nlohmann::json(nullptr)}};
  };
  auto show = [&](long sims_now, int move, bool final) {
    const double t = watch.elapsed();
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << "[" << t << "s] games " << games;
    if (!final) line << " | game " << games + 1 << " move " << move;
    line << " | sims/s " << std::setprecision(0) << (t > 0 ? double(sims_now) / t : 0.0) << " | batch "
         << std::setprecision(1) << eval.stats().mean_batch() << " | solved " << solved << " | best "
         << (best > 0 ? std::to_string(best) : std::string("-"));
    progress.show(line.str(), t, final);
    if (!final && t - last_metrics >= 10) {
      append_line(metrics, summary("progress", sims_now).dump());
      last_metrics = t;
    }
  };

  while (!watch.halt.load() && !reached() && (max_games < 0 || games < max_games)) {
    BasisChange basis;
    const TensorI8 start = mcts::start_in_basis(target, field, pool, basis_rng, &basis, symmetry);
    const mcts::GameRecord g = mcts::play_game(start, game, cfg, eval, Rng::stream(seed, uint64_t(games)).next(), false,
                                               &watch.halt, [&](int move, const mcts::SearchStats& st) {
                                                 show(sims_done + st.simulations, move, false);
                                               });
    sims_done += g.search.simulations;
    if (g.actions.empty()) break;  // abandoned: stopped
    ++games;
    nlohmann::json j{{"event", "game"}, {"game", games}, {"moves", g.actions.size()}, {"solved", g.solved},
                     {"terms", game_terms(g.actions, symmetry).size()},
                     {"return", g.total_return}, {"elapsed", watch.elapsed()}};
    if (g.solved) {
      ++solved;
      const Scheme s = mcts::scheme_of_game(target, field, g.actions, basis, symmetry);
      const auto outcome = store.offer(s, "search game " + std::to_string(games) + " seed " + std::to_string(seed));
      if (outcome == SchemeStore::Outcome::Invalid) {
        std::cerr << "alphatensor search: internal error: a solved game did not map back to a valid scheme\n";
      } else if (outcome == SchemeStore::Outcome::NewBest) {
        best = s.rank();
        append_line(metrics, nlohmann::json{{"event", "new_best"}, {"target", target.str()}, {"field", field_name(field)},
                                            {"rank", best}, {"game", games}, {"elapsed", watch.elapsed()},
                                            {"file", store.path_for(target, best, field)}}.dump());
      }
    }
    append_line(metrics, j.dump());
  }
  const bool stopped = signalled.load();
  show(sims_done, 0, true);
  append_line(metrics, summary(stopped ? "stopped" : "finished", sims_done).dump());
  print_summary({{target, best}}, field, out);
  if (stopped) {
    std::cout << "stopped by a signal; every scheme found is in " << out << "/schemes\n";
    return kInterrupted;
  }
  return kOk;
}

}  // namespace at::cli
