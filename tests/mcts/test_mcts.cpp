#define BOOST_TEST_MODULE mcts
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <chrono>
#include <thread>

#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "mcts/fake_networks.hpp"
#include "mcts/neural.hpp"
#include "mcts/polish.hpp"
#include "mcts/scheme_game.hpp"
#include "mcts/selfplay.hpp"

using namespace at;
using namespace at::mcts;

namespace {

uint64_t game_hash(const GameRecord& g) {
  uint64_t h = 1469598103934665603ULL;
  for (const Action& a : g.actions)
    for (const auto* x : {&a.u, &a.v, &a.w})
      for (int8_t e : *x) h = (h ^ uint64_t(uint8_t(e))) * 1099511628211ULL;
  return h;
}

// Queries `eval` from `threads` threads at once, `per_thread` each; returns how many answers
// differ from a UniformNetwork(8)'s.
int mismatches_from_threads(Evaluator& eval, int threads, int per_thread) {
  std::atomic<int> mismatches{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      UniformNetwork direct(8);
      for (int i = 0; i < per_thread; ++i) {
        Query q;
        q.state = matmul_tensor(Format{2, 2, 1 + (i % 3)});
        q.seed = uint64_t(t) * 1000 + uint64_t(i);
        const Answer a = eval.evaluate(q);
        std::vector<Answer> ref;
        direct.evaluate({&q}, ref);
        if (!(a.actions == ref[0].actions) || a.priors != ref[0].priors || a.value != ref[0].value) ++mismatches;
      }
    });
  for (auto& th : pool) th.join();
  return mismatches.load();
}

}  // namespace

BOOST_AUTO_TEST_CASE(strassen_oracle_finds_rank_7) {
  // Also with one simulation, which only expands the root: the move is then the action of highest
  // prior, and the oracle gives Strassen's terms the most mass.
  for (int simulations : {64, 1}) {
    for (Field field : {Field::Z, Field::Z2}) {
      const Scheme strassen = field == Field::Z ? strassen_scheme() : strassen_scheme().reduced_mod(Field::Z2);
      OracleNetwork net(scheme_actions(strassen), 8, 0.3f);
      BatchingEvaluator eval(net, 4);
      GameConfig game;
      game.field = field;
      game.r_limit = 12;
      SearchConfig cfg;
      cfg.simulations = simulations;
      const GameRecord g = play_game(matmul_tensor(Format{2, 2, 2}), game, cfg, eval, 1);
      BOOST_TEST(g.solved);
      BOOST_TEST(g.actions.size() == 7u);
      BOOST_TEST(g.total_return == -7.0f);
      BOOST_TEST(verify(scheme_of_actions(Format{2, 2, 2}, field, g.actions)).ok);
      BOOST_TEST(g.moves.front().return_to_go == -7.0f);
      BOOST_TEST(g.moves.back().return_to_go == -1.0f);
    }
  }
}

BOOST_AUTO_TEST_CASE(oracle_finds_a_scheme_in_a_changed_basis) {
  // The game is played on (A⊗A⊗A)·T; the oracle knows the moved Strassen terms; mapping the
  // found actions back through the inverses verifies in the canonical basis.
  Rng rng(4);
  const BasisChange b = sample_basis_change(4, 4, 4, Field::Z, BasisConfig{0.3, true}, rng);
  const Scheme moved = change_basis(strassen_scheme(), b.A, b.B, b.C);
  OracleNetwork net(scheme_actions(moved), 4, 0.2f);
  BatchingEvaluator eval(net, 4);
  GameConfig game;
  game.r_limit = 12;
  game.coefficient_bound = 127;
  SearchConfig cfg;
  cfg.simulations = 64;
  const TensorI8 start = transform_tensor(matmul_tensor(Format{2, 2, 2}), b.A, b.B, b.C, Field::Z);
  const GameRecord g = play_game(start, game, cfg, eval, 3);
  BOOST_TEST(g.solved);
  const Scheme found = scheme_of_actions(Format{2, 2, 2}, Field::Z, g.actions);
  const Scheme back = change_basis(found, inverse(b.A, Field::Z), inverse(b.B, Field::Z), inverse(b.C, Field::Z));
  BOOST_TEST(verify(back).ok);
  BOOST_TEST(back.rank() == 7);
}

BOOST_AUTO_TEST_CASE(fixed_seed_gives_the_same_game) {
  UniformNetwork net(16);
  BatchingEvaluator eval(net, 1);
  GameConfig game;
  game.r_limit = 10;
  SearchConfig cfg;
  cfg.simulations = 24;
  const GameRecord a = play_game(matmul_tensor(Format{2, 2, 2}), game, cfg, eval, 77);
  const GameRecord b = play_game(matmul_tensor(Format{2, 2, 2}), game, cfg, eval, 77);
  BOOST_TEST(game_hash(a) == game_hash(b));
  BOOST_TEST(a.total_return == b.total_return);
  BOOST_TEST(a.actions.size() <= 10u);
  BOOST_TEST(a.total_return <= -float(a.actions.size()));
}

BOOST_AUTO_TEST_CASE(parallel_self_play_equals_serial) {
  UniformNetwork net(16);
  GameConfig game;
  game.r_limit = 8;
  SearchConfig cfg;
  cfg.simulations = 16;
  std::vector<TensorI8> starts;
  for (const Format& f : {Format{2, 2, 2}, Format{2, 2, 3}, Format{1, 2, 3}, Format{2, 2, 2}, Format{3, 2, 1}, Format{2, 3, 2}})
    starts.push_back(matmul_tensor(f));
  BatchingEvaluator serial_eval(net, 1);
  const auto serial = play_games(starts, game, cfg, serial_eval, 5, 1);
  BatchingEvaluator parallel_eval(net, 6, std::chrono::microseconds(500));
  const auto parallel = play_games(starts, game, cfg, parallel_eval, 5, 6);
  BOOST_TEST_REQUIRE(serial.size() == parallel.size());
  for (size_t i = 0; i < serial.size(); ++i) {
    BOOST_TEST(game_hash(serial[i]) == game_hash(parallel[i]), "game " << i);
    BOOST_TEST(serial[i].total_return == parallel[i].total_return);
  }
  BOOST_TEST(parallel_eval.stats().mean_batch() > 1.0);
}

// Network replicas (one dispatcher each) change where a query runs, not its answer: games through
// two real-network replicas equal those through the network itself.
BOOST_AUTO_TEST_CASE(replicas_play_the_same_games) {
  const nn::ModelConfig mc = nn::make_config("cpu", {"S=4", "field=Z2", "c=8", "dec_heads=1", "dropout=0"});
  nn::CpuBackend<float> be;
  nn::Network net(mc, be, 4);
  GameConfig game;
  game.field = Field::Z2;
  game.coefficient_bound = mc.coefficient_bound;
  game.r_limit = 6;
  SearchConfig cfg;
  cfg.simulations = 8;
  const std::vector<TensorI8> starts(4, matmul_tensor(Format{2, 2, 2}));
  auto play = [&](int replicas) {
    NeuralReplicas nets(net, replicas, 4, 1.0);
    BatchingEvaluator eval(nets.networks(), 2, std::chrono::microseconds(300));
    return play_games(starts, game, cfg, eval, 9, 4);
  };
  const auto one = play(1), two = play(2);
  for (size_t i = 0; i < one.size(); ++i) {
    BOOST_TEST(!one[i].actions.empty());
    BOOST_TEST(game_hash(one[i]) == game_hash(two[i]), "game " << i);
  }
}

BOOST_AUTO_TEST_CASE(batching_evaluator_under_many_threads) {
  UniformNetwork net(8);
  BatchingEvaluator eval(net, 16, std::chrono::microseconds(1000));
  const int threads = 24, per_thread = 100;
  BOOST_TEST(mismatches_from_threads(eval, threads, per_thread) == 0);
  const EvaluatorStats st = eval.stats();
  BOOST_TEST(st.queries == long(threads * per_thread));
  BOOST_TEST(st.mean_batch() > 1.5);
}

// A network that must not be called from two threads at once (as a replica): counts overlaps.
class ExclusiveNetwork : public Network {
 public:
  void evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) override {
    if (busy_.exchange(true)) ++overlaps;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    inner_.evaluate(batch, out);
    ++calls;
    busy_ = false;
  }
  std::atomic<int> overlaps{0}, calls{0};

 private:
  std::atomic<bool> busy_{false};
  UniformNetwork inner_{8};
};

// The pooled evaluator lends each replica to one caller at a time, and answers as the network does.
BOOST_AUTO_TEST_CASE(pooled_evaluator_lends_each_replica_to_one_caller) {
  ExclusiveNetwork nets[3];
  PooledEvaluator eval({&nets[0], &nets[1], &nets[2]});
  const int threads = 8, per_thread = 50;
  BOOST_TEST(mismatches_from_threads(eval, threads, per_thread) == 0);
  int calls = 0;
  for (const ExclusiveNetwork& n : nets) {
    BOOST_TEST(n.overlaps.load() == 0);
    calls += n.calls.load();
  }
  BOOST_TEST(calls == threads * per_thread);
  BOOST_TEST(eval.stats().queries == long(threads * per_thread));
}

BOOST_AUTO_TEST_CASE(transposition_table_merges_orders) {
  const Scheme s = strassen_scheme();
  const auto acts = scheme_actions(s);
  const TensorI8 t = matmul_tensor(s.format);
  const TensorI8 ab = TensorGame::apply(TensorGame::apply(t, acts[0], Field::Z), acts[1], Field::Z);
  const TensorI8 ba = TensorGame::apply(TensorGame::apply(t, acts[1], Field::Z), acts[0], Field::Z);
  BOOST_TEST((state_key(ab, 2) == state_key(ba, 2)));
  BOOST_TEST(!(state_key(ab, 2) == state_key(ab, 3)));  // same residual, other depth: other node
  Tree tree;
  tree.reset(4, 4, 4);
  const int32_t x = tree.find_or_add(state_key(ab, 2));
  BOOST_TEST(tree.find_or_add(state_key(ba, 2)) == x);
  BOOST_TEST(tree.num_nodes() == 1u);
  // Interning stores each action once.
  BOOST_TEST(tree.actions().intern(acts[0]) == tree.actions().intern(acts[0]));
  BOOST_TEST((tree.actions().get(tree.actions().intern(acts[3])) == acts[3]));
}

BOOST_AUTO_TEST_CASE(subtree_reuse_keeps_statistics) {
  OracleNetwork net(scheme_actions(strassen_scheme()), 4, 0.2f);
  BatchingEvaluator eval(net, 1);
  GameConfig game;
  game.r_limit = 12;
  SearchConfig cfg;
  cfg.simulations = 100;
  Search search(cfg, game, eval);
  TensorGame g(matmul_tensor(Format{2, 2, 2}), game);
  search.reset(g.state());
  Rng rng(1);
  search.run(g.state(), g.history(), rng);
  std::vector<Action> acts;
  std::vector<float> probs;
  search.improved_policy(&acts, &probs);
  float sum = 0;
  for (float p : probs) sum += p;
  BOOST_TEST(sum == 1.0f, boost::test_tools::tolerance(1e-5f));
  const Action a = search.select_action(rng);
  g.step(a);
  const long evals_before = search.stats().evaluations;
  search.advance(a, g.state(), g.moves());
  search.run(g.state(), g.history(), rng);
  // The child's subtree was kept: fewer new evaluations than simulations.
  BOOST_TEST(search.stats().evaluations - evals_before < long(cfg.simulations));
  BOOST_TEST(search.stats().bytes > 0u);
}

namespace {
// Proposes one action twice, in both sign forms (0.3 each), and another once (0.4).
class SignTwinNetwork : public Network {
 public:
  void evaluate(const std::vector<const Query*>& batch, std::vector<Answer>& out) override {
    const auto acts = scheme_actions(strassen_scheme());
    Action twin = acts[0];
    for (auto& x : twin.u) x = int8_t(-x);
    for (auto& x : twin.v) x = int8_t(-x);
    out.assign(batch.size(), Answer{-7.0f, {acts[0], twin, acts[1]}, {0.3f, 0.3f, 0.4f}});
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(sign_twins_merge_their_priors) {
  // (−u)⊗(−v)⊗w is u⊗v⊗w: one edge with prior 0.6, which PUCT visits before the 0.4 one.
  SignTwinNetwork net;
  BatchingEvaluator eval(net, 1);
  GameConfig game;
  game.r_limit = 12;
  SearchConfig cfg;
  cfg.simulations = 2;  // the first expands the root, the second visits its best-scored child
  Search search(cfg, game, eval);
  const TensorI8 t = matmul_tensor(Format{2, 2, 2});
  search.reset(t);
  Rng rng(1);
  search.run(t, {}, rng);
  std::vector<Action> acts;
  std::vector<float> probs;
  search.improved_policy(&acts, &probs);
  BOOST_TEST_REQUIRE(acts.size() == 1u);
  Action first = scheme_actions(strassen_scheme())[0];
  canonicalize(first, Field::Z);
  BOOST_TEST((acts[0] == first));
}
