#include "mcts/search.hpp"

#include "core/synthetic.hpp"
#include "mcts/gumbel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace at::mcts {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

float normalized(float q, float min_q, float max_q) {
  if (!(max_q > min_q)) return 0.5f;
  return (q - min_q) / (max_q - min_q);
}

// Lowers (raises) a to v if v is smaller (larger); CAS loops, as std::atomic<float> has no min.
void atomic_min(std::atomic<float>& a, float v) {
  float cur = a.load(std::memory_order_relaxed);
  while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {}
}
void atomic_max(std::atomic<float>& a, float v) {
  float cur = a.load(std::memory_order_relaxed);
  while (v > cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {}
}

}  // namespace

int select_child(const Node& n, const SearchConfig& cfg, float min_q, float max_q) {
  // Published PUCT; unvisited children count as the lowest value seen.
  const int vl = std::max(0, cfg.virtual_loss);
  int32_t in_flight = 0;
  for (const Edge& e : n.edges) in_flight += e.pending;
  const double N = std::max(1, n.visits + vl * in_flight);
  const double explore = std::sqrt(N) * (cfg.c1 + std::log((N + cfg.c2 + 1.0) / cfg.c2));
  int best = 0;
  double best_score = -1e300;
  for (size_t i = 0; i < n.edges.size(); ++i) {
    const Edge& e = n.edges[i];
    const int32_t visits = e.visits + vl * e.pending;
    // Virtual visits are valued 0 after normalisation, the worst return seen.
    double q = e.visits ? normalized(e.value_sum / float(e.visits), min_q, max_q) : 0.0;
    if (e.pending > 0 && visits > 0) q = q * e.visits / visits;
    const double score = q + e.prior * explore / (1.0 + visits);
    if (score > best_score) {
      best_score = score;
      best = int(i);
    }
  }
  return best;
}

// A worker's buffers, reused across its simulations.
struct Search::Scratch {
  TensorI8 s;                                // the state replayed from the root
  std::vector<Action> history;               // actions from the game start to the leaf
  std::vector<std::pair<int32_t, int>> path; // (node, edge taken)
  std::vector<float> costs;                  // terms of each move taken (its reward is −cost)
};

Search::Search(const SearchConfig& cfg, const GameConfig& game, Evaluator& eval)
    : cfg_(cfg), game_(game), eval_(eval), min_q_(kInf), max_q_(-kInf) {
  if (cfg.simulations < 1) throw std::invalid_argument("simulations must be at least 1");
  if (cfg.threads < 1) throw std::invalid_argument("search threads must be at least 1");
  if (cfg.virtual_loss < 0) throw std::invalid_argument("virtual loss must not be negative");
  if (cfg.gumbel_actions < 1) throw std::invalid_argument("gumbel actions must be at least 1");
}

void Search::reset(const TensorI8& start) {
  tree_.reset(start.dim(0), start.dim(1), start.dim(2));
  root_ = -1;
  root_move_ = 0;
  min_q_ = kInf;
  max_q_ = -kInf;
  stats_ = SearchStats{};
  widened_root_ = -1;
  gumbel_choice_ = -1;
}

int32_t Search::ensure_root(const TensorI8& state, int move) {
  const StateKey key = state_key(state, move);
  if (root_ < 0 || !(tree_.node(root_).key == key)) {
    if (root_ >= 0) tree_.reset(state.dim(0), state.dim(1), state.dim(2));
    root_ = tree_.find_or_add(key);
  }
  root_move_ = move;
  return root_;
}

void Search::note_return(float g) {
  atomic_min(min_q_, g);
  atomic_max(max_q_, g);
}

void Search::run(const TensorI8& state, const std::vector<Action>& played, Rng& rng, const std::atomic<bool>* stop) {
  ensure_root(state, int(played.size()));
  if (!move_set_made_) {  // before any worker starts: they read it
    if (cfg_.full_width_limit > 0)
      move_set_ = game_move_set(state.dim(0), state.dim(1), state.dim(2), game_.field, game_.symmetry,
                                game_.coefficient_bound, cfg_.full_width_limit);
    move_set_made_ = true;
  }
  rng_ = &rng;
  evaluations_ = 0;
  if (cfg_.root == RootSelection::Gumbel) {
    const long done = run_gumbel(state, played, stop);
    rng_ = nullptr;
    stats_.simulations += done;
    stats_.evaluations += evaluations_.load();
    stats_.nodes = tree_.num_nodes();
    stats_.bytes = tree_.bytes();
    return;
  }
  std::atomic<long> next{0}, done{0};
  auto work = [&] {
    Scratch w;
    while (!(stop && stop->load(std::memory_order_relaxed)) && next.fetch_add(1, std::memory_order_relaxed) < cfg_.simulations) {
      simulate(state, played, w);
      done.fetch_add(1, std::memory_order_relaxed);
    }
  };
  const int workers = std::min(cfg_.threads, cfg_.simulations);
  // Plain threads rather than oneTBB tasks: the workers block in the evaluator, and
  // ThreadSanitizer sees their start and join (it sees nothing inside the uninstrumented oneTBB).
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  for (int i = 1; i < workers; ++i) {
    try {
      pool.emplace_back([&, i] {
        try {
          work();
        } catch (...) {
          errors[size_t(i)] = std::current_exception();
        }
      });
    } catch (const std::system_error&) {  // no more threads: the others take the simulations
      break;
    }
  }
  try {
    work();
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (std::thread& t : pool) t.join();
  rng_ = nullptr;
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  stats_.simulations += done.load();
  stats_.evaluations += evaluations_.load();
  stats_.nodes = tree_.num_nodes();
  stats_.bytes = tree_.bytes();
}

void Search::simulate(const TensorI8& state, const std::vector<Action>& played, Scratch& w, int forced_root_edge) {
  w.s = state;
  int move = root_move_;
  w.history.assign(played.begin(), played.end());
  w.path.clear();
  w.costs.clear();
  int32_t cur = root_;
  float g;  // the leaf's value, then the return backed up through each edge
  // Selection: descend through expanded nodes, replaying the actions on s, with a virtual loss on
  // every edge taken.
  for (;;) {
    Node& n = tree_.node(cur);
    n.lock.lock();
    if (n.expansion == Expansion::Running) {  // another worker is evaluating it: wait for its edges
      n.lock.unlock();
      std::this_thread::yield();
      continue;
    }
    if (n.expansion == Expansion::None) {
      n.expansion = Expansion::Running;
      n.lock.unlock();
      g = expand(cur, w.s, move, w.history);
      break;
    }
    if (n.terminal || n.edges.empty()) {
      g = n.value;
      n.visits += 1;
      n.lock.unlock();
      break;
    }
    const int e = cur == root_ && forced_root_edge >= 0
                      ? forced_root_edge
                      : select_child(n, cfg_, min_q_.load(std::memory_order_relaxed), max_q_.load(std::memory_order_relaxed));
    Edge& edge = n.edges[size_t(e)];
    edge.pending += 1;
    const uint32_t action = edge.action;
    int32_t child = edge.child;
    n.lock.unlock();
    w.path.push_back({cur, e});
    const Action a = tree_.actions().get(action);
    w.costs.push_back(float(move_cost(a, game_.symmetry)));
    play_move(w.s, a, game_.field, game_.symmetry);
    w.history.push_back(a);
    ++move;
    if (child < 0) {
      // A worker racing here finds the same node (same key): whoever writes last writes the same.
      child = tree_.find_or_add(state_key(w.s, move));
      n.lock.lock();
      edge.child = child;
      n.lock.unlock();
    }
    cur = child;
  }
  // Backup: returns are −1 per term plus the leaf's value; the virtual loss comes off.
  for (size_t i = w.path.size(); i-- > 0;) {
    g -= w.costs[i];
    Node& n = tree_.node(w.path[i].first);
    n.lock.lock();
    Edge& e = n.edges[size_t(w.path[i].second)];
    e.pending -= 1;
    e.visits += 1;
    e.value_sum += g;
    n.visits += 1;
    n.lock.unlock();
    note_return(g);
  }
}

float Search::expand(int32_t cur, const TensorI8& s, int move, const std::vector<Action>& history) {
  float value = 0;
  bool terminal = false;
  std::vector<Edge> edges;
  try {
    if (s.is_zero()) {
      terminal = true;
    } else if (move >= game_.r_limit) {
      terminal = true;
      value = -float(slice_rank_bound(s, game_.field));
    } else {
      Query q;
      q.state = s;
      const size_t h = std::min(history.size(), size_t(std::max(0, cfg_.history)));
      q.history.assign(history.end() - long(h), history.end());
      q.move = move;
      q.moves_left = game_.r_limit - move;
      q.field = game_.field;
      {
        std::lock_guard<std::mutex> lock(rng_mu_);
        q.seed = rng_->next();
      }
      Answer ans = eval_.evaluate(q);
      evaluations_.fetch_add(1, std::memory_order_relaxed);
      value = ans.value;
      float total = 0;
      for (size_t i = 0; i < ans.actions.size(); ++i) {
        Action a = ans.actions[i];
        canonicalize_move(a, game_.field, game_.symmetry);
        if (!move_legal(s, a, game_)) continue;
        const uint32_t id = tree_.actions().intern(a);
        total += ans.priors[i];
        // Samples that differ only in sign (u⊗v⊗w = (−u)⊗(−v)⊗w), or that name one orbit of the cyclic
        // game, are one action: their mass adds.
        auto same = std::find_if(edges.begin(), edges.end(), [&](const Edge& x) { return x.action == id; });
        if (same != edges.end()) same->prior += ans.priors[i];
        else edges.push_back(Edge{id, ans.priors[i]});
      }
      // A network that proposes nothing playable (early in training, or a bad decode) must not
      // stall the game: fall back to random terms of the demonstration distribution.
      for (int tries = 0; edges.empty() && tries < 64; ++tries) {
        Rng fallback(q.seed ^ (0x9e3779b97f4a7c15ULL * uint64_t(tries + 1)));
        Action a = sample_action(s.dim(0), s.dim(1), s.dim(2), game_.field, SyntheticConfig{}, fallback);
        canonicalize_move(a, game_.field, game_.symmetry);
        if (!move_legal(s, a, game_)) continue;
        edges.push_back(Edge{tree_.actions().intern(a), 1.0f});
        total = 1.0f;
      }
      if (total > 0)
        for (Edge& e : edges) e.prior /= total;
      // A residual finished within two moves by an exact lookup in a small game's move set (itself
      // one move, or a fixed term and one move): the network need not have proposed the first; it
      // takes half the prior, and the node is worth at least the return that finish secures.
      int terms = 0;
      const Action* finish = move_set_ ? move_set_->finisher(s, &terms) : nullptr;
      if (finish && move_legal(s, *finish, game_)) {
        value = std::max(value, -float(terms));
        const uint32_t id = tree_.actions().intern(*finish);
        for (Edge& e : edges) e.prior *= 0.5f;
        auto same = std::find_if(edges.begin(), edges.end(), [&](const Edge& x) { return x.action == id; });
        if (same != edges.end()) same->prior += 0.5f;
        else edges.push_back(Edge{id, edges.empty() ? 1.0f : 0.5f});
      }
    }
  } catch (...) {
    // Give the node back, so that no worker waits forever for its edges.
    Node& n = tree_.node(cur);
    n.lock.lock();
    n.expansion = Expansion::None;
    n.lock.unlock();
    throw;
  }
  Node& n = tree_.node(cur);
  n.lock.lock();
  n.value = value;
  n.terminal = terminal;
  n.edges = std::move(edges);
  n.expansion = Expansion::Done;
  n.visits += 1;
  n.lock.unlock();
  return value;
}

void Search::widen_root(const TensorI8& state) {
  if (widened_root_ == root_ || cfg_.full_width_limit == 0) return;
  widened_root_ = root_;
  Node& root = tree_.node(root_);
  if (!move_set_ || root.terminal || root.edges.empty()) return;
  const std::vector<Action>& moves = move_set_->moves();
  std::vector<char> present(moves.size() + tree_.actions().size(), 0);
  std::vector<Edge> added;
  std::vector<uint32_t> two;  // moves after which the residual is one move (finished in two)
  const bool all_legal = move_set_->all_legal(state);
  TensorI8 next;
  for (const Action& a : moves)
    if (all_legal || move_legal(state, a, game_)) {
      const uint32_t id = tree_.actions().intern(a);
      if (id >= present.size()) present.resize(size_t(id) + 1, 0);
      bool known = false;
      for (const Edge& e : root.edges) known |= e.action == id;
      if (!known && !present[id]) added.push_back(Edge{id, 0.0f});
      present[id] = 1;
      next = state;
      play_move(next, a, game_.field, game_.symmetry);
      if (move_set_->finishing(next)) two.push_back(id);
    }
  const float n = float(root.edges.size() + added.size());
  const float keep = float(1.0 - cfg_.full_width_mass), even = float(cfg_.full_width_mass) / n;
  root.lock.lock();  // no worker runs (Gumbel searches on one); the lock keeps the rule
  for (Edge& e : root.edges) e.prior = keep * e.prior + even;
  for (Edge& e : added) {
    e.prior = even;
    root.edges.push_back(e);
  }
  // The exact two-move lookahead of a full-width root: moves that leave one move to play share
  // half the prior, so the Gumbel draw tries them (their worth is still what the search finds).
  if (!two.empty()) {
    std::sort(two.begin(), two.end());
    for (Edge& e : root.edges)
      e.prior = 0.5f * e.prior + (std::binary_search(two.begin(), two.end(), e.action) ? 0.5f / float(two.size()) : 0.0f);
  }
  root.lock.unlock();
}

long Search::run_gumbel(const TensorI8& state, const std::vector<Action>& played, const std::atomic<bool>* stop) {
  Scratch w;
  long done = 0;
  const long budget = cfg_.simulations;
  auto halted = [&] { return stop && stop->load(std::memory_order_relaxed); };
  auto sim = [&](int forced) {
    simulate(state, played, w, forced);
    ++done;
  };
  gumbel_choice_ = -1;
  gumbel_actions_.clear();
  gumbel_probs_.clear();
  Node& root = tree_.node(root_);
  if (root.expansion != Expansion::Done) sim(-1);  // the root's evaluation is the first simulation
  if (root.terminal || root.edges.empty()) {
    while (done < budget && !halted()) sim(-1);
    return done;
  }
  widen_root(state);
  const size_t E = root.edges.size();
  std::vector<double> logits(E), g(E);
  for (size_t i = 0; i < E; ++i) {
    logits[i] = std::log(std::max(double(root.edges[i].prior), 1e-12));
    std::lock_guard<std::mutex> lock(rng_mu_);
    g[i] = gumbel(*rng_);
  }
  std::vector<int> left = gumbel_top_k(g, logits, cfg_.gumbel_actions);
  int max_n = 0;  // the most visits of a root edge, updated between phases (no visits meanwhile)
  auto count_visits = [&] {
    for (const Edge& x : root.edges) max_n = std::max(max_n, x.visits);
  };
  auto score = [&](int i) {  // g + logits + σ(q̂), q̂ the edge's mean return normalised (unvisited: 0)
    const Edge& e = root.edges[size_t(i)];
    const double q = e.visits ? normalized(e.value_sum / float(e.visits), min_q_.load(), max_q_.load()) : 0.0;
    return g[size_t(i)] + logits[size_t(i)] + sigma(q, max_n, cfg_.gumbel_c_visit, cfg_.gumbel_c_scale);
  };
  const int phases = halving_phases(int(left.size()));
  for (int p = 0; p < phases && done < budget && !halted(); ++p) {
    const bool last = p == phases - 1 || left.size() == 1;
    const int per = halving_visits(budget - done, phases - p, int(left.size()));
    // The last phase takes whatever is left, round robin: the budget is spent exactly.
    for (int k = 0; (last || k < per) && done < budget && !halted(); ++k)
      for (int i : left) {
        if (done >= budget || halted()) break;
        sim(i);
      }
    if (last) break;
    count_visits();
    std::stable_sort(left.begin(), left.end(), [&](int a, int b) { return score(a) > score(b); });
    left.resize(std::max<size_t>(1, left.size() / 2));
  }
  count_visits();
  gumbel_choice_ = *std::max_element(left.begin(), left.end(), [&](int a, int b) { return score(a) < score(b); });
  // The improved policy over every candidate, from completed Q values.
  std::vector<double> q(E), priors(E);
  std::vector<int> visits(E);
  for (size_t i = 0; i < E; ++i) {
    const Edge& e = root.edges[i];
    visits[i] = e.visits;
    q[i] = e.visits ? e.value_sum / float(e.visits) : 0.0;
    priors[i] = e.prior;
  }
  const std::vector<double> cq = completed_q(q, visits, priors, root.value);
  const std::vector<double> pi = improved_gumbel_policy(logits, cq, visits, min_q_.load(), max_q_.load(),
                                                        cfg_.gumbel_c_visit, cfg_.gumbel_c_scale);
  std::vector<int> order = gumbel_top_k(pi, std::vector<double>(E, 0.0), cfg_.policy_targets);
  double kept = 0;
  for (int i : order) kept += pi[size_t(i)];
  for (int i : order) {
    gumbel_actions_.push_back(tree_.actions().get(root.edges[size_t(i)].action));
    gumbel_probs_.push_back(float(pi[size_t(i)] / kept));
  }
  return done;
}

void Search::improved_policy(std::vector<Action>* actions, std::vector<float>* probs) const {
  actions->clear();
  probs->clear();
  if (cfg_.root == RootSelection::Gumbel && gumbel_choice_ >= 0) {
    *actions = gumbel_actions_;
    *probs = gumbel_probs_;
    return;
  }
  const Node& root = tree_.node(root_);
  const double N = root.visits;
  const double tau = N > cfg_.visit_threshold ? std::log(N) / std::log(cfg_.visit_threshold) : 1.0;
  double total = 0;
  for (const Edge& e : root.edges) {
    if (e.visits == 0) continue;
    actions->push_back(tree_.actions().get(e.action));
    probs->push_back(float(std::pow(double(e.visits), 1.0 / tau)));
    total += probs->back();
  }
  for (float& p : *probs) p = float(p / total);
}

Action Search::select_action(Rng& rng) const {
  const Node& root = tree_.node(root_);
  if (cfg_.root == RootSelection::Gumbel && gumbel_choice_ >= 0) return tree_.actions().get(root.edges[size_t(gumbel_choice_)].action);
  int best = -1;
  for (size_t i = 0; i < root.edges.size(); ++i)
    if (root.edges[i].visits > 0 && (best < 0 || root.edges[i].visits > root.edges[size_t(best)].visits)) best = int(i);
  if (best < 0 && !root.edges.empty()) {  // one simulation only expands the root: follow the prior
    for (size_t i = 0; i < root.edges.size(); ++i)
      if (best < 0 || root.edges[i].prior > root.edges[size_t(best)].prior) best = int(i);
    return tree_.actions().get(root.edges[size_t(best)].action);
  }
  if (best < 0) throw std::runtime_error("search: the root has no visited child (no legal action proposed)");
  if (cfg_.act_temperature <= 0) return tree_.actions().get(root.edges[size_t(best)].action);
  const Edge& b = root.edges[size_t(best)];
  const float best_q = b.value_sum / float(b.visits);
  const double N = root.visits;
  const double tau = (N > cfg_.visit_threshold ? std::log(N) / std::log(cfg_.visit_threshold) : 1.0) * cfg_.act_temperature;
  std::vector<double> w(root.edges.size(), 0.0);
  for (size_t i = 0; i < root.edges.size(); ++i) {
    const Edge& e = root.edges[i];
    if (e.visits > 0 && e.value_sum / float(e.visits) >= best_q) w[i] = std::pow(double(e.visits), 1.0 / tau);
  }
  return tree_.actions().get(root.edges[size_t(rng.categorical(w))].action);
}

float Search::root_value() const {
  const Node& r = tree_.node(root_);
  double sum = 0;
  long n = 0;
  for (const Edge& e : r.edges) {
    sum += e.value_sum;
    n += e.visits;
  }
  return n ? float(sum / double(n)) : r.value;
}

void Search::advance(const Action& a, const TensorI8& next_state, int next_move) {
  const Node& root = tree_.node(root_);
  int32_t child = -1;
  for (const Edge& e : root.edges)
    if (e.child >= 0 && tree_.actions().get(e.action) == a) child = e.child;
  if (child >= 0 && tree_.node(child).key == state_key(next_state, next_move)) {
    root_ = tree_.keep_subtree(child);
  } else {
    tree_.reset(next_state.dim(0), next_state.dim(1), next_state.dim(2));
    root_ = tree_.find_or_add(state_key(next_state, next_move));
  }
  root_move_ = next_move;
  gumbel_choice_ = -1;
  if (tree_.bytes() > cfg_.memory_cap) {  // still too big: start the subtree afresh
    tree_.reset(next_state.dim(0), next_state.dim(1), next_state.dim(2));
    root_ = tree_.find_or_add(state_key(next_state, next_move));
  }
}

}  // namespace at::mcts
