// Gumbel root selection: its pieces (top-k, halving schedule, completed Q, the improved policy, the
// full move set) and the search with it: deterministic for a seed, the budget spent exactly.
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "mcts/fake_networks.hpp"
#include "mcts/gumbel.hpp"
#include "mcts/scheme_game.hpp"
#include "mcts/selfplay.hpp"

using namespace at;
using namespace at::mcts;

namespace {

SearchConfig gumbel_config(int simulations, int m) {
  SearchConfig cfg;
  cfg.simulations = simulations;
  cfg.root = RootSelection::Gumbel;
  cfg.gumbel_actions = m;
  return cfg;
}

GameConfig z2_cyclic() {
  GameConfig gc;
  gc.field = Field::Z2;
  gc.r_limit = 5;
  gc.symmetry = Symmetry::Cyclic;
  return gc;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gumbel_root)

BOOST_AUTO_TEST_CASE(pieces) {
  BOOST_TEST((gumbel_top_k({0, 0, 0, 0}, {1, 3, 2, 0}, 2) == std::vector<int>{1, 2}));
  BOOST_TEST(gumbel_top_k({0, 0}, {1, 2}, 5).size() == 2u);
  BOOST_TEST(halving_phases(1) == 1);
  BOOST_TEST(halving_phases(16) == 4);
  BOOST_TEST(halving_phases(17) == 5);
  BOOST_TEST(halving_visits(64, 4, 16) == 1);
  BOOST_TEST(halving_visits(200, 4, 16) == 3);
  BOOST_TEST(halving_visits(3, 4, 16) == 1);  // at least one visit each
  // Unvisited edges complete with v_mix; visited keep their Q.
  const std::vector<double> cq = completed_q({-3, 0, -5}, {2, 0, 1}, {0.5, 0.25, 0.25}, -4);
  BOOST_TEST(cq[0] == -3.0);
  BOOST_TEST(cq[2] == -5.0);
  BOOST_TEST(cq[1] == (-4 + 3 / 0.75 * (0.5 * -3 + 0.25 * -5)) / 4, boost::test_tools::tolerance(1e-12));
  const std::vector<double> pi = improved_gumbel_policy({0, 0, 0}, {-3, -4, -5}, {2, 0, 1}, -5, -3, 50, 1);
  BOOST_TEST(std::accumulate(pi.begin(), pi.end(), 0.0) == 1.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST((pi[0] > pi[1] && pi[1] > pi[2]));
  // The full move sets of 2x2x2 mod 2: 15^3 terms, or 15 fixed terms + 1,120 orbits.
  BOOST_TEST(all_moves(4, 4, 4, Field::Z2, Symmetry::None, 4096).size() == 3375u);
  const std::vector<Action> sym = all_moves(4, 4, 4, Field::Z2, Symmetry::Cyclic, 4096);
  BOOST_TEST(sym.size() == 1135u);
  BOOST_TEST(std::count_if(sym.begin(), sym.end(), [](const Action& a) { return is_fixed_term(a); }) == 15);
  BOOST_TEST(all_moves(9, 9, 9, Field::Z2, Symmetry::Cyclic, 4096).empty());
  BOOST_TEST(all_moves(4, 4, 4, Field::Z, Symmetry::Cyclic, 4096).empty());
}

BOOST_AUTO_TEST_CASE(spends_exactly_the_budget_and_is_deterministic) {
  UniformNetwork net(16);
  BatchingEvaluator eval(net, 1);
  const TensorI8 start = matmul_tensor(Format{2, 2, 2});
  for (int sims : {1, 2, 7, 64, 100}) {
    for (int m : {1, 4, 16}) {
      Search a(gumbel_config(sims, m), z2_cyclic(), eval), b(gumbel_config(sims, m), z2_cyclic(), eval);
      a.reset(start);
      b.reset(start);
      Rng ra(9), rb(9);
      a.run(start, {}, ra);
      b.run(start, {}, rb);
      BOOST_TEST(a.stats().simulations == long(sims));
      // Full width: every legal move of the 1,135 is a root edge (once the root is evaluated).
      if (sims > 1) BOOST_TEST(a.tree().node(a.root()).edges.size() == 1135u);
      BOOST_TEST((a.select_action(ra) == b.select_action(rb)));
      std::vector<Action> xa, xb;
      std::vector<float> pa, pb;
      a.improved_policy(&xa, &pa);
      b.improved_policy(&xb, &pb);
      BOOST_TEST((xa == xb));
      BOOST_TEST((pa == pb));
      if (sims > 1) BOOST_TEST(std::accumulate(pa.begin(), pa.end(), 0.0f) == 1.0f, boost::test_tools::tolerance(1e-5f));
    }
  }
  // Whole games: the same seed, the same game.
  const GameRecord g1 = play_game(start, z2_cyclic(), gumbel_config(32, 8), eval, 21);
  const GameRecord g2 = play_game(start, z2_cyclic(), gumbel_config(32, 8), eval, 21);
  BOOST_TEST((g1.actions == g2.actions));
  BOOST_TEST(g1.search.simulations == long(32 * g1.actions.size()));
}

BOOST_AUTO_TEST_CASE(finds_strassen_with_an_oracle) {
  // Over Z (no full width) the candidates are the network's: Strassen's moves among them.
  GameConfig gc = z2_cyclic();
  gc.field = Field::Z;
  std::vector<Action> terms = scheme_actions(strassen_scheme());
  // Strassen as written is 1 fixed term + 2 orbits: keep one term per orbit.
  std::vector<Action> reps;
  for (const Action& t : terms) {
    Action a = t;
    canonicalize_move(a, Field::Z, Symmetry::Cyclic);
    if (std::find(reps.begin(), reps.end(), a) == reps.end()) reps.push_back(a);
  }
  BOOST_TEST_REQUIRE(reps.size() == 3u);
  OracleNetwork net(reps, 8, 0.3f);
  BatchingEvaluator eval(net, 1);
  const GameRecord g = play_game(matmul_tensor(Format{2, 2, 2}), gc, gumbel_config(16, 4), eval, 3);
  BOOST_TEST(g.solved);
  BOOST_TEST(g.total_return == -7.0f);
}

BOOST_AUTO_TEST_CASE(move_set_over_z_and_finishing_moves) {
  // 2x2x2 cyclic over Z with F = {-1,0,1} (the small preset's network): 80 fixed terms (±x⊗x⊗x)
  // and 42,640 orbits, listed once per process; with F = {-2..2} too many.
  const auto z = game_move_set(4, 4, 4, Field::Z, Symmetry::Cyclic, 1, 65536);
  BOOST_TEST_REQUIRE(z != nullptr);
  const std::vector<Action>& moves = z->moves();
  BOOST_TEST(moves.size() == 42720u);
  BOOST_TEST(std::count_if(moves.begin(), moves.end(), [](const Action& a) { return is_fixed_term(a); }) == 80);
  BOOST_TEST(game_move_set(4, 4, 4, Field::Z, Symmetry::Cyclic, 1, 65536) == z);
  BOOST_TEST(game_move_set(4, 4, 4, Field::Z, Symmetry::Cyclic, 2, 65536) == nullptr);
  BOOST_TEST(game_move_set(9, 9, 9, Field::Z2, Symmetry::Cyclic, 1, 65536) == nullptr);
  // A residual that is one move is finished by that move (the same terms); T(2,2,2) is not one move.
  for (size_t i = 0; i < moves.size(); i += 97) {
    TensorI8 t(4, 4, 4);
    play_move(t, moves[i], Field::Z, Symmetry::Cyclic);
    for (size_t k = 0; k < t.size(); ++k) t.data()[k] = int8_t(-t.data()[k]);
    const Action* f = z->finishing(t);
    BOOST_TEST_REQUIRE(f != nullptr);
    play_move(t, *f, Field::Z, Symmetry::Cyclic);
    BOOST_TEST(t.is_zero());
  }
  BOOST_TEST(z->finishing(matmul_tensor(Format{2, 2, 2})) == nullptr);
  BOOST_TEST(z->all_legal(matmul_tensor(Format{2, 2, 2})));
  // The search plays the finishing move though the network never proposes it (uniform samples,
  // the published root): an orbit with -1 entries is solved in one move of 3 terms.
  const Action orbit{{1, 0, -1, 0}, {0, 1, 1, 0}, {1, -1, 0, 1}};
  TensorI8 start(4, 4, 4);
  play_move(start, orbit, Field::Z, Symmetry::Cyclic);
  GameConfig gc;
  gc.field = Field::Z;
  gc.r_limit = 3;
  gc.symmetry = Symmetry::Cyclic;
  gc.coefficient_bound = 1;
  UniformNetwork net(8);
  BatchingEvaluator eval(net, 1);
  SearchConfig cfg;
  cfg.simulations = 8;
  const GameRecord g = play_game(start, gc, cfg, eval, 4);
  BOOST_TEST(g.solved);
  BOOST_TEST(g.total_return == -3.0f);
  // Two moves from zero (the orbit and a fixed term): a full-width Gumbel root gives the moves that
  // leave one move half the prior, and the game ends in those two moves (4 terms).
  const Action fixed{{1, 1, 0, -1}, {1, 1, 0, -1}, {1, 1, 0, -1}};
  play_move(start, fixed, Field::Z, Symmetry::Cyclic);
  Search search(gumbel_config(16, 4), gc, eval);
  search.reset(start);
  Rng rng(5);
  search.run(start, {}, rng);
  double two = 0;
  for (const Edge& e : search.tree().node(search.root()).edges) {
    TensorI8 next = start;
    play_move(next, search.tree().actions().get(e.action), Field::Z, Symmetry::Cyclic);
    if (z->finishing(next)) two += e.prior;
  }
  BOOST_TEST(two >= 0.5);
  const GameRecord g2 = play_game(start, gc, gumbel_config(16, 4), eval, 4);
  BOOST_TEST(g2.solved);
  BOOST_TEST(g2.total_return == -4.0f);
}

BOOST_AUTO_TEST_SUITE_END()
