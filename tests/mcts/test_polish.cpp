// The pieces of `train --polish`: completing an unfinished game into a scheme, a scheme as a game
// for the best-games buffer, the flip-graph worker, and the trainer putting a polished scheme into
// its best-games buffer.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "mcts/polish.hpp"
#include "mcts/scheme_game.hpp"
#include "mcts/trainer.hpp"
#include "nn/cpu_backend.hpp"

using namespace at;
using namespace at::mcts;

namespace {

Scheme in_field(const Scheme& s, Field f) { return f == Field::Z2 ? s.reduced_mod(Field::Z2) : s; }

// Plays the actions from `start`; true when every move is legal and the last reaches zero.
bool replays_to_zero(const TensorI8& start, const std::vector<Action>& actions, Field f, int bound) {
  GameConfig gc;
  gc.field = f;
  gc.r_limit = int(actions.size());
  gc.coefficient_bound = bound;
  TensorGame g(start, gc);
  for (const Action& a : actions) {
    if (!g.legal(a)) return false;
    g.step(a);
  }
  return g.solved();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(polish)

BOOST_AUTO_TEST_CASE(completed_games_verify_exactly) {
  // Random partial games (random legal moves in a random basis) completed with the residual's
  // decomposition map back to schemes of the canonical tensor.
  Rng rng(42);
  const BasisPool pool(7, 1000, 0.1);
  SyntheticConfig sc;
  int checked = 0;
  for (Field field : {Field::Z, Field::Z2})
    for (const Format f : {Format{2, 2, 2}, Format{2, 3, 2}, Format{3, 3, 3}})
      for (int trial = 0; trial < 40; ++trial) {
        BasisChange b = pool.get(pool.draw(rng), f.a_size(), f.b_size(), f.c_size(), field);
        TensorI8 start;
        try {
          start = transform_tensor(matmul_tensor(f), b.A, b.B, b.C, field);
        } catch (const OverflowError&) {
          continue;
        }
        GameConfig gc;
        gc.field = field;
        TensorI8 state = start;
        std::vector<Action> moves;
        const int n = int(rng.uniform_int(0, 8));
        for (int i = 0; i < n; ++i) {
          const Action a = sample_action(f.a_size(), f.b_size(), f.c_size(), field, sc, rng);
          if (!action_legal(state, a, gc)) continue;
          TensorGame::apply_in_place(state, a, field);
          moves.push_back(a);
        }
        const Scheme s = complete_game(f, field, b, moves, state);
        const VerifyResult v = verify(s, field);
        BOOST_TEST_REQUIRE(v.ok, f.str() << " over " << field_name(field) << " trial " << trial << ": " << v.error);
        BOOST_TEST((s.field == field));
        ++checked;
      }
  BOOST_TEST(checked > 200);
}

BOOST_AUTO_TEST_CASE(residual_terms_take_the_shorter_side_of_each_slice) {
  TensorI8 r(2, 3, 2);
  r(0, 0, 0) = 3, r(0, 1, 0) = -1, r(0, 2, 0) = 2;  // slice 0: one non-zero column
  r(1, 2, 0) = 1, r(1, 2, 1) = 5;                   // slice 1: one non-zero row
  const std::vector<Action> t = residual_terms(r);
  BOOST_TEST(t.size() == 2u);
  TensorI8 sum(2, 3, 2);
  for (const Action& a : t)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 2; ++k) sum(i, j, k) = int8_t(sum(i, j, k) + a.u[size_t(i)] * a.v[size_t(j)] * a.w[size_t(k)]);
  BOOST_TEST((sum == r));
  BOOST_TEST(residual_terms(TensorI8(2, 2, 2)).empty());
}

BOOST_AUTO_TEST_CASE(a_scheme_becomes_a_game_that_reaches_zero) {
  const BasisPool pool(3, 1000, 0.0);
  Rng rng(5);
  for (Field field : {Field::Z, Field::Z2}) {
    const Scheme s = in_field(strassen_scheme(), field);
    int played = 0;
    for (int i = 0; i < 30; ++i) {
      Demonstration d;
      if (!scheme_game(s, pool.get(pool.draw(rng), 4, 4, 4, field), 2, &d)) continue;
      BOOST_TEST(d.actions.size() == 7u);
      BOOST_TEST(replays_to_zero(d.tensor, d.actions, field, 2));
      ++played;
    }
    BOOST_TEST(played > 0);
    Demonstration d;  // the canonical basis always fits Strassen's coefficients
    BOOST_TEST_REQUIRE(scheme_game(s, pool.get(-1, 4, 4, 4, field), 2, &d));
    BOOST_TEST((d.tensor == matmul_tensor(Format{2, 2, 2})));
    BOOST_TEST(replays_to_zero(d.tensor, d.actions, field, 2));
  }
  // A coefficient beyond the network's bound cannot be a move.
  Scheme big = strassen_scheme();
  big.u_row(0)[0] = Rational(3), big.u_row(1)[0] = Rational(-2);  // (not a valid scheme; refused before that matters)
  Demonstration d;
  BOOST_TEST(!scheme_game(big, pool.get(-1, 4, 4, 4, Field::Z), 2, &d));
}

BOOST_AUTO_TEST_CASE(polisher_reduces_the_naive_scheme) {
  for (Field field : {Field::Z2, Field::Z}) {
    PolishConfig pc;
    pc.enabled = true;
    pc.seconds = 20;
    Polisher p(pc, field, 7, 1);
    p.submit(PolishJob{0, in_field(naive_scheme(Format{2, 2, 2}), field), "completion"});
    std::vector<PolishResult> r;
    for (int i = 0; i < 600 && r.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      r = p.take();
    }
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].rank_in == 8);
    BOOST_TEST(r[0].rank_out == 7);
    BOOST_TEST(r[0].verified);
    BOOST_TEST(verify(r[0].scheme, field).ok);
    BOOST_TEST(r[0].origin == "completion");
  }
}

// With symmetry an invariant scheme stays invariant (mod 2, and over Z through the lift); a
// scheme that is not invariant is still polished, on the plain graph.
BOOST_AUTO_TEST_CASE(polisher_with_symmetry_keeps_invariant_schemes_invariant) {
  for (Field field : {Field::Z2, Field::Z}) {
    PolishConfig pc;
    pc.enabled = true;
    pc.seconds = 20;
    pc.symmetry = Symmetry::Cyclic;
    Polisher p(pc, field, 7, 1);
    p.submit(PolishJob{0, in_field(naive_scheme(Format{2, 2, 2}), field), "selfplay"});
    // Naive with term 2 split in two along its w factor: rank 9, not invariant.
    Scheme split = naive_scheme(Format{2, 2, 2});
    std::vector<Rational> u(split.u_row(1), split.u_row(1) + 4), v(split.v_row(1), split.v_row(1) + 4), e(4, Rational(0));
    const int k = split.w_row(1)[0] == Rational(0) ? 0 : 1;
    e[size_t(k)] = Rational(1);
    split.w_row(1)[k] = Rational(-1);
    split.add_term(u, v, e);
    BOOST_TEST_REQUIRE(verify(split).ok);
    BOOST_TEST_REQUIRE(!cyclic_orbits(split).has_value());
    p.submit(PolishJob{0, in_field(split, field), "completion"});
    std::vector<PolishResult> r;
    for (int i = 0; i < 1200 && r.size() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      for (PolishResult& x : p.take()) r.push_back(std::move(x));
    }
    BOOST_TEST_REQUIRE(r.size() == 2u);
    BOOST_TEST(r[0].rank_out < 8);
    BOOST_TEST(verify(r[0].scheme, field).ok);
    BOOST_TEST(cyclic_orbits(r[0].scheme, field).has_value(), field_name(field));
    BOOST_TEST(r[1].error.empty(), r[1].error);
    BOOST_TEST(r[1].rank_out < 9);
    BOOST_TEST(verify(r[1].scheme, field).ok);
  }
}

BOOST_AUTO_TEST_CASE(trainer_puts_a_polished_scheme_and_its_order_variant_into_best_games) {
  for (Field field : {Field::Z, Field::Z2}) {
    char tmpl[] = "/tmp/alphatensor_polish_XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    const nn::ModelConfig mc = nn::make_config(
        "small", {"S=4", std::string("field=") + field_name(field), "c=16", "torso_layers=1", "torso_heads=2",
                  "torso_head_dim=8", "dec_layers=1", "dec_heads=2", "dec_head_dim=8", "value_width=16", "token_d=3"});
    nn::CpuBackend<float> backend;
    nn::Network net(mc, backend, 1);
    TrainConfig tc;
    tc.targets = {Format{2, 2, 2}};
    tc.field = field;
    tc.out_dir = tmpl;
    tc.threads = 1;
    Learner trainer(tc, net);
    BOOST_TEST_REQUIRE(trainer.learn_from(in_field(strassen_scheme(), field), 0));
    // The game and its order variant (a random move swapped with the last one, published).
    const BestGames& b = trainer.best_games(0);
    BOOST_TEST_REQUIRE(b.games() == 2u);
    std::vector<std::vector<Action>> orders;
    for (size_t g = 0; g < 2; ++g) {
      BOOST_TEST(b.game_return(g) == -7.0);
      const std::vector<nn::TrainExample>& ex = b.moves(g);
      BOOST_TEST_REQUIRE(ex.size() == 7u);
      // Decode the moves the learner will be taught and play them: they solve the game.
      TensorI8 state = ex[0].state.tensor;
      orders.emplace_back();
      for (size_t i = 0; i < ex.size(); ++i) {
        BOOST_TEST((ex[i].state.tensor == state));
        BOOST_TEST(ex[i].value == -double(ex.size() - i));
        BOOST_TEST_REQUIRE(ex[i].tokens.size() == 1u);
        Action a;
        BOOST_TEST_REQUIRE(net.model().codec().decode(ex[i].tokens[0], 4, 4, 4, &a));
        TensorGame::apply_in_place(state, a, field);
        orders.back().push_back(a);
      }
      BOOST_TEST(state.is_zero());
    }
    // Same moves, same start; exactly two positions differ, one of them the last.
    BOOST_TEST((b.moves(0)[0].state.tensor == b.moves(1)[0].state.tensor));
    int differ = 0;
    for (size_t i = 0; i < 7; ++i) differ += orders[0][i] != orders[1][i];
    BOOST_TEST(differ == 2);
    BOOST_TEST((orders[0].back() != orders[1].back()));
    std::system((std::string("rm -rf ") + tmpl).c_str());
  }
}

BOOST_AUTO_TEST_SUITE_END()
