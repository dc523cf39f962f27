// Schemes and games, both ways (scheme_game.hpp).
#include "mcts/scheme_game.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/ops.hpp"

namespace at::mcts {

std::vector<Action> scheme_actions(const Scheme& s) {
  auto conv = [](const Rational* x, int n) {
    std::vector<int8_t> v(n);
    for (int i = 0; i < n; ++i) {
      if (!x[i].is_integer() || x[i].num() < -127 || x[i].num() > 127)
        throw std::invalid_argument("scheme coefficient " + x[i].str() + " is not a small integer");
      v[i] = int8_t(x[i].num());
    }
    return v;
  };
  std::vector<Action> out;
  for (int r = 0; r < s.rank(); ++r) {
    Action a{conv(s.u_row(r), s.format.a_size()), conv(s.v_row(r), s.format.b_size()),
             conv(s.w_row(r), s.format.c_size())};
    canonicalize(a, s.field);
    out.push_back(std::move(a));
  }
  return out;
}


Scheme scheme_of_actions(const Format& f, Field field, const std::vector<Action>& actions) {
  Scheme s = Scheme::zeros(f, field, 0);
  for (const Action& a : actions)
    s.add_term(std::vector<Rational>(a.u.begin(), a.u.end()), std::vector<Rational>(a.v.begin(), a.v.end()),
               std::vector<Rational>(a.w.begin(), a.w.end()));
  return s;
}

std::vector<Action> residual_terms(const TensorI8& r) {
  const int d0 = r.dim(0), d1 = r.dim(1), d2 = r.dim(2);
  auto unit = [](int n, int i) {
    std::vector<int8_t> e(size_t(n), 0);
    e[size_t(i)] = 1;
    return e;
  };
  std::vector<Action> out;
  for (int a = 0; a < d0; ++a) {
    std::vector<int> rows, cols;  // the slice's non-zero rows b and columns c
    for (int b = 0; b < d1; ++b)
      for (int c = 0; c < d2; ++c)
        if (r(a, b, c) != 0) {
          if (rows.empty() || rows.back() != b) rows.push_back(b);
          if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
        }
    if (rows.size() <= cols.size()) {
      for (int b : rows) {
        std::vector<int8_t> w(static_cast<size_t>(d2));
        for (int c = 0; c < d2; ++c) w[size_t(c)] = r(a, b, c);
        out.push_back({unit(d0, a), unit(d1, b), std::move(w)});
      }
    } else {
      for (int c : cols) {
        std::vector<int8_t> v(static_cast<size_t>(d1));
        for (int b = 0; b < d1; ++b) v[size_t(b)] = r(a, b, c);
        out.push_back({unit(d0, a), std::move(v), unit(d2, c)});
      }
    }
  }
  return out;
}

Scheme scheme_of_game(const Format& f, Field field, const std::vector<Action>& actions, const BasisChange& basis,
                      Symmetry sym) {
  // The game was played on (A⊗B⊗C)·T: the inverses map its terms to a scheme of T.
  Scheme s = change_basis(scheme_of_actions(f, field, game_terms(actions, sym)), inverse(basis.A, field),
                          inverse(basis.B, field), inverse(basis.C, field));
  s.field = field;
  return s;
}

Scheme complete_game(const Format& f, Field field, const BasisChange& basis, const std::vector<Action>& moves,
                     const TensorI8& residual) {
  std::vector<Action> terms = moves;
  for (Action& a : residual_terms(residual)) terms.push_back(std::move(a));
  Scheme s = scheme_of_game(f, field, terms, basis);
  s.drop_zero_terms();
  return field == Field::Z2 ? s.reduced_mod(Field::Z2) : s;
}

bool scheme_game(const Scheme& s, const BasisChange& basis, int bound, Demonstration* out) {
  const Field field = s.field;
  Scheme moved = change_basis(s, basis.A, basis.B, basis.C);
  moved.field = field;
  if (field == Field::Z2) moved = moved.reduced_mod(Field::Z2);
  moved.drop_zero_terms();
  if (!moved.all_integer() || moved.max_abs_numerator() > (field == Field::Z2 ? 1 : bound)) return false;
  try {
    out->tensor = transform_tensor(matmul_tensor(s.format), basis.A, basis.B, basis.C, field);
  } catch (const OverflowError&) {
    return false;
  }
  out->actions = scheme_actions(moved);
  GameConfig gc;
  gc.field = field;
  gc.r_limit = int(out->actions.size());
  gc.coefficient_bound = bound;
  TensorI8 state = out->tensor;
  for (const Action& a : out->actions) {
    if (!action_legal(state, a, gc)) return false;
    TensorGame::apply_in_place(state, a, field);
  }
  return state.is_zero();
}

}  // namespace at::mcts
