#include "mcts/actors.hpp"

#include <chrono>

#include "core/scheme_store.hpp"
#include "mcts/scheme_game.hpp"

namespace at::mcts {
namespace {

using clock_type = std::chrono::steady_clock;

}  // namespace

Actors::Actors(const TrainConfig& cfg, nn::Network& net, int id, long step)
    : cfg_(cfg), net_(net), id_(id), weights_step_(step),
      pool_(cfg.seed ^ 0x5eedba5eULL, cfg.basis_pool, cfg.p_canonical, cfg.basis),
      rng_(Rng::stream(cfg.seed ^ (uint64_t(step) * 0x9e3779b97f4a7c15ULL), 8 + uint64_t(id))),
      compute_(cfg.threads > 0 ? cfg.threads : tbb::task_arena::automatic) {
  if (cfg_.polish.enabled)
    polisher_ = std::make_unique<Polisher>(cfg_.polish, cfg_.field, cfg_.target_rank,
                                           Rng::stream(cfg_.seed, 11 + uint64_t(id)).next());
}

void Actors::round(Transport& t, const std::atomic<bool>& halt) { t.send(play(prepare(t), halt)); }

Actors::Round Actors::prepare(Transport& t) {
  Round next;
  for (int i = 0; i < cfg_.games_per_iteration; ++i) {
    const int target = int(rng_.uniform_int(0, int64_t(cfg_.targets.size()) - 1));
    BasisChange b;
    next.starts.push_back(start_in_basis(cfg_.targets[size_t(target)], cfg_.field, pool_, rng_, &b, cfg_.symmetry));
    next.bases.push_back({target, std::move(b)});
  }
  const std::optional<long> fresh = t.take_weights(net_);
  if (fresh) weights_step_ = *fresh;
  if (!replicas_) {
    const int n = cfg_.replicas > 0 ? cfg_.replicas : default_replicas(net_, compute_.max_concurrency());
    replicas_ = std::make_unique<NeuralReplicas>(net_, n, cfg_.samples, cfg_.temperature, &compute_);
  } else if (fresh) {
    replicas_->sync();
  }
  next.seed = rng_.next();
  return next;
}

RoundReport Actors::play(const Round& round, const std::atomic<bool>& halt) {
  const std::unique_ptr<Evaluator> evaluator = replicas_->evaluator(cfg_.concurrent_games, std::chrono::microseconds(5000));
  Evaluator& eval = *evaluator;
  GameConfig gc;
  gc.field = cfg_.field;
  gc.r_limit = cfg_.r_limit;
  gc.coefficient_bound = net_.config().coefficient_bound;
  gc.symmetry = cfg_.symmetry;
  RoundReport r;
  r.actor = id_;
  r.weights_step = weights_step_;
  const auto t0 = clock_type::now();
  std::vector<GameRecord> games = play_games(round.starts, gc, cfg_.search, eval, round.seed, cfg_.concurrent_games, true, &halt);
  r.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  r.best_return = -1e300;
  for (size_t i = 0; i < games.size(); ++i) {
    if (games[i].actions.empty()) continue;  // abandoned: cut short by a stop or the time limit
    ++r.played;
    r.sims += games[i].search.simulations;
    r.sum_return += games[i].total_return;
    r.best_return = std::max(r.best_return, double(games[i].total_return));
    r.games.push_back(scheme_of(games[i], round.bases[i].first, round.bases[i].second));
    r.games.back().game = std::move(games[i]);
  }
  if (r.played == 0) r.best_return = 0;
  r.mean_batch = eval.stats().mean_batch();
  r.polished = take_polished();
  r.polish_dropped = polisher_ ? polisher_->dropped() : 0;
  return r;
}

PlayedGame Actors::scheme_of(const GameRecord& g, int target, const BasisChange& basis) {
  const Format& f = cfg_.targets[size_t(target)];
  PlayedGame p;
  p.target = target;
  if (g.solved) {
    p.scheme = scheme_of_game(f, cfg_.field, g.actions, basis, cfg_.symmetry), p.kind = "selfplay";
  } else if (polisher_ && int(g.actions.size()) >= cfg_.r_limit) {
    // Cut at R_limit: its moves plus the residual's decomposition are still a scheme, usually far
    // from optimal but a start for the flip graph.
    TensorI8 residual = g.start;
    for (const Action& a : g.actions) play_move(residual, a, cfg_.field, cfg_.symmetry);
    p.scheme = complete_game(f, cfg_.field, basis, game_terms(g.actions, cfg_.symmetry), residual), p.kind = "completion";
  }
  if (p.scheme && polisher_ && verify(*p.scheme, cfg_.field).ok) polish(*p.scheme, target, p.kind);
  return p;
}

void Actors::polish(const Scheme& s, int target, const std::string& origin) {
  if (cfg_.target_rank > 0 && s.rank() <= cfg_.target_rank) return;  // nothing left to gain
  if (!polish_sent_.insert(scheme_hash(s)).second) return;            // already polished
  polisher_->submit(PolishJob{target, s, origin});
}

std::vector<Polished> Actors::take_polished() {
  std::vector<Polished> out;
  if (!polisher_) return out;
  const auto now = clock_type::now();
  for (PolishResult& r : polisher_->take()) {
    const double age = std::chrono::duration<double>(now - r.done).count();
    out.push_back({std::move(r), age});
  }
  return out;
}

void Actors::ship_polished(Transport& t) {
  RoundReport r;
  r.actor = id_;
  r.round = false;
  r.polished = take_polished();
  if (r.polished.empty()) return;
  r.weights_step = weights_step_;
  r.polish_dropped = polisher_->dropped();
  t.send(std::move(r));
}

void Actors::finish(Transport& t) {
  if (!polisher_) return;
  polisher_->stop();  // the walk in progress stops; what finished is still sent
  ship_polished(t);
}

}  // namespace at::mcts
