// The cyclic game (--symmetry cyclic): moves keep the residual invariant, a move names its orbit
// once, demonstrations and augmentations stay invariant, and a game solved by an invariant member
// of Strassen's orbit maps back to a verified rank-7 scheme that its file marks invariant.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>

#include "../core/helpers.hpp"
#include "core/builtin.hpp"
#include "core/files.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "core/scheme_store.hpp"
#include "core/symmetry.hpp"
#include "mcts/fake_networks.hpp"
#include "mcts/scheme_game.hpp"
#include "mcts/selfplay.hpp"
#include "mcts/symmetric_game.hpp"
#include "nn/network.hpp"

using namespace at;
using namespace at::mcts;

namespace {

bool invariant(const TensorI8& t) {
  const int d = t.dim(0);
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b)
      for (int c = 0; c < d; ++c)
        if (t(a, b, c) != t(b, c, a)) return false;
  return true;
}

GameConfig cyclic_game(Field f, int r_limit) {
  GameConfig gc;
  gc.field = f;
  gc.r_limit = r_limit;
  gc.symmetry = Symmetry::Cyclic;
  return gc;
}

// Plays the moves under the cyclic game: every one legal, every state invariant, zero at the end.
bool replays_invariant_to_zero(const Demonstration& d, Field f) {
  TensorI8 s = d.tensor;
  for (const Action& a : d.actions) {
    if (!move_legal(s, a, cyclic_game(f, 1))) return false;
    play_move(s, a, f, Symmetry::Cyclic);
    if (!invariant(s)) return false;
  }
  return s.is_zero();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(symmetric_game)

BOOST_AUTO_TEST_CASE(every_move_keeps_the_residual_invariant) {
  // Thousands of random moves (fixed terms and orbits, int8-legal ones) from T(n,n,n) in random
  // same-on-all-modes bases, over Z and Z2.
  Rng rng(17);
  long played = 0, fixed = 0;
  for (Field f : {Field::Z, Field::Z2})
    for (int n : {2, 3}) {
      const BasisPool pool(5, 100, 0.1, BasisConfig{0.1, false});  // unequal bases unless forced
      for (int game = 0; game < 40; ++game) {
        BasisChange b;
        const TensorI8 start = start_in_basis(Format{n, n, n}, f, pool, rng, &b, Symmetry::Cyclic);
        BOOST_TEST_REQUIRE(invariant(start));
        TensorGame g(start, cyclic_game(f, 30));
        SyntheticConfig dist;
        dist.p_zero = 0.5;
        dist.p_one = 0.25;
        dist.p_two = 0;
        while (!g.terminal()) {
          Action a = sample_action(n * n, n * n, n * n, f, dist, rng);
          if (rng.uniform01() < 0.3) a = Action{a.u, a.u, a.u};
          canonicalize_move(a, f, Symmetry::Cyclic);
          if (!g.legal(a)) continue;
          const int before = g.terms();
          g.step(a);
          BOOST_TEST_REQUIRE(invariant(g.state()));
          BOOST_TEST_REQUIRE(g.terms() - before == (is_fixed_term(a) ? 1 : 3));
          ++played;
          fixed += is_fixed_term(a);
        }
      }
    }
  BOOST_TEST(played >= 2000);
  BOOST_TEST(fixed > 0);
}

BOOST_AUTO_TEST_CASE(a_move_names_its_orbit_once) {
  Rng rng(3);
  for (Field f : {Field::Z, Field::Z2})
    for (int i = 0; i < 500; ++i) {
      const Action a = sample_action(9, 9, 9, f, SyntheticConfig{}, rng);
      Action r0 = a, r1{a.v, a.w, a.u}, r2{a.w, a.u, a.v};
      for (Action* r : {&r0, &r1, &r2}) canonicalize_move(*r, f, Symmetry::Cyclic);
      BOOST_TEST_REQUIRE((r0 == r1 && r1 == r2));
      BOOST_TEST_REQUIRE(move_cost(r0, Symmetry::Cyclic) == (is_fixed_term(a) ? 1 : 3));
    }
  // (x, -x, -x) is x⊗x⊗x: one fixed term, named (x, x, x).
  Action x{{1, 0, -1, 0}, {-1, 0, 1, 0}, {-1, 0, 1, 0}};
  BOOST_TEST(is_fixed_term(x));
  canonicalize_move(x, Field::Z, Symmetry::Cyclic);
  BOOST_TEST((x.u == x.v && x.v == x.w));
  BOOST_TEST(move_terms(x, Symmetry::Cyclic).size() == 1u);
  BOOST_TEST(move_terms(x, Symmetry::None).size() == 1u);
}

BOOST_AUTO_TEST_CASE(demonstrations_and_augmentations_stay_invariant) {
  Rng rng(11);
  SyntheticConfig cfg;
  cfg.max_rank = 6;
  for (Field f : {Field::Z, Field::Z2})
    for (int i = 0; i < 100; ++i) {
      const Demonstration d = sample_cyclic_demonstration(4, f, cfg, rng);
      BOOST_TEST_REQUIRE(invariant(d.tensor));
      BOOST_TEST_REQUIRE(replays_invariant_to_zero(d, f));
      const Augmentation g = draw_augmentation(4, 4, 4, Symmetry::Cyclic, rng);
      Demonstration moved{transform_tensor(d.tensor, g.p, g.q, g.r, f), {}};
      for (const Action& a : d.actions) moved.actions.push_back(augment_move(g, a, f, Symmetry::Cyclic));
      BOOST_TEST_REQUIRE(invariant(moved.tensor));
      BOOST_TEST_REQUIRE(replays_invariant_to_zero(moved, f));
    }
}

BOOST_AUTO_TEST_CASE(strassen_solves_the_cyclic_game_and_maps_back_invariant) {
  // Strassen as written is invariant over Z (1 fixed term, 2 orbits); mod 2 its orbit has 3
  // invariant members: 1 fixed + 2 orbits (3 moves), and twice 4 fixed + 1 orbit (5 moves: the
  // default R_limit must leave room for them).
  const Format f{2, 2, 2};
  std::vector<std::pair<Field, Scheme>> cases{{Field::Z, strassen_scheme()}};
  for (const Scheme& s : strassen_orbit_mod2())
    if (cyclic_orbits(s)) cases.push_back({Field::Z2, s});
  BOOST_TEST_REQUIRE(cases.size() == 4u);
  for (const auto& [field, s] : cases) {
    const auto orbits = cyclic_orbits(s);
    const size_t moves = orbits->fixed.size() + orbits->orbits.size();
    // The game in a changed basis (the same on all three modes), as the trainer plays it.
    const BasisPool pool(9, 100, 0.0, BasisConfig{0.3, true});
    Rng rng(2);
    BasisChange b;
    const TensorI8 start = start_in_basis(f, field, pool, rng, &b, Symmetry::Cyclic);
    Demonstration d;
    BOOST_TEST_REQUIRE(scheme_game(s, b, 2, &d));
    BOOST_TEST_REQUIRE(moves_of_terms(&d.actions, 4, field, Symmetry::Cyclic));
    BOOST_TEST(d.actions.size() == moves);
    BOOST_TEST((d.tensor == start));
    // The demonstration's values count terms: −7 at the start.
    const TokenCodec codec(4, 4, field, 2);
    BOOST_TEST(nn::demonstration_examples(d, field, codec, Symmetry::Cyclic).front().value == -7.0);
    // The search finds it with an oracle that knows the moves.
    OracleNetwork net(d.actions, 8, 0.3f);
    BatchingEvaluator eval(net, 4);
    SearchConfig cfg;
    cfg.simulations = 32;
    const GameRecord g = play_game(start, cyclic_game(field, default_cyclic_r_limit(8)), cfg, eval, 5);
    BOOST_TEST_REQUIRE(g.solved);
    BOOST_TEST(g.actions.size() == moves);
    BOOST_TEST(g.total_return == -7.0f);
    BOOST_TEST(g.moves.front().return_to_go == -7.0f);
    const Scheme found = scheme_of_game(f, field, g.actions, b, Symmetry::Cyclic);
    BOOST_TEST(verify(found, field).ok);
    BOOST_TEST(found.rank() == 7);
    BOOST_TEST(cyclic_summary(found, field) == "cyclic-invariant: yes (" + std::to_string(orbits->fixed.size()) +
                                                   " fixed, " + std::to_string(orbits->orbits.size()) + " orbits)");
    // Written as every found scheme is (verified first); its file says it is invariant.
    char tmpl[] = "/tmp/alphatensor_symgame_XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::string dir = tmpl;
    {
      SchemeStore store(dir);
      BOOST_TEST((store.offer(found, "test") == SchemeStore::Outcome::NewBest));
      const std::string text = read_file(store.path_for(f, 7, field));
      BOOST_TEST(text.find("\"symmetry\": \"cyclic\"") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
  }
}

BOOST_AUTO_TEST_CASE(completions_of_unfinished_cyclic_games_verify) {
  // A game cut at its R_limit: its moves' terms plus the residual's decomposition are a scheme.
  Rng rng(8);
  for (Field f : {Field::Z, Field::Z2})
    for (int i = 0; i < 10; ++i) {
      const Format fmt{2, 2, 2};
      const BasisPool pool(uint64_t(i), 100, 0.0, BasisConfig{0.2, true});
      BasisChange b;
      const TensorI8 start = start_in_basis(fmt, f, pool, rng, &b, Symmetry::Cyclic);
      TensorGame g(start, cyclic_game(f, 2));
      while (!g.terminal()) {
        Action a = sample_action(4, 4, 4, f, SyntheticConfig{}, rng);
        canonicalize_move(a, f, Symmetry::Cyclic);
        if (g.legal(a)) g.step(a);
      }
      const Scheme s = complete_game(fmt, f, b, game_terms(g.history(), Symmetry::Cyclic), g.state());
      BOOST_TEST_REQUIRE(verify(s, f).ok);
    }
}

BOOST_AUTO_TEST_CASE(non_invariant_terms_make_no_cyclic_game) {
  // Strassen with a basis change on one mode only is not invariant.
  Mat x = Mat::identity(2);
  x(0, 1) = 1;
  const Scheme s = sandwich(strassen_scheme(), Mat::identity(2), x, Mat::identity(2));
  std::vector<Action> terms = scheme_actions(s);
  BOOST_TEST(!moves_of_terms(&terms, 4, Field::Z, Symmetry::Cyclic));
  BOOST_CHECK_THROW(TensorGame(matmul_tensor(Format{2, 3, 2}), cyclic_game(Field::Z, 5)), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
