#include "mcts/trainer.hpp"

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/parallel_for.h>
#include <thread>

#include "core/files.hpp"
#include "core/ops.hpp"
#include "mcts/neural.hpp"

namespace at::mcts {
namespace {

using clock_type = std::chrono::steady_clock;

int max_mode(const Format& f) { return std::max({f.a_size(), f.b_size(), f.c_size()}); }

std::string ckpt_name(long step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "ckpt_%08ld", step);
  return buf;
}

// Names "ckpt_<step>" of the checkpoints whose state file exists, newest first.
std::vector<std::string> checkpoint_names(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.rfind("ckpt_", 0) == 0 && n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0)
        names.push_back(n.substr(0, n.size() - 5));
    }
    ::closedir(d);
  }
  std::sort(names.rbegin(), names.rend());
  return names;
}

}  // namespace

Trainer::Trainer(const TrainConfig& cfg, nn::Network& net)
    : cfg_(cfg), net_(net), store_(cfg.out_dir), pool_(cfg.seed ^ 0x5eedba5eULL, cfg.basis_pool, cfg.p_canonical, cfg.basis),
      replay_(cfg.replay_capacity), rng_(Rng::stream(cfg.seed, 7)),
      compute_(cfg.threads > 0 ? cfg.threads : tbb::task_arena::automatic) {
  if (cfg_.targets.empty()) throw std::invalid_argument("no target format");
  int largest = 0, naive = 0;
  for (const Format& f : cfg_.targets) {
    largest = std::max(largest, max_mode(f));
    naive = std::max(naive, f.naive_rank());
  }
  if (largest > net.config().S)
    throw std::invalid_argument("the network's S = " + std::to_string(net.config().S) + " is smaller than a target's mode size " +
                                std::to_string(largest));
  if (net.config().field != cfg_.field) throw std::invalid_argument("the network was configured for another arithmetic");
  if (cfg_.symmetry == Symmetry::Cyclic)
    for (const Format& f : cfg_.targets) check_cyclic_format(f);
  if (cfg_.r_limit <= 0) cfg_.r_limit = default_r_limit(naive, cfg_.symmetry);
  cfg_.demos.max_rank = cfg_.demo_max_rank > 0 ? cfg_.demo_max_rank : cfg_.r_limit;
  cfg_.demos.limit_to(net.config().coefficient_bound);  // demonstrations in the network's alphabet
  best_games_.assign(cfg_.targets.size(), BestGames(cfg_.best_capacity));
  for (const Format& f : cfg_.targets) {
    const int r = store_.best_rank(f, cfg_.field);
    if (r > 0) progress_.best[f.str()] = r;
  }
  make_dirs(checkpoint_dir());
  remove_stale_temp_files(checkpoint_dir());  // a checkpoint being written when the run was killed
  const std::string metrics = cfg_.out_dir + "/metrics.jsonl";
  if (const size_t n = repair_last_line(metrics))
    std::fprintf(stderr, "alphatensor train: warning: %s: dropped a torn last line (%zu bytes)\n", metrics.c_str(), n);
  if (cfg_.polish.enabled)
    polisher_ = std::make_unique<Polisher>(cfg_.polish, cfg_.field, cfg_.target_rank, Rng::stream(cfg_.seed, 11).next());
  if (cfg_.runtime.timer) runtime_ = std::make_unique<RuntimeReward>(cfg_.runtime);
}

std::vector<GameRecord> Trainer::play_round(const std::atomic<bool>& stop) {
  std::vector<TensorI8> starts;
  round_bases_.clear();
  for (int i = 0; i < cfg_.games_per_iteration; ++i) {
    const int t = int(rng_.uniform_int(0, int64_t(cfg_.targets.size()) - 1));
    BasisChange b;
    starts.push_back(start_in_basis(cfg_.targets[size_t(t)], cfg_.field, pool_, rng_, &b, cfg_.symmetry));
    round_bases_.push_back({t, std::move(b)});
  }
  if (!replicas_) {
    const int n = cfg_.replicas > 0 ? cfg_.replicas : default_replicas(net_, compute_.max_concurrency());
    replicas_ = std::make_unique<NeuralReplicas>(net_, n, cfg_.samples, cfg_.temperature, &compute_);
  }
  replicas_->sync();  // the learner's latest weights
  // Each replica batches its share of the games in flight.
  const int per_replica = (cfg_.concurrent_games + replicas_->count() - 1) / replicas_->count();
  BatchingEvaluator eval(replicas_->networks(), per_replica, std::chrono::microseconds(5000));
  GameConfig gc;
  gc.field = cfg_.field;
  gc.r_limit = cfg_.r_limit;
  gc.coefficient_bound = net_.config().coefficient_bound;
  gc.symmetry = cfg_.symmetry;
  const auto t0 = clock_type::now();
  std::vector<GameRecord> games =
      play_games(starts, gc, cfg_.search, eval, rng_.next(), cfg_.concurrent_games, true, &stop);
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  long sims = 0;
  double sum_return = 0, best_return = -1e300;
  size_t played = 0;
  for (const GameRecord& g : games) {
    if (g.actions.empty()) continue;  // abandoned: cut short by a stop or the time limit
    ++played;
    sims += g.search.simulations;
    sum_return += g.total_return;
    best_return = std::max(best_return, double(g.total_return));
  }
  progress_.mean_return = played == 0 ? 0 : sum_return / double(played);
  progress_.best_return = played == 0 ? 0 : best_return;
  progress_.games_per_s = secs > 0 ? double(played) / secs : 0;
  progress_.sims_per_s = secs > 0 ? double(sims) / secs : 0;
  progress_.mean_batch = eval.stats().mean_batch();
  return games;
}

void Trainer::absorb(const GameRecord& g, int t, const BasisChange& basis) {
  if (g.actions.empty()) return;  // abandoned on a stop request
  ++games_total_;
  const Format& f = cfg_.targets[size_t(t)];
  const std::string step = " step " + std::to_string(net_.step());
  if (g.solved) {
    const Scheme s = scheme_of_game(f, cfg_.field, g.actions, basis, cfg_.symmetry);
    // --reward runtime: the game's data waits for its scheme's time; the scheme is recorded now.
    const std::optional<double> bonus = runtime_ ? runtime_->reward(s) : std::optional<double>(0.0);
    if (bonus) learn_game(g, t, *bonus);
    else runtime_->hold(s, HeldGame{g, t});
    if (!record(s, t, "selfplay", "selfplay" + step, progress_.elapsed))
      std::fprintf(stderr, "alphatensor train: internal error: a solved game did not map back to a valid %s scheme\n",
                   f.str().c_str());
    else if (polisher_)
      send_to_polish(s, t, "selfplay");
    return;
  }
  learn_game(g, t, 0);
  if (!polisher_ || int(g.actions.size()) < cfg_.r_limit) return;
  // Cut at R_limit: its moves plus the residual's decomposition are still a scheme, usually far
  // from optimal but a start for the flip graph.
  TensorI8 residual = g.start;
  for (const Action& a : g.actions) play_move(residual, a, cfg_.field, cfg_.symmetry);
  const Scheme s = complete_game(f, cfg_.field, basis, game_terms(g.actions, cfg_.symmetry), residual);
  if (!record(s, t, "completion", "completion" + step, progress_.elapsed)) {
    std::fprintf(stderr, "alphatensor train: internal error: a completed game did not map back to a valid %s scheme\n",
                 f.str().c_str());
    return;
  }
  send_to_polish(s, t, "completion");
}

void Trainer::learn_game(const GameRecord& g, int t, double bonus) {
  const TokenCodec& codec = net_.model().codec();
  std::vector<nn::TrainExample> played;
  for (size_t i = 0; i < g.moves.size(); ++i) {
    const MoveRecord& m = g.moves[i];
    nn::TrainExample e;
    e.state.tensor = m.state;
    e.state.history = m.history;
    e.state.move = m.move;
    e.value = m.return_to_go + float(bonus);
    if (!g.solved) {  // the move actually played, for the best-games buffer (solved: offer_solved)
      played.push_back(e);
      played.back().tokens.push_back(codec.encode(g.actions[i]));
    }
    for (size_t j = 0; j < m.actions.size(); ++j) {
      e.tokens.push_back(codec.encode(m.actions[j]));
      e.weights.push_back(m.policy[j]);
    }
    if (!e.tokens.empty()) replay_.push(std::move(e));
  }
  if (g.solved) offer_solved(t, Demonstration{g.start, g.actions}, bonus);
  else best_games_[size_t(t)].offer(std::move(played), g.total_return);
}

bool Trainer::record(const Scheme& s, int t, const std::string& kind, const std::string& source, double elapsed) {
  const Format& f = cfg_.targets[size_t(t)];
  const auto outcome = store_.offer(s, source);  // verifies exactly first
  if (outcome == SchemeStore::Outcome::Invalid) return false;
  auto& by_kind = kind == "polish" ? progress_.best_polish : kind == "completion" ? progress_.best_completion
                                                                                  : progress_.best_selfplay;
  auto it = by_kind.find(f.str());
  if (it == by_kind.end() || s.rank() < it->second) by_kind[f.str()] = s.rank();
  if (outcome == SchemeStore::Outcome::NewBest) {
    progress_.best[f.str()] = s.rank();
    const std::string path = store_.path_for(f, s.rank(), cfg_.field);
    nlohmann::json j{{"event", "new_best"}, {"target", f.str()}, {"field", field_name(cfg_.field)}, {"rank", s.rank()},
                     {"source", kind}, {"step", net_.step()}, {"games", games_total_}, {"elapsed", elapsed},
                     {"file", path}};
    append_line(cfg_.out_dir + "/metrics.jsonl", j.dump());
    if (on_new_best_) on_new_best_(NewBest{t, s, path, kind, elapsed});
  }
  return true;
}

void Trainer::send_to_polish(const Scheme& s, int t, const std::string& origin) {
  if (cfg_.target_rank > 0 && s.rank() <= cfg_.target_rank) return;  // nothing left to gain
  if (!polish_sent_.insert(scheme_hash(s)).second) return;            // already polished
  polisher_->submit(PolishJob{t, s, origin});
}

void Trainer::drain_polish() {
  if (!polisher_) return;
  const auto taken = clock_type::now();  // ≈ progress_.elapsed, set by the caller just before
  for (PolishResult& r : polisher_->take()) {
    const Format& f = cfg_.targets[size_t(r.target)];
    ++progress_.polished;
    // When the walk finished, on this run's clock (it may have waited a round to be taken).
    const double found = progress_.elapsed - std::chrono::duration<double>(taken - r.done).count();
    nlohmann::json j{{"event", "polish"}, {"target", f.str()}, {"field", field_name(cfg_.field)}, {"origin", r.origin},
                     {"rank_in", r.rank_in}, {"rank_out", r.rank_out}, {"seconds", r.seconds},
                     {"step", net_.step()}, {"elapsed", found}};
    if (!r.error.empty()) j["error"] = r.error;
    if (r.lifted) j["lifted"] = true;
    if (r.rank_out < r.rank_in) {
      j["verified"] = r.verified;
      if (r.verified && record(r.scheme, r.target, "polish", "polish of " + r.origin + " step " + std::to_string(net_.step()), found)) {
        ++progress_.polish_improved;
        j["demonstration"] = learn_from(r.scheme, r.target);
      } else {
        std::fprintf(stderr, "alphatensor train: internal error: the flip graph returned an invalid %s scheme\n",
                     f.str().c_str());
      }
    }
    append_line(cfg_.out_dir + "/metrics.jsonl", j.dump());
  }
  progress_.polish_dropped = polisher_->dropped();
}

bool Trainer::learn_from(const Scheme& s, int t) {
  const Format& f = cfg_.targets[size_t(t)];
  const int bound = net_.config().coefficient_bound;
  Demonstration d;
  if (!scheme_game(s, pool_.get(pool_.draw(rng_), f.a_size(), f.b_size(), f.c_size(), cfg_.field), bound, &d) &&
      !scheme_game(s, pool_.get(-1, f.a_size(), f.b_size(), f.c_size(), cfg_.field), bound, &d))
    return false;
  if (!moves_of_terms(&d.actions, f.a_size(), cfg_.field, cfg_.symmetry)) return false;
  offer_solved(t, std::move(d));
  return true;
}

void Trainer::offer_solved(int t, Demonstration d, double bonus) {
  const TokenCodec& codec = net_.model().codec();
  const double ret = -double(game_terms(d.actions, cfg_.symmetry).size()) + bonus;
  best_games_[size_t(t)].offer(nn::demonstration_examples(d, cfg_.field, codec, cfg_.symmetry), ret);
  if (!cfg_.order_augment || d.actions.size() < 2) return;
  std::swap(d.actions[size_t(rng_.uniform_int(0, int64_t(d.actions.size()) - 2))], d.actions.back());
  // The new intermediate states must stay within int8 like any played one.
  GameConfig gc;
  gc.field = cfg_.field;
  gc.coefficient_bound = net_.config().coefficient_bound;
  gc.symmetry = cfg_.symmetry;
  if (game_playable(d, gc))
    best_games_[size_t(t)].offer(nn::demonstration_examples(d, cfg_.field, codec, cfg_.symmetry), ret);
}

nn::TrainExample Trainer::augment(nn::TrainExample e, Rng& rng) const {
  const TensorI8& x = e.state.tensor;
  const Augmentation g = draw_augmentation(x.dim(0), x.dim(1), x.dim(2), cfg_.symmetry, rng);
  e.state.tensor = transform_tensor(x, g.p, g.q, g.r, cfg_.field);
  for (Action& a : e.state.history) a = augment_move(g, a, cfg_.field, cfg_.symmetry);
  const TokenCodec& codec = net_.model().codec();
  for (auto& tok : e.tokens) {
    Action a;
    if (codec.decode(tok, x.dim(0), x.dim(1), x.dim(2), &a)) tok = codec.encode(augment_move(g, a, cfg_.field, cfg_.symmetry));
  }
  return e;
}

std::vector<nn::TrainExample> Trainer::make_batch() {
  const double* mix = net_.step() < cfg_.mix_switch_step ? cfg_.mix_early : cfg_.mix_late;
  const int B = cfg_.batch_size;
  // With --polish the best games hold verified polished schemes from the first round on: they get
  // the late share from the start (the published early mix has none).
  const double best_share = polisher_ ? std::max(mix[2], cfg_.mix_late[2]) : mix[2];
  int n_self = int(std::lround(B * mix[0])), n_best = int(std::lround(B * best_share));
  bool any_best = false;
  for (const BestGames& b : best_games_) any_best |= b.games() > 0;
  if (replay_.size() == 0) n_self = 0;
  if (!any_best) n_best = 0;
  const int n_demo = std::max(0, B - n_self - n_best);
  std::vector<nn::TrainExample> batch = replay_.sample(size_t(n_self), rng_);
  for (int i = 0; i < n_best; ++i) {
    const auto& b = best_games_[size_t(rng_.uniform_int(0, int64_t(best_games_.size()) - 1))];
    for (auto& e : b.sample(1, rng_)) batch.push_back(std::move(e));
  }
  // Synthetic demonstrations, generated in parallel from per-sample seeds (deterministic).
  std::vector<uint64_t> seeds(static_cast<size_t>(n_demo));
  for (auto& s : seeds) s = rng_.next();
  std::vector<nn::TrainExample> demos(static_cast<size_t>(n_demo));
  const TokenCodec& codec = net_.model().codec();
  tbb::parallel_for(size_t(0), size_t(n_demo), [&](size_t i) {
    Rng r(seeds[i]);
    const Format& f = cfg_.targets[size_t(r.uniform_int(0, int64_t(cfg_.targets.size()) - 1))];
    const Demonstration d = sample_target_demonstration(f, cfg_.field, cfg_.symmetry, cfg_.demos, r);
    std::vector<nn::TrainExample> ex = nn::demonstration_examples(d, cfg_.field, codec, cfg_.symmetry);
    const size_t k = size_t(r.uniform_int(0, int64_t(ex.size()) - 1));
    demos[i] = std::move(ex[k]);
    if (cfg_.demo_all_remaining)  // the terms left play in any order: each is a right next move
      for (size_t j = k + 1; j < d.actions.size(); ++j) demos[i].tokens.push_back(codec.encode(d.actions[j]));
  });
  for (auto& e : demos) batch.push_back(std::move(e));
  if (cfg_.augment)
    for (auto& e : batch) e = augment(std::move(e), rng_);
  return batch;
}

void Trainer::log_metrics(const std::string& event, const nn::TrainStats* st) {
  nlohmann::json j{{"event", event}, {"step", net_.step()}, {"elapsed", progress_.elapsed}, {"games", games_total_},
                   {"games_per_s", progress_.games_per_s}, {"sims_per_s", progress_.sims_per_s},
                   {"mean_batch", progress_.mean_batch}, {"replay", replay_.size()},
                   {"mean_return", progress_.mean_return}, {"best_return", progress_.best_return}};
  if (st) {
    j["loss_policy"] = st->losses.policy;
    j["loss_value"] = st->losses.value;
    j["grad_norm"] = st->grad_norm;
  }
  if (runtime_) {
    const RuntimeReward::Counts c = runtime_->counts();
    j["runtime"] = {{"timed", c.timed}, {"known", c.cached}, {"failed", c.failed}, {"held", c.held}, {"dropped", c.dropped}};
  }
  j["best"] = progress_.best;
  append_line(cfg_.out_dir + "/metrics.jsonl", j.dump());
}

void Trainer::save_checkpoint() {
  const std::string base = checkpoint_dir() + "/" + ckpt_name(net_.step());
  net_.save(base + ".bin");
  nlohmann::json state{{"step", net_.step()}, {"elapsed", progress_.elapsed}, {"games", games_total_},
                       {"rng", rng_.state()}};
  write_file_atomic(base + ".json", state.dump() + "\n");  // written last: a pair is complete
  // Keep the three newest pairs.
  const std::vector<std::string> names = checkpoint_names(checkpoint_dir());
  for (size_t i = 3; i < names.size(); ++i) {
    std::remove((checkpoint_dir() + "/" + names[i] + ".json").c_str());
    std::remove((checkpoint_dir() + "/" + names[i] + ".bin").c_str());
  }
}

bool Trainer::resume() {
  const std::vector<std::string> names = checkpoint_names(checkpoint_dir());
  for (const std::string& n : names) {
    const std::string base = checkpoint_dir() + "/" + n;
    try {
      const nlohmann::json state = nlohmann::json::parse(read_file(base + ".json"));
      net_.load(base + ".bin");
      rng_.set_state(state.at("rng").get<std::vector<uint64_t>>());
      elapsed_before_ = state.at("elapsed").get<double>();
      games_total_ = state.at("games").get<long>();
      progress_.elapsed = elapsed_before_;
      return true;
    } catch (const std::exception& e) {
      // Moved aside, so that it neither counts among the newest kept nor is tried again.
      const bool moved = std::rename((base + ".json").c_str(), (base + ".json.damaged").c_str()) == 0;
      std::rename((base + ".bin").c_str(), (base + ".bin.damaged").c_str());
      std::fprintf(stderr, "alphatensor train: warning: skipping checkpoint %s: %s%s\n", base.c_str(), e.what(),
                   moved ? " (moved aside: .damaged)" : "");
    }
  }
  return false;
}

bool Trainer::run(const std::atomic<bool>& stop, const std::function<void(const TrainProgress&, bool)>& on_progress) {
  const auto start = clock_type::now();
  auto now = [&] { return elapsed_before_ + std::chrono::duration<double>(clock_type::now() - start).count(); };
  auto reached = [&] {
    if (cfg_.target_rank < 0) return false;
    for (const Format& f : cfg_.targets) {
      auto it = progress_.best.find(f.str());
      if (it == progress_.best.end() || it->second > cfg_.target_rank) return false;
    }
    return true;
  };
  auto past_deadline = [&] { return cfg_.time_limit > 0 && now() >= cfg_.time_limit; };
  // A signal or the time limit also cuts a round short (its games in flight are abandoned): a
  // round of a large target can take minutes. halt: written by the watchdog, read by the games.
  std::atomic<bool> halt{false}, done{false};
  double last_checkpoint = now();
  std::thread watchdog([&] {
    while (!done.load()) {
      if (stop.load() || past_deadline()) halt.store(true);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  struct Join {  // also when a round throws
    std::atomic<bool>& done;
    std::thread& t;
    ~Join() {
      done.store(true);
      if (t.joinable()) t.join();
    }
  } join{done, watchdog};
  // The settings in effect (defaults resolved), so a metrics file says how it was made.
  nlohmann::json settings{{"event", "start"}, {"step", net_.step()}, {"elapsed", now()}, {"seed", cfg_.seed},
                          {"field", field_name(cfg_.field)}, {"r_limit", cfg_.r_limit}, {"demo_max_rank", cfg_.demos.max_rank},
                          {"simulations", cfg_.search.simulations}, {"samples", cfg_.samples}, {"sample_temperature", cfg_.temperature},
                          {"act_temperature", cfg_.search.act_temperature}, {"batch_size", cfg_.batch_size},
                          {"games_per_iteration", cfg_.games_per_iteration}, {"steps_per_iteration", cfg_.steps_per_iteration},
                          {"mix_switch_step", cfg_.mix_switch_step}, {"p_canonical", cfg_.p_canonical},
                          {"mix_early", cfg_.mix_early}, {"mix_late", cfg_.mix_late}, {"best_games", cfg_.best_capacity},
                          {"augment", cfg_.augment}, {"order_augment", cfg_.order_augment},
                          {"demo_targets", cfg_.demo_all_remaining ? "remaining" : "next"},
                          {"network", net_.config().architecture()}};
  for (const Format& f : cfg_.targets) settings["targets"].push_back(f.str());
  settings["reward"] = runtime_ ? "runtime" : "moves";  // −1 per term (a cyclic move of 3 terms: −3)
  settings["symmetry"] = symmetry_name(cfg_.symmetry);
  settings["root"] = cfg_.search.root == RootSelection::Gumbel ? "gumbel" : "sampled";
  if (runtime_) settings["runtime"] = {{"weight", cfg_.runtime.weight}, {"setup", cfg_.runtime.setup}};
  append_line(cfg_.out_dir + "/metrics.jsonl", settings.dump());
  bool stopped = false;
  while (true) {
    progress_.elapsed = now();
    drain_polish();
    if (stop.load()) {
      stopped = true;
      break;
    }
    if (past_deadline() || (cfg_.max_steps >= 0 && net_.step() >= cfg_.max_steps) || reached()) break;
    const std::vector<GameRecord> games = play_round(halt);
    progress_.elapsed = now();
    for (size_t i = 0; i < games.size(); ++i) absorb(games[i], round_bases_[i].first, round_bases_[i].second);
    if (runtime_)  // games held for their scheme's time that has arrived meanwhile
      for (auto& [held, bonus] : runtime_->take_ready()) learn_game(held.game, held.target, bonus);
    progress_.games = games_total_;
    nn::TrainStats st;
    for (int s = 0; s < cfg_.steps_per_iteration && !halt.load(); ++s) {
      if (cfg_.max_steps >= 0 && net_.step() >= cfg_.max_steps) break;
      compute_.execute([&] { st = net_.train_step(make_batch()); });
      progress_.losses = st.losses;
      progress_.step = net_.step();
      if ((cfg_.checkpoint_every > 0 && net_.step() % cfg_.checkpoint_every == 0) ||
          (cfg_.checkpoint_seconds > 0 && now() - last_checkpoint >= cfg_.checkpoint_seconds)) {
        save_checkpoint();
        last_checkpoint = now();
      }
      if (polisher_) {  // take the walks' results as they come: the target may be reached meanwhile
        progress_.elapsed = now();
        drain_polish();
        if (reached()) break;
      }
    }
    progress_.elapsed = now();
    log_metrics("iteration", &st);
    on_progress(progress_, false);
  }
  done.store(true);
  watchdog.join();
  if (polisher_) {  // the walk in progress stops; what finished is still recorded
    polisher_->stop();
    progress_.elapsed = now();
    drain_polish();
  }
  progress_.elapsed = now();
  progress_.step = net_.step();
  save_checkpoint();
  log_metrics(stopped ? "stopped" : "finished", nullptr);
  on_progress(progress_, true);
  return stopped;
}

}  // namespace at::mcts
