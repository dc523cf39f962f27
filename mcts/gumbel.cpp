#include "mcts/gumbel.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_set>

namespace at::mcts {

double gumbel(Rng& rng) {
  const double u = std::max(rng.uniform01(), 1e-300);
  return -std::log(-std::log(u) + 1e-300);
}

std::vector<int> gumbel_top_k(const std::vector<double>& g, const std::vector<double>& logits, int m) {
  std::vector<int> idx(g.size());
  std::iota(idx.begin(), idx.end(), 0);
  const auto better = [&](int a, int b) {
    const double x = g[size_t(a)] + logits[size_t(a)], y = g[size_t(b)] + logits[size_t(b)];
    return x > y || (x == y && a < b);
  };
  // A full-width root has tens of thousands of candidates: sort only the m kept.
  const size_t keep = m >= 0 && size_t(m) < idx.size() ? size_t(m) : idx.size();
  std::partial_sort(idx.begin(), idx.begin() + long(keep), idx.end(), better);
  idx.resize(keep);
  return idx;
}

int halving_phases(int m) {
  int p = 0;
  while ((1 << p) < m) ++p;
  return std::max(1, p);
}

int halving_visits(long budget_left, int phases_left, int actions) {
  if (phases_left < 1 || actions < 1) return 0;
  return int(std::max(1L, budget_left / (long(phases_left) * actions)));
}

double sigma(double q_normalized, int max_visits, double c_visit, double c_scale) {
  return (c_visit + max_visits) * c_scale * q_normalized;
}

std::vector<double> completed_q(const std::vector<double>& q, const std::vector<int>& visits,
                                const std::vector<double>& priors, double value) {
  double n_sum = 0, p_visited = 0, pq = 0;
  for (size_t i = 0; i < q.size(); ++i)
    if (visits[i] > 0) {
      n_sum += visits[i];
      p_visited += priors[i];
      pq += priors[i] * q[i];
    }
  const double v_mix = p_visited > 0 ? (value + n_sum / p_visited * pq) / (1 + n_sum) : value;
  std::vector<double> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) out[i] = visits[i] > 0 ? q[i] : v_mix;
  return out;
}

std::vector<double> improved_gumbel_policy(const std::vector<double>& logits, const std::vector<double>& cq,
                                           const std::vector<int>& visits, double min_q, double max_q,
                                           double c_visit, double c_scale) {
  const int max_n = visits.empty() ? 0 : *std::max_element(visits.begin(), visits.end());
  std::vector<double> z(logits.size());
  for (size_t i = 0; i < z.size(); ++i) {
    const double qn = max_q > min_q ? (cq[i] - min_q) / (max_q - min_q) : 0.5;
    z[i] = logits[i] + sigma(std::clamp(qn, 0.0, 1.0), max_n, c_visit, c_scale);
  }
  const double top = z.empty() ? 0 : *std::max_element(z.begin(), z.end());
  double total = 0;
  for (double& x : z) total += (x = std::exp(x - top));
  for (double& x : z) x /= total;
  return z;
}

namespace {

// The non-zero vectors of length d over F, and among them those whose first non-zero entry is
// positive (over Z2: all): canonicalize makes u and v such, so they and any w name every term.
void factors(int d, Field f, int bound, std::vector<std::vector<int8_t>>* all, std::vector<std::vector<int8_t>>* positive) {
  const int lo = f == Field::Z2 ? 0 : -bound, base = f == Field::Z2 ? 2 : 2 * bound + 1;
  std::vector<int8_t> x(static_cast<size_t>(d), static_cast<int8_t>(lo));
  for (;;) {
    int first = 0;
    for (int8_t e : x)
      if (e != 0) {
        first = e;
        break;
      }
    if (first != 0) all->push_back(x);
    if (first > 0) positive->push_back(x);
    int i = 0;  // the next vector, as a base-|F| counter
    while (i < d && x[size_t(i)] == lo + base - 1) x[size_t(i++)] = int8_t(lo);
    if (i == d) return;
    ++x[size_t(i)];
  }
}

}  // namespace

std::vector<Action> all_moves(int d0, int d1, int d2, Field f, Symmetry sym, size_t limit, int bound) {
  if (d0 != d1 || d1 != d2 || d0 > 20 || bound < 1 || (f != Field::Z2 && f != Field::Z)) return {};
  // Terms up to the sign pairs of Z (a quarter of the triples), a third of them under Cyclic.
  const double vectors = std::pow(f == Field::Z2 ? 2.0 : 2.0 * bound + 1, d0) - 1;
  const double terms = vectors * vectors * vectors / (f == Field::Z2 ? 1 : 4) / (sym == Symmetry::Cyclic ? 3 : 1);
  if (terms > double(limit) * 1.01 + 100) return {};
  std::vector<std::vector<int8_t>> xs, pos;
  factors(d0, f, bound, &xs, &pos);
  std::unordered_set<std::string> seen;
  std::vector<Action> out;
  for (const auto& u : pos)
    for (const auto& v : pos)
      for (const auto& w : xs) {
        Action a{u, v, w};
        canonicalize_move(a, f, sym);
        std::string key(a.u.begin(), a.u.end());
        key.append(a.v.begin(), a.v.end()).append(a.w.begin(), a.w.end());
        if (seen.insert(std::move(key)).second) out.push_back(std::move(a));
      }
  if (out.size() > limit) return {};
  return out;
}

MoveSet::MoveSet(std::vector<Action> moves, int d, Field f, Symmetry sym) : moves_(std::move(moves)), field_(f), sym_(sym) {
  by_tensor_.reserve(moves_.size());
  for (size_t i = 0; i < moves_.size(); ++i) {
    const Action& a = moves_[i];
    TensorI8 t(d, d, d);
    play_move(t, a, f, sym);  // −(the move's terms); mod 2 the terms themselves
    for (size_t k = 0; k < t.size(); ++k) t.data()[k] = int8_t(f == Field::Z2 ? (t.data()[k] & 1) : -t.data()[k]);
    by_tensor_.emplace(state_key(t, 0), uint32_t(i));
    if (sym == Symmetry::Cyclic && is_fixed_term(a)) fixed_.push_back(uint32_t(i));
    // A bound on what any entry moves by while the terms are subtracted one by one (move_legal).
    int top = 1;
    for (const auto* x : {&a.u, &a.v, &a.w}) top *= std::abs(int(*std::max_element(x->begin(), x->end(), [](int8_t p, int8_t q) { return std::abs(int(p)) < std::abs(int(q)); })));
    max_change_ = std::max(max_change_, move_cost(a, sym) * top);
  }
}

const Action* MoveSet::finishing(const TensorI8& s) const {
  const auto it = by_tensor_.find(state_key(s, 0));
  if (it == by_tensor_.end()) return nullptr;
  TensorI8 t = s;  // the key is a hash: confirm
  play_move(t, moves_[it->second], field_, sym_);
  return t.is_zero() ? &moves_[it->second] : nullptr;
}

const Action* MoveSet::finisher(const TensorI8& s, int* terms) const {
  if (const Action* f = finishing(s)) {
    *terms = move_cost(*f, sym_);
    return f;
  }
  TensorI8 t;
  for (uint32_t i : fixed_) {
    t = s;
    play_move(t, moves_[i], field_, sym_);
    if (const Action* f = finishing(t)) {
      *terms = 1 + move_cost(*f, sym_);
      return &moves_[i];
    }
  }
  return nullptr;
}

bool MoveSet::all_legal(const TensorI8& s) const {
  if (field_ == Field::Z2) return true;
  int top = 0;
  for (int8_t e : s.values()) top = std::max(top, std::abs(int(e)));
  return top + max_change_ <= 127;
}

std::shared_ptr<const MoveSet> game_move_set(int d0, int d1, int d2, Field f, Symmetry sym, int bound, size_t limit) {
  // Built once per process: games start many searches, and 2x2x2 over Z takes ~0.1 s to list.
  static std::mutex mu;  // guards cache
  static std::map<std::tuple<int, int, int, int, int, int, size_t>, std::shared_ptr<const MoveSet>> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[{d0, d1, d2, int(f), int(sym), bound, limit}];
  if (!slot) {
    std::vector<Action> moves = all_moves(d0, d1, d2, f, sym, limit, bound);
    if (moves.empty()) return nullptr;
    slot = std::make_shared<const MoveSet>(std::move(moves), d0, f, sym);
  }
  return slot;
}

}  // namespace at::mcts
