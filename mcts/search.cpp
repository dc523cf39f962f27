#include "mcts/search.hpp"

#include "core/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace at::mcts {

Search::Search(const SearchConfig& cfg, const GameConfig& game, Evaluator& eval)
    : cfg_(cfg), game_(game), eval_(eval) {
  if (cfg.simulations < 1) throw std::invalid_argument("simulations must be at least 1");
}

void Search::reset(const TensorI8& start) {
  tree_.reset(start.dim(0), start.dim(1), start.dim(2));
  root_ = -1;
  root_move_ = 0;
  have_q_ = false;
  stats_ = SearchStats{};
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

float Search::normalized(float q) const {
  if (!have_q_ || max_q_ <= min_q_) return 0.5f;
  return (q - min_q_) / (max_q_ - min_q_);
}

int Search::select_edge(const Node& n) const {
  // PUCT (published form); unvisited children count as the lowest value seen.
  const double N = std::max(1, n.visits);
  const double explore = std::sqrt(N) * (cfg_.c1 + std::log((N + cfg_.c2 + 1.0) / cfg_.c2));
  int best = 0;
  double best_score = -1e300;
  for (size_t i = 0; i < n.edges.size(); ++i) {
    const Edge& e = n.edges[i];
    const double q = e.visits ? normalized(e.value_sum / float(e.visits)) : 0.0;
    const double score = q + e.prior * explore / (1.0 + e.visits);
    if (score > best_score) {
      best_score = score;
      best = int(i);
    }
  }
  return best;
}

void Search::run(const TensorI8& state, const std::vector<Action>& played, Rng& rng) {
  ensure_root(state, int(played.size()));
  std::vector<std::pair<int32_t, int>> path;  // (node, edge taken)
  std::vector<Action> history;                 // actions from the game start to the leaf
  for (int sim = 0; sim < cfg_.simulations; ++sim) {
    TensorI8 s = state;
    int move = root_move_;
    history.assign(played.begin(), played.end());
    path.clear();
    int32_t cur = root_;
    // Selection: descend through expanded nodes, replaying the actions on s.
    while (tree_.node(cur).expanded && !tree_.node(cur).terminal && !tree_.node(cur).edges.empty()) {
      const int e = select_edge(tree_.node(cur));
      path.push_back({cur, e});
      const Action a = tree_.actions().get(tree_.node(cur).edges[size_t(e)].action);
      TensorGame::apply_in_place(s, a, game_.field);
      history.push_back(a);
      ++move;
      int32_t child = tree_.node(cur).edges[size_t(e)].child;
      if (child < 0) {
        child = tree_.find_or_add(state_key(s, move));  // may reallocate: no Node& kept across
        tree_.node(cur).edges[size_t(e)].child = child;
      }
      cur = child;
    }
    // Expansion and evaluation.
    if (!tree_.node(cur).expanded) {
      Node& leaf = tree_.node(cur);
      leaf.expanded = true;
      if (s.is_zero()) {
        leaf.terminal = true;
        leaf.value = 0;
      } else if (move >= game_.r_limit) {
        leaf.terminal = true;
        leaf.value = -float(slice_rank_bound(s, game_.field));
      } else {
        Query q;
        q.state = s;
        const size_t h = std::min(history.size(), size_t(std::max(0, cfg_.history)));
        q.history.assign(history.end() - long(h), history.end());
        q.move = move;
        q.moves_left = game_.r_limit - move;
        q.field = game_.field;
        q.seed = rng.next();
        Answer ans = eval_.evaluate(q);
        ++stats_.evaluations;
        Node& n = tree_.node(cur);  // evaluate() did not touch the tree, but stay safe
        n.value = ans.value;
        float total = 0;
        for (size_t i = 0; i < ans.actions.size(); ++i) {
          Action a = ans.actions[i];
          canonicalize(a, game_.field);
          if (!action_legal(s, a, game_)) continue;
          const uint32_t id = tree_.actions().intern(a);
          total += ans.priors[i];
          // Samples that differ only in sign (u⊗v⊗w = (−u)⊗(−v)⊗w) are one action: their mass adds.
          auto same = std::find_if(n.edges.begin(), n.edges.end(), [&](const Edge& x) { return x.action == id; });
          if (same != n.edges.end()) same->prior += ans.priors[i];
          else n.edges.push_back(Edge{id, ans.priors[i]});
        }
        // A network that proposes nothing playable (early in training, or a bad decode) must not
        // stall the game: fall back to random terms of the demonstration distribution.
        for (int tries = 0; n.edges.empty() && tries < 64; ++tries) {
          Rng fallback(q.seed ^ (0x9e3779b97f4a7c15ULL * uint64_t(tries + 1)));
          const Action a = sample_action(s.dim(0), s.dim(1), s.dim(2), game_.field, SyntheticConfig{}, fallback);
          if (!action_legal(s, a, game_)) continue;
          n.edges.push_back(Edge{tree_.actions().intern(a), 1.0f});
          total = 1.0f;
        }
        if (total > 0)
          for (Edge& e : n.edges) e.prior /= total;
      }
    }
    // Backup: returns are −1 per move plus the leaf's value.
    float g = tree_.node(cur).value;
    tree_.node(cur).visits += 1;
    for (size_t i = path.size(); i-- > 0;) {
      g -= 1.0f;
      Node& n = tree_.node(path[i].first);
      Edge& e = n.edges[size_t(path[i].second)];
      e.visits += 1;
      e.value_sum += g;
      n.visits += 1;
      if (!have_q_) {
        min_q_ = max_q_ = g;
        have_q_ = true;
      }
      min_q_ = std::min(min_q_, g);
      max_q_ = std::max(max_q_, g);
    }
    ++stats_.simulations;
  }
  stats_.nodes = tree_.num_nodes();
  stats_.bytes = tree_.bytes();
}

void Search::improved_policy(std::vector<Action>* actions, std::vector<float>* probs) const {
  actions->clear();
  probs->clear();
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
  int best = -1;
  for (size_t i = 0; i < root.edges.size(); ++i)
    if (root.edges[i].visits > 0 && (best < 0 || root.edges[i].visits > root.edges[size_t(best)].visits)) best = int(i);
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
  if (tree_.bytes() > cfg_.memory_cap) {  // still too big: start the subtree afresh
    tree_.reset(next_state.dim(0), next_state.dim(1), next_state.dim(2));
    root_ = tree_.find_or_add(state_key(next_state, next_move));
  }
}

}  // namespace at::mcts
