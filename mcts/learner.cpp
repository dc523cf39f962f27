#include "mcts/learner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "mcts/scheme_game.hpp"
#include "mcts/symmetric_game.hpp"

namespace at::mcts {
namespace {

double clock_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

TrainConfig resolve_train_config(const TrainConfig& in, const nn::ModelConfig& net) {
  TrainConfig cfg = in;
  if (cfg.targets.empty()) throw std::invalid_argument("no target format");
  int largest = 0, naive = 0;
  for (const Format& f : cfg.targets) {
    largest = std::max({largest, f.a_size(), f.b_size(), f.c_size()});
    naive = std::max(naive, f.naive_rank());
  }
  if (largest > net.S)
    throw std::invalid_argument("the network's S = " + std::to_string(net.S) + " is smaller than a target's mode size " +
                                std::to_string(largest));
  if (net.field != cfg.field) throw std::invalid_argument("the network was configured for another arithmetic");
  if (cfg.symmetry == Symmetry::Cyclic)
    for (const Format& f : cfg.targets) check_cyclic_format(f);
  if (cfg.r_limit <= 0) cfg.r_limit = default_r_limit(naive, cfg.symmetry);
  cfg.demos.max_rank = cfg.demo_max_rank > 0 ? cfg.demo_max_rank : cfg.r_limit;
  cfg.demos.limit_to(net.coefficient_bound);  // demonstrations in the network's alphabet
  cfg.polish.symmetry = cfg.symmetry;  // invariant schemes polish on the symmetric flip graph
  if (cfg.weights_every <= 0) cfg.weights_every = std::max(1, cfg.steps_per_iteration);
  return cfg;
}

Learner::Learner(const TrainConfig& cfg, nn::Network& net)
    : cfg_(resolve_train_config(cfg, net.config())), net_(net), store_(cfg.out_dir),
      pool_(cfg.seed ^ 0x5eedba5eULL, cfg.basis_pool, cfg.p_canonical, cfg.basis), replay_(cfg.replay_capacity),
      rng_(Rng::stream(cfg.seed, 7)), polishing_(cfg.polish.enabled),
      compute_(cfg.threads > 0 ? cfg.threads : tbb::task_arena::automatic) {
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
  if (cfg_.runtime.timer) runtime_ = std::make_unique<RuntimeReward>(cfg_.runtime);
}

Learner::~Learner() = default;

double Learner::now() const { return elapsed_before_ + (start_ > 0 ? clock_seconds() - start_ : 0); }

bool Learner::done() const {
  if (past_deadline() || out_of_steps()) return true;
  if (cfg_.target_rank < 0) return false;
  for (const Format& f : cfg_.targets) {
    auto it = progress_.best.find(f.str());
    if (it == progress_.best.end() || it->second > cfg_.target_rank) return false;
  }
  return true;
}

void Learner::start(const std::map<std::string, std::string>& extra) {
  start_ = clock_seconds();
  last_checkpoint_ = now();
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
  settings["overlap"] = cfg_.overlap;
  if (runtime_) settings["runtime"] = {{"weight", cfg_.runtime.weight}, {"setup", cfg_.runtime.setup}};
  for (const auto& [k, v] : extra) settings[k] = v;
  append_line(cfg_.out_dir + "/metrics.jsonl", settings.dump());
}

void Learner::take(Transport& t) {
  progress_.elapsed = now();
  for (const RoundReport& r : t.receive()) absorb(r);
  if (runtime_)  // games held for their scheme's time that has arrived meanwhile
    for (auto& [held, bonus] : runtime_->take_ready()) learn_game(held.game, held.target, bonus);
  progress_.games = games_total_;
  progress_.actors.clear();
  progress_.games_per_s = progress_.sims_per_s = 0;
  progress_.polish_dropped = 0;
  for (const auto& [id, a] : actors_) {
    progress_.actors.push_back(a);
    progress_.actors.back().weights_lag = net_.step() - weights_step_[id];
    progress_.games_per_s += a.games_per_s, progress_.sims_per_s += a.sims_per_s;
  }
  for (const auto& [id, n] : polish_dropped_) progress_.polish_dropped += n;
  const double fed = first_round_ > 0 ? clock_seconds() - first_round_ : 0;
  progress_.learner_idle = fed > 0 ? idle_ / fed : 0;
}

void Learner::absorb(const RoundReport& r) {
  if (r.round) {
    TrainProgress::Actor& a = actors_[r.actor];
    a.id = r.actor;
    a.games += r.played;
    progress_.simulations += r.sims;
    ++a.rounds;
    a.games_per_s = r.seconds > 0 ? double(r.played) / r.seconds : 0;
    a.sims_per_s = r.seconds > 0 ? double(r.sims) / r.seconds : 0;
    weights_step_[r.actor] = r.weights_step;
    if (rounds_++ == 0) first_round_ = clock_seconds();
    progress_.mean_return = r.played == 0 ? 0 : r.sum_return / double(r.played);
    progress_.best_return = r.best_return;
    progress_.mean_batch = r.mean_batch;
    // Every round is owed steps_per_iteration steps, at most that per actor in advance.
    budget_ = std::min(budget_ + cfg_.steps_per_iteration, long(cfg_.steps_per_iteration) * long(actors_.size()));
  }
  polish_dropped_[r.actor] = r.polish_dropped;
  for (const PlayedGame& g : r.games) absorb_game(g);
  for (const Polished& p : r.polished) absorb_polished(p, r.actor);
}

void Learner::absorb_game(const PlayedGame& p) {
  const GameRecord& g = p.game;
  const int t = p.target;
  ++games_total_;
  const Format& f = cfg_.targets[size_t(t)];
  const std::string step = " step " + std::to_string(net_.step());
  if (g.solved && p.scheme) {
    // --reward runtime: the game's data waits for its scheme's time; the scheme is recorded now.
    const std::optional<double> bonus = runtime_ ? runtime_->reward(*p.scheme) : std::optional<double>(0.0);
    if (bonus) learn_game(g, t, *bonus);
    else runtime_->hold(*p.scheme, HeldGame{g, t});
  } else {
    learn_game(g, t, 0);
  }
  if (p.scheme && !record(*p.scheme, t, p.kind, p.kind + step, progress_.elapsed))
    std::fprintf(stderr, "alphatensor train: internal error: a %s game did not map back to a valid %s scheme\n",
                 p.kind == "selfplay" ? "solved" : "completed", f.str().c_str());
}

void Learner::absorb_polished(const Polished& p, int actor) {
  const PolishResult& r = p.result;
  const Format& f = cfg_.targets[size_t(r.target)];
  ++progress_.polished;
  // When the walk finished, on this run's clock (it may have waited a round to be taken).
  const double found = progress_.elapsed - p.age;
  nlohmann::json j{{"event", "polish"}, {"target", f.str()}, {"field", field_name(cfg_.field)}, {"origin", r.origin},
                   {"rank_in", r.rank_in}, {"rank_out", r.rank_out}, {"seconds", r.seconds},
                   {"step", net_.step()}, {"elapsed", found}};
  if (actor != 0) j["actor"] = actor;
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

void Learner::iteration(Transport& t, const std::atomic<bool>& halt, const std::function<void()>& pump,
                        const ProgressFn& on_progress) {
  const long rounds_before = rounds_;
  take(t);
  if (budget_ == 0 && rounds_ == rounds_before && !halt.load()) {  // nothing to train on yet: wait for actors
    const double t0 = clock_seconds();
    t.wait(0.05);
    if (first_round_ > 0) idle_ += clock_seconds() - t0;
    return;
  }
  nn::TrainStats st;
  for (int s = 0; s < cfg_.steps_per_iteration && budget_ > 0 && !halt.load(); ++s) {
    if (out_of_steps()) break;
    compute_.execute([&] { st = net_.train_step(make_batch()); });
    --budget_;
    progress_.losses = st.losses;
    progress_.step = net_.step();
    if (net_.step() % cfg_.weights_every == 0) t.publish(net_);
    if ((cfg_.checkpoint_every > 0 && net_.step() % cfg_.checkpoint_every == 0) ||
        (cfg_.checkpoint_seconds > 0 && now() - last_checkpoint_ >= cfg_.checkpoint_seconds)) {
      save_checkpoint();
      last_checkpoint_ = now();
    }
    pump();  // take the walks' results as they come: the target may be reached meanwhile
    take(t);
    if (done()) break;
  }
  progress_.elapsed = now();
  log_metrics("iteration", &st);
  on_progress(progress_, false);
}

void Learner::waited_for_round(double seconds) {
  waited_beside_ = true;
  if (first_round_ > 0) idle_ += seconds;
}

void Learner::finish(Transport& t, bool stopped, const ProgressFn& on_progress) {
  take(t);
  progress_.elapsed = now();
  progress_.step = net_.step();
  save_checkpoint();
  log_metrics(stopped ? "stopped" : "finished", nullptr);
  on_progress(progress_, true);
}

void Learner::learn_game(const GameRecord& g, int t, double bonus) {
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

bool Learner::record(const Scheme& s, int t, const std::string& kind, const std::string& source, double elapsed) {
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

bool Learner::learn_from(const Scheme& s, int t) {
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

void Learner::offer_solved(int t, Demonstration d, double bonus) {
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

void Learner::log_metrics(const std::string& event, const nn::TrainStats* st) {
  nlohmann::json j{{"event", event}, {"step", net_.step()}, {"elapsed", progress_.elapsed}, {"games", games_total_},
                   {"simulations_total", progress_.simulations}, {"games_per_s", progress_.games_per_s}, {"sims_per_s", progress_.sims_per_s},
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
  if (!progress_.actors.empty() && (progress_.actors.size() > 1 || progress_.actors[0].id != 0)) {  // actor ranks
    nlohmann::json a = nlohmann::json::array();
    for (const TrainProgress::Actor& x : progress_.actors)
      a.push_back({{"rank", x.id}, {"games", x.games}, {"rounds", x.rounds}, {"games_per_s", x.games_per_s},
                   {"sims_per_s", x.sims_per_s}, {"weights_lag", x.weights_lag}});
    j["actors"] = a;
  }
  if (j.contains("actors") || waited_beside_) j["learner_idle"] = progress_.learner_idle;
  j["best"] = progress_.best;
  append_line(cfg_.out_dir + "/metrics.jsonl", j.dump());
}

}  // namespace at::mcts
