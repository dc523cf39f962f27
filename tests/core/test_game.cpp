#include <boost/test/unit_test.hpp>

#include "core/builtin.hpp"
#include "core/game.hpp"
#include "core/rng.hpp"
#include "core/synthetic.hpp"
#include "core/tokens.hpp"

using namespace at;

namespace {
Action term(const Scheme& s, int r) {
  Action a;
  for (int i = 0; i < s.format.a_size(); ++i) a.u.push_back(int8_t(s.u_row(r)[i].num()));
  for (int i = 0; i < s.format.b_size(); ++i) a.v.push_back(int8_t(s.v_row(r)[i].num()));
  for (int i = 0; i < s.format.c_size(); ++i) a.w.push_back(int8_t(s.w_row(r)[i].num()));
  return a;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(game)

BOOST_AUTO_TEST_CASE(strassen_solves_the_2x2x2_game_in_7_moves) {
  const Scheme s = strassen_scheme();
  for (Field f : {Field::Z, Field::Z2}) {
    GameConfig cfg;
    cfg.field = f;
    TensorGame g(matmul_tensor(s.format), cfg);
    double ret = 0;
    for (int r = 0; r < 7; ++r) {
      Action a = term(s, r);
      if (f == Field::Z2)
        for (auto* x : {&a.u, &a.v, &a.w})
          for (auto& e : *x) e = int8_t(e & 1);
      BOOST_TEST(!g.terminal());
      ret += g.step(a);
    }
    BOOST_TEST(g.solved());
    BOOST_TEST(g.terminal());
    BOOST_TEST(ret == -7.0);
    BOOST_TEST(g.moves() == 7);
  }
}

BOOST_AUTO_TEST_CASE(r_limit_adds_the_slice_rank_penalty) {
  const TensorI8 t = matmul_tensor(Format{2, 2, 2});
  BOOST_TEST(slice_rank_bound(t, Field::Z) == 8);  // 4 slices of rank p = 2
  BOOST_TEST(slice_rank_bound(matmul_tensor(Format{3, 4, 5}), Field::Z2) == 12 * 5);
  GameConfig cfg;
  cfg.r_limit = 1;
  TensorGame g(t, cfg);
  const Action a = term(naive_scheme(Format{2, 2, 2}), 0);
  const double r = g.step(a);
  BOOST_TEST(g.terminal());
  BOOST_TEST(!g.solved());
  BOOST_TEST(r == -1.0 - slice_rank_bound(g.state(), Field::Z));
  BOOST_TEST(r == -1.0 - 7);  // one slice lost one rank
  BOOST_CHECK_THROW(g.step(a), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(legality_checks) {
  GameConfig cfg;
  TensorGame g(matmul_tensor(Format{2, 2, 2}), cfg);
  Action ok{{1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}};
  BOOST_TEST(g.legal(ok));
  Action out_of_f = ok;
  out_of_f.u[1] = 3;
  BOOST_TEST(!g.legal(out_of_f));
  Action zero = ok;
  zero.v = {0, 0, 0, 0};
  BOOST_TEST(!g.legal(zero));
  Action wrong_size = ok;
  wrong_size.w.push_back(0);
  BOOST_TEST(!g.legal(wrong_size));
  BOOST_CHECK_THROW(g.step(zero), std::invalid_argument);
  // Overflow of the int8 state is illegal rather than wrapped.
  TensorI8 big(1, 1, 1);
  big(0, 0, 0) = 120;
  TensorGame h(big, cfg);
  BOOST_TEST(!h.legal(Action{{-2}, {2}, {2}}));
  BOOST_TEST(h.legal(Action{{1}, {2}, {2}}));
  GameConfig z2;
  z2.field = Field::Z2;
  TensorGame m(matmul_tensor(Format{2, 2, 2}), z2);
  BOOST_TEST(!m.legal(Action{{-1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}}));
}

BOOST_AUTO_TEST_CASE(canonical_form_keeps_the_rank_one_tensor) {
  Rng rng(5);
  SyntheticConfig sc;
  for (int t = 0; t < 200; ++t) {
    Action a{{}, {}, {}};
    for (auto* x : {&a.u, &a.v, &a.w})
      for (int i = 0; i < 6; ++i) x->push_back(int8_t(rng.uniform_int(-2, 2)));
    a.u[int(rng.uniform_int(0, 5))] = -1;
    a.v[0] = int8_t(rng.uniform_int(-2, 2) | 1);
    Action c = a;
    canonicalize(c, Field::Z);
    BOOST_TEST(is_canonical(c, Field::Z));
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j)
        for (int k = 0; k < 6; ++k) BOOST_TEST(a.u[i] * a.v[j] * a.w[k] == c.u[i] * c.v[j] * c.w[k]);
  }
}

BOOST_AUTO_TEST_CASE(token_codec_round_trip) {
  Rng rng(9);
  for (Field f : {Field::Z, Field::Z2})
    for (int d : {1, 2, 3, 5}) {
      const TokenCodec codec(9, d, f);
      BOOST_TEST(codec.num_tokens() == (27 + d - 1) / d);
      for (int t = 0; t < 100; ++t) {
        const int d0 = int(rng.uniform_int(1, 9)), d1 = int(rng.uniform_int(1, 9)), d2 = int(rng.uniform_int(1, 9));
        const int lo = f == Field::Z2 ? 0 : -2, hi = f == Field::Z2 ? 1 : 2;
        Action a;
        for (int i = 0; i < d0; ++i) a.u.push_back(int8_t(rng.uniform_int(lo, hi)));
        for (int i = 0; i < d1; ++i) a.v.push_back(int8_t(rng.uniform_int(lo, hi)));
        for (int i = 0; i < d2; ++i) a.w.push_back(int8_t(rng.uniform_int(lo, hi)));
        const auto tokens = codec.encode(a);
        for (int tok : tokens) BOOST_TEST((tok >= 0 && tok < codec.vocab_size()));
        Action b;
        BOOST_TEST(codec.decode(tokens, d0, d1, d2, &b));
        BOOST_TEST((a == b));
      }
    }
  // Non-zero padding decodes to no action.
  const TokenCodec codec(4, 4, Field::Z);
  auto tokens = codec.encode(Action{{1, 0, 0}, {1, 0, 0}, {1, 0, 0}});
  Action out;
  BOOST_TEST(codec.decode(tokens, 3, 3, 3, &out));
  tokens[0] += 1;  // sets u[3], in the padding of a 3-entry factor
  BOOST_TEST(!codec.decode(tokens, 3, 3, 3, &out));
  BOOST_TEST(codec.vocab_size() == 625);
  BOOST_CHECK_THROW(codec.encode(Action{{3}, {1}, {1}}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
