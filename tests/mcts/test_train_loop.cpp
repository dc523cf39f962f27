// The one-process training loop (mcts/trainer.hpp): with replicas each round of games plays beside
// the learner's steps for the round before it, and a fixed seed still gives the same run.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

#include "mcts/trainer.hpp"
#include "nn/cpu_backend.hpp"

using namespace at;
using namespace at::mcts;

namespace {

struct Run {
  std::vector<float> params;
  long games = 0, simulations = 0, max_lag = 0;
};

// A tiny network on 2x2x2 mod 2, 2 threads and 2 replicas, 6 learner steps of 2 per round.
Run train_tiny(bool overlap) {
  char tmpl[] = "/tmp/alphatensor_loop_XXXXXX";
  BOOST_TEST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  const nn::ModelConfig mc = nn::make_config(
      "small", {"S=4", "field=Z2", "c=16", "torso_layers=1", "torso_heads=2", "torso_head_dim=8", "dec_layers=1",
                "dec_heads=2", "dec_head_dim=8", "value_width=16", "token_d=3"});
  nn::CpuBackend<float> backend;
  nn::Network net(mc, backend, 1);
  TrainConfig tc;
  tc.targets = {Format{2, 2, 2}};
  tc.field = Field::Z2;
  tc.out_dir = tmpl;
  tc.threads = 2;
  tc.replicas = 2;
  tc.overlap = overlap;
  tc.time_limit = 0;
  tc.max_steps = 6;
  tc.search.simulations = 4;
  tc.samples = 4;
  tc.games_per_iteration = 2;
  tc.concurrent_games = 2;
  tc.steps_per_iteration = 2;
  tc.batch_size = 8;
  Run run;
  {
    Trainer trainer(tc, net);
    const std::atomic<bool> stop{false};
    trainer.run(stop, [&](const TrainProgress& p, bool) {
      for (const TrainProgress::Actor& a : p.actors) run.max_lag = std::max(run.max_lag, a.weights_lag);
    });
    run.games = trainer.progress().games;
    run.simulations = trainer.progress().simulations;
  }
  run.params = net.get_params();
  std::system((std::string("rm -rf ") + tmpl).c_str());
  return run;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_loop)

BOOST_AUTO_TEST_CASE(rounds_beside_the_learner_are_deterministic_and_one_iteration_behind) {
  const Run a = train_tiny(true), b = train_tiny(true);
  BOOST_TEST(a.games > 0);
  BOOST_TEST(a.simulations >= a.games);
  BOOST_TEST(a.games == b.games);
  BOOST_TEST(a.simulations == b.simulations);
  BOOST_TEST((a.params == b.params));
  // A round played beside the learner's steps used the weights from before them: its report,
  // taken after the next steps, lags two iterations; taking turns, one.
  BOOST_TEST(a.max_lag == 4);
  const Run seq = train_tiny(false);
  BOOST_TEST(seq.max_lag == 2);
  BOOST_TEST(seq.games > 0);
}

BOOST_AUTO_TEST_SUITE_END()
