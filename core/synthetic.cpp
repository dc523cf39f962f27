#include "core/synthetic.hpp"

#include <stdexcept>

namespace at {
namespace {

int8_t sample_entry(Field f, const SyntheticConfig& cfg, Rng& rng) {
  if (f == Field::Z2) return int8_t(rng.uniform01() < cfg.p_zero_mod2 ? 0 : 1);
  const double x = rng.uniform01();
  if (x < cfg.p_zero) return 0;
  const double y = x - cfg.p_zero;
  if (y < 2 * cfg.p_one) return y < cfg.p_one ? 1 : -1;
  return y - 2 * cfg.p_one < cfg.p_two ? 2 : -2;
}

std::vector<int8_t> sample_factor(int n, Field f, const SyntheticConfig& cfg, Rng& rng) {
  std::vector<int8_t> x(n);
  for (;;) {  // reject all-zero factors
    bool nonzero = false;
    for (auto& e : x) nonzero |= (e = sample_entry(f, cfg, rng)) != 0;
    if (nonzero) return x;
  }
}

}  // namespace

Action sample_action(int d0, int d1, int d2, Field f, const SyntheticConfig& cfg, Rng& rng) {
  Action a{sample_factor(d0, f, cfg, rng), sample_factor(d1, f, cfg, rng), sample_factor(d2, f, cfg, rng)};
  canonicalize(a, f);
  return a;
}

namespace {

// Checks a configuration, then draws games with `draw_moves` until their terms sum to a non-zero
// tensor within int8.
template <class Draw>
Demonstration sample_game(int d0, int d1, int d2, Field f, Symmetry sym, const SyntheticConfig& cfg, Rng& rng,
                          Draw draw_moves) {
  if (cfg.max_rank < 1) throw std::invalid_argument("synthetic max_rank must be at least 1");
  if (f != Field::Z && f != Field::Z2) throw std::invalid_argument("synthetic demonstrations are over Z or Z2");
  if (f != Field::Z2 && cfg.p_zero + 2 * cfg.p_one + 2 * cfg.p_two > 1.0 + 1e-9)
    throw std::invalid_argument("synthetic entry probabilities sum to more than 1");
  for (;;) {
    Demonstration d;
    const int R = int(rng.uniform_int(1, cfg.max_rank));
    for (int r = 0; r < R; ++r) d.actions.push_back(draw_moves());
    std::vector<int> acc(size_t(d0) * d1 * d2, 0);
    for (const Action& a : game_terms(d.actions, sym))
      for (int i = 0; i < d0; ++i)
        for (int j = 0; j < d1; ++j)
          for (int k = 0; k < d2; ++k) acc[(size_t(i) * d1 + j) * d2 + k] += a.u[i] * a.v[j] * a.w[k];
    d.tensor = TensorI8(d0, d1, d2);
    bool ok = true, nonzero = false;
    for (size_t i = 0; i < acc.size(); ++i) {
      const int v = f == Field::Z2 ? (acc[i] & 1) : acc[i];
      ok &= v >= -127 && v <= 127;
      nonzero |= v != 0;
      d.tensor.data()[i] = int8_t(v);
    }
    if (ok && nonzero) return d;
  }
}

}  // namespace

Demonstration sample_demonstration(int d0, int d1, int d2, Field f, const SyntheticConfig& cfg, Rng& rng) {
  return sample_game(d0, d1, d2, f, Symmetry::None, cfg, rng, [&] { return sample_action(d0, d1, d2, f, cfg, rng); });
}

Demonstration sample_cyclic_demonstration(int n2, Field f, const SyntheticConfig& cfg, Rng& rng) {
  return sample_game(n2, n2, n2, f, Symmetry::Cyclic, cfg, rng, [&] {
    Action a;
    if (rng.uniform01() < cfg.p_fixed) {
      const std::vector<int8_t> x = sample_factor(n2, f, cfg, rng);
      a = Action{x, x, x};
    } else {
      a = sample_action(n2, n2, n2, f, cfg, rng);
    }
    canonicalize_move(a, f, Symmetry::Cyclic);
    return a;
  });
}

Mat sample_basis_matrix(int n, Field f, const BasisConfig& cfg, Rng& rng) {
  Mat P(n, n), L(n, n);
  auto off = [&]() -> int {
    const double x = rng.uniform01();
    if (x >= cfg.p_offdiag) return 0;
    return f == Field::Z2 || x < cfg.p_offdiag / 2 ? 1 : -1;
  };
  auto diag = [&]() -> int { return f == Field::Z2 || rng.uniform_int(0, 1) ? 1 : -1; };
  for (int i = 0; i < n; ++i) {
    P(i, i) = diag();
    L(i, i) = diag();
    for (int j = i + 1; j < n; ++j) {
      P(i, j) = off();
      L(j, i) = off();
    }
  }
  Mat M = P * L;
  if (f == Field::Z2)
    for (auto& x : M.a) x = Rational(x.mod2());
  return M;
}

BasisChange sample_basis_change(int d0, int d1, int d2, Field f, const BasisConfig& cfg, Rng& rng) {
  BasisChange b;
  b.A = sample_basis_matrix(d0, f, cfg, rng);
  const bool same = cfg.same_for_equal_modes && d0 == d1 && d1 == d2;
  b.B = same ? b.A : sample_basis_matrix(d1, f, cfg, rng);
  b.C = same ? b.A : sample_basis_matrix(d2, f, cfg, rng);
  return b;
}

BasisPool::BasisPool(uint64_t seed, int size, double p_canonical, BasisConfig cfg)
    : seed_(seed), size_(size), p_canonical_(p_canonical), cfg_(cfg) {
  if (size < 1) throw std::invalid_argument("basis pool size must be at least 1");
}

int BasisPool::draw(Rng& rng) const {
  if (rng.uniform01() < p_canonical_) return -1;
  return int(rng.uniform_int(0, size_ - 1));
}

BasisChange BasisPool::get(int index, int d0, int d1, int d2, Field f) const {
  if (index < 0) return {Mat::identity(d0), Mat::identity(d1), Mat::identity(d2)};
  Rng rng = Rng::stream(seed_, uint64_t(index));
  return sample_basis_change(d0, d1, d2, f, cfg_, rng);
}

}  // namespace at
