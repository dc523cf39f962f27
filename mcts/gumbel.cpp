#include "mcts/gumbel.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>

namespace at::mcts {

double gumbel(Rng& rng) {
  const double u = std::max(rng.uniform01(), 1e-300);
  return -std::log(-std::log(u) + 1e-300);
}

std::vector<int> gumbel_top_k(const std::vector<double>& g, const std::vector<double>& logits, int m) {
  std::vector<int> idx(g.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return g[size_t(a)] + logits[size_t(a)] > g[size_t(b)] + logits[size_t(b)]; });
  if (m >= 0 && size_t(m) < idx.size()) idx.resize(size_t(m));
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

std::vector<Action> all_moves(int d0, int d1, int d2, Field f, Symmetry sym, size_t limit) {
  if (f != Field::Z2 || d0 != d1 || d1 != d2 || d0 > 20) return {};
  const size_t vectors = (size_t(1) << d0) - 1;
  if (vectors * vectors * vectors / (sym == Symmetry::Cyclic ? 3 : 1) > limit) return {};
  std::vector<std::vector<int8_t>> xs;
  for (size_t bits = 1; bits <= vectors; ++bits) {
    std::vector<int8_t> x(static_cast<size_t>(d0));
    for (int i = 0; i < d0; ++i) x[size_t(i)] = int8_t((bits >> i) & 1);
    xs.push_back(std::move(x));
  }
  std::set<std::tuple<std::vector<int8_t>, std::vector<int8_t>, std::vector<int8_t>>> seen;
  std::vector<Action> out;
  for (const auto& u : xs)
    for (const auto& v : xs)
      for (const auto& w : xs) {
        Action a{u, v, w};
        canonicalize_move(a, f, sym);
        if (seen.insert({a.u, a.v, a.w}).second) out.push_back(std::move(a));
      }
  return out;
}

}  // namespace at::mcts
