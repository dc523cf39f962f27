#include "core/game.hpp"

#include <stdexcept>
#include <tuple>

#include "core/rational.hpp"

namespace at {
namespace {
int first_sign(const std::vector<int8_t>& x) {
  for (int8_t e : x)
    if (e != 0) return e > 0 ? 1 : -1;
  return 0;
}
void negate(std::vector<int8_t>& x) {
  for (auto& e : x) e = int8_t(-e);
}
}  // namespace

void canonicalize(Action& a, Field f) {
  if (f == Field::Z2) return;
  if (first_sign(a.u) < 0) { negate(a.u); negate(a.w); }
  if (first_sign(a.v) < 0) { negate(a.v); negate(a.w); }
}

bool is_canonical(const Action& a, Field f) {
  return f == Field::Z2 || (first_sign(a.u) >= 0 && first_sign(a.v) >= 0);
}

int slice_rank_bound(const TensorI8& s, Field f) {
  const int d1 = s.dim(1), d2 = s.dim(2);
  std::vector<int64_t> slice(size_t(d1) * d2);
  int total = 0;
  for (int a = 0; a < s.dim(0); ++a) {
    bool zero = true;
    for (int b = 0; b < d1; ++b)
      for (int c = 0; c < d2; ++c) {
        slice[size_t(b) * d2 + c] = s(a, b, c);
        zero &= s(a, b, c) == 0;
      }
    if (!zero) total += rank_in(f, slice, d1, d2);
  }
  return total;
}

bool is_fixed_term(const Action& a) {
  // u⊗v⊗w = v⊗w⊗u exactly when the factors are pairwise proportional (every 2×2 minor vanishes).
  const auto parallel = [](const std::vector<int8_t>& x, const std::vector<int8_t>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      for (size_t j = i + 1; j < x.size(); ++j)
        if (int(x[i]) * y[j] != int(x[j]) * y[i]) return false;
    return true;
  };
  return parallel(a.u, a.v) && parallel(a.v, a.w);
}

std::vector<Action> move_terms(const Action& a, Symmetry sym) {
  if (sym == Symmetry::None || is_fixed_term(a)) return {a};
  return {a, Action{a.v, a.w, a.u}, Action{a.w, a.u, a.v}};
}

int move_cost(const Action& a, Symmetry sym) { return sym == Symmetry::None || is_fixed_term(a) ? 1 : 3; }

std::vector<Action> game_terms(const std::vector<Action>& moves, Symmetry sym) {
  std::vector<Action> out;
  for (const Action& a : moves)
    for (Action& t : move_terms(a, sym)) out.push_back(std::move(t));
  return out;
}

void canonicalize_move(Action& a, Field f, Symmetry sym) {
  canonicalize(a, f);
  if (sym == Symmetry::None || is_fixed_term(a)) return;
  for (Action r : {Action{a.v, a.w, a.u}, Action{a.w, a.u, a.v}}) {
    canonicalize(r, f);
    if (std::tie(r.u, r.v, r.w) < std::tie(a.u, a.v, a.w)) a = std::move(r);
  }
}

bool move_legal(const TensorI8& s, const Action& a, const GameConfig& cfg) {
  if (cfg.symmetry == Symmetry::None || is_fixed_term(a)) return action_legal(s, a, cfg);
  if (s.dim(0) != s.dim(1) || s.dim(1) != s.dim(2)) return false;
  TensorI8 t = s;
  for (const Action& x : move_terms(a, cfg.symmetry)) {
    if (!action_legal(t, x, cfg)) return false;
    TensorGame::apply_in_place(t, x, cfg.field);
  }
  return true;
}

void play_move(TensorI8& s, const Action& a, Field f, Symmetry sym) {
  for (const Action& x : move_terms(a, sym)) TensorGame::apply_in_place(s, x, f);
}

TensorGame::TensorGame(const TensorI8& start, const GameConfig& cfg) : state_(start), cfg_(cfg) {
  if (cfg.r_limit < 1) throw std::invalid_argument("r_limit must be at least 1");
  if (cfg.symmetry == Symmetry::Cyclic && (start.dim(0) != start.dim(1) || start.dim(1) != start.dim(2)))
    throw std::invalid_argument("the cyclic game needs a square format n,n,n");
  if (cfg.field != Field::Z && cfg.field != Field::Z2) throw std::invalid_argument("TensorGame plays over Z or Z2");
}

bool action_legal(const TensorI8& s, const Action& a, const GameConfig& cfg) {
  const int d0 = s.dim(0), d1 = s.dim(1), d2 = s.dim(2);
  if (int(a.u.size()) != d0 || int(a.v.size()) != d1 || int(a.w.size()) != d2) return false;
  const int lo = cfg.field == Field::Z2 ? 0 : -cfg.coefficient_bound;
  const int hi = cfg.field == Field::Z2 ? 1 : cfg.coefficient_bound;
  for (const auto* x : {&a.u, &a.v, &a.w}) {
    bool nonzero = false;
    for (int8_t e : *x) {
      if (e < lo || e > hi) return false;
      nonzero |= e != 0;
    }
    if (!nonzero) return false;
  }
  if (cfg.field == Field::Z2) return true;
  for (int i = 0; i < d0; ++i) {
    if (!a.u[i]) continue;
    for (int j = 0; j < d1; ++j) {
      if (!a.v[j]) continue;
      const int uv = a.u[i] * a.v[j];
      for (int k = 0; k < d2; ++k) {
        const int x = s(i, j, k) - uv * a.w[k];
        if (x < -127 || x > 127) return false;
      }
    }
  }
  return true;
}

void TensorGame::apply_in_place(TensorI8& r, const Action& a, Field f) {
  const TensorI8& s = r;
  for (int i = 0; i < s.dim(0); ++i) {
    if (!a.u[i]) continue;
    for (int j = 0; j < s.dim(1); ++j) {
      if (!a.v[j]) continue;
      const int uv = a.u[i] * a.v[j];
      int8_t* row = &r(i, j, 0);
      for (int k = 0; k < s.dim(2); ++k) {
        const int x = row[k] - uv * a.w[k];
        row[k] = int8_t(f == Field::Z2 ? (x & 1) : x);
      }
    }
  }
}

double TensorGame::step(const Action& a) {
  if (terminal()) throw std::invalid_argument("move after the end of the game");
  if (!legal(a)) throw std::invalid_argument("illegal action");
  play_move(state_, a, cfg_.field, cfg_.symmetry);
  history_.push_back(a);
  const int cost = move_cost(a, cfg_.symmetry);
  terms_ += cost;
  double reward = -double(cost);
  if (!solved() && moves() >= cfg_.r_limit) reward -= slice_rank_bound(state_, cfg_.field);
  return reward;
}

TensorI8 transform_tensor(const TensorI8& t, const Mat& A, const Mat& B, const Mat& C, Field f) {
  const int d0 = t.dim(0), d1 = t.dim(1), d2 = t.dim(2);
  if (A.rows != d0 || A.cols != d0 || B.rows != d1 || B.cols != d1 || C.rows != d2 || C.cols != d2)
    throw std::invalid_argument("transform_tensor: matrix sizes do not match the tensor");
  auto coef = [](const Rational& q) {
    if (!q.is_integer()) throw std::invalid_argument("change of basis must be integral");
    return q.num();
  };
  // Mode by mode with int64 intermediates: A along mode 0, B along mode 1, C along mode 2.
  std::vector<int64_t> x(t.values().begin(), t.values().end()), y(x.size());
  const int dims[3] = {d0, d1, d2};
  const size_t strides[3] = {size_t(d1) * d2, size_t(d2), 1};
  const Mat* mats[3] = {&A, &B, &C};
  for (int mode = 0; mode < 3; ++mode) {
    const Mat& M = *mats[mode];
    const size_t st = strides[mode];
    for (size_t e = 0; e < y.size(); ++e) {
      const int i = int((e / st) % dims[mode]);
      const size_t base = e - size_t(i) * st;
      int64_t acc = 0;
      for (int a = 0; a < dims[mode]; ++a) {
        const int64_t m = coef(M(i, a));
        if (m) acc = checked_add(acc, checked_mul(m, x[base + size_t(a) * st]));
      }
      y[e] = acc;
    }
    x.swap(y);
  }
  TensorI8 out(d0, d1, d2);
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t v = f == Field::Z2 ? (x[i] & 1) : x[i];
    if (v < -127 || v > 127) throw OverflowError("transformed tensor leaves the int8 range");
    out.data()[i] = int8_t(v);
  }
  return out;
}

}  // namespace at
