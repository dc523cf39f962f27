// Tree parallelism: several workers on one tree with virtual loss (mcts/search.hpp).
#include <boost/test/unit_test.hpp>
#include <algorithm>

#include "core/builtin.hpp"
#include "mcts/fake_networks.hpp"
#include "mcts/selfplay.hpp"
#include "mcts/scheme_game.hpp"

using namespace at;
using namespace at::mcts;

namespace {

Scheme scheme_from_actions(const Format& f, Field field, const std::vector<Action>& actions) {
  BasisChange canonical;
  canonical.A = Mat::identity(f.a_size());
  canonical.B = Mat::identity(f.b_size());
  canonical.C = Mat::identity(f.c_size());
  return scheme_of_game(f, field, actions, canonical);
}

uint64_t actions_hash(const std::vector<Action>& actions) {
  uint64_t h = 1469598103934665603ULL;
  for (const Action& a : actions)
    for (const auto* x : {&a.u, &a.v, &a.w})
      for (int8_t e : *x) h = (h ^ uint64_t(uint8_t(e))) * 1099511628211ULL;
  return h;
}

// After a run no virtual loss is left, and every simulation but the root's expansion went through
// exactly one root edge.
void check_settled(const Search& search, long simulations_this_run) {
  const Tree& t = search.tree();
  long edge_visits = 0;
  for (size_t i = 0; i < t.num_nodes(); ++i)
    for (const Edge& e : t.node(int32_t(i)).edges) BOOST_TEST(e.pending == 0);
  for (const Edge& e : t.node(search.root()).edges) edge_visits += e.visits;
  BOOST_TEST(edge_visits == simulations_this_run - 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(virtual_loss_spreads_concurrent_selections) {
  Node n;
  n.expansion = Expansion::Done;
  for (uint32_t a = 0; a < 4; ++a) n.edges.push_back(Edge{a, 0.25f});
  SearchConfig cfg;
  // Without virtual loss every worker in flight picks the same child.
  cfg.virtual_loss = 0;
  const int first = select_child(n, cfg, 1, -1);
  n.edges[size_t(first)].pending += 1;
  BOOST_TEST(select_child(n, cfg, 1, -1) == first);
  // With it, each new worker takes a child no other worker is descending.
  cfg.virtual_loss = 3;
  std::vector<int> taken{first};
  for (int w = 1; w < 4; ++w) {
    const int c = select_child(n, cfg, 1, -1);
    const bool fresh = std::find(taken.begin(), taken.end(), c) == taken.end();
    BOOST_TEST(fresh, "worker " << w << " took child " << c);
    taken.push_back(c);
    n.edges[size_t(c)].pending += 1;
  }
  // Visited children: the best one (Q near the top of the range) loses its lead while a
  // simulation is in flight through it, valued at the worst return seen.
  Node m;
  m.expansion = Expansion::Done;
  m.edges = {Edge{0, 0.5f, 10, -30.0f}, Edge{1, 0.5f, 10, -33.0f}};
  m.visits = 21;
  BOOST_TEST(select_child(m, cfg, -6, -3) == 0);
  m.edges[0].pending = 1;
  BOOST_TEST(select_child(m, cfg, -6, -3) == 1);
}

BOOST_AUTO_TEST_CASE(tree_parallel_strassen_oracle_finds_rank_7) {
  for (int threads : {2, 4})
    for (Field field : {Field::Z, Field::Z2}) {
      const Scheme strassen = field == Field::Z ? strassen_scheme() : strassen_scheme().reduced_mod(Field::Z2);
      OracleNetwork net(scheme_actions(strassen), 8, 0.3f);
      BatchingEvaluator eval(net, threads, std::chrono::microseconds(500));
      GameConfig game;
      game.field = field;
      game.r_limit = 12;
      SearchConfig cfg;
      cfg.simulations = 64;
      cfg.threads = threads;
      cfg.virtual_loss = 3;
      const GameRecord g = play_game(matmul_tensor(Format{2, 2, 2}), game, cfg, eval, 1);
      BOOST_TEST(g.solved, threads << " threads, " << field_name(field));
      BOOST_TEST(g.actions.size() == 7u);
      BOOST_TEST(verify(scheme_from_actions(Format{2, 2, 2}, field, g.actions)).ok);
      BOOST_TEST(g.search.simulations == 7L * cfg.simulations);
    }
}

BOOST_AUTO_TEST_CASE(tree_parallel_run_leaves_no_virtual_loss) {
  UniformNetwork net(16);
  for (int threads : {1, 4}) {
    BatchingEvaluator eval(net, threads, std::chrono::microseconds(500));
    GameConfig game;
    game.r_limit = 10;
    SearchConfig cfg;
    cfg.simulations = 200;
    cfg.threads = threads;
    Search search(cfg, game, eval);
    const TensorI8 start = matmul_tensor(Format{2, 2, 2});
    search.reset(start);
    Rng rng(3);
    search.run(start, {}, rng);
    check_settled(search, cfg.simulations);
    BOOST_TEST(search.stats().simulations == long(cfg.simulations));
    // Each non-terminal leaf was evaluated once: no two workers expanded the same node.
    BOOST_TEST(search.stats().evaluations <= long(search.tree().num_nodes()));
    if (threads > 1) BOOST_TEST(eval.stats().mean_batch() >= 1.0);
  }
}

BOOST_AUTO_TEST_CASE(tree_parallel_one_thread_is_deterministic) {
  // One worker is the sequential search: a seed gives the same game, whatever the virtual loss
  // (no simulation is ever in flight beside the one descending).
  UniformNetwork net(16);
  GameConfig game;
  game.r_limit = 10;
  SearchConfig cfg;
  cfg.simulations = 48;
  cfg.threads = 1;
  std::vector<uint64_t> hashes;
  for (int vl : {3, 3, 0}) {
    cfg.virtual_loss = vl;
    BatchingEvaluator eval(net, 1);
    const GameRecord g = play_game(matmul_tensor(Format{2, 2, 2}), game, cfg, eval, 77);
    hashes.push_back(actions_hash(g.actions));
  }
  BOOST_TEST(hashes[0] == hashes[1]);
  BOOST_TEST(hashes[0] == hashes[2]);
  // The game the sequential search played before tree parallelism existed (main at bd1d298).
  BOOST_TEST(hashes[0] == 0xa8ea793edfc0cea8ULL);
}
