#include <boost/test/unit_test.hpp>

#include "core/game.hpp"
#include "core/rng.hpp"
#include "core/synthetic.hpp"

using namespace at;

BOOST_AUTO_TEST_SUITE(synthetic)

// The generator must give the same numbers on every machine: golden values pin it down.
BOOST_AUTO_TEST_CASE(rng_golden_values) {
  Rng rng(42);
  const uint64_t a = rng.next(), b = rng.next();
  BOOST_TEST(a == 1546998764402558742ULL);
  Rng again(42);
  BOOST_TEST(again.next() == a);
  BOOST_TEST(again.next() == b);
  Rng g(1);
  std::vector<int64_t> draws;
  for (int i = 0; i < 8; ++i) draws.push_back(g.uniform_int(-2, 2));
  const std::vector<int64_t> golden = {0, 0, -2, 1, -1, 0, -1, 2};
  BOOST_TEST(draws == golden, boost::test_tools::per_element());
  BOOST_TEST(Rng::stream(5, 1).next() != Rng::stream(5, 2).next());
}

BOOST_AUTO_TEST_CASE(demonstrations_are_solved_by_their_actions) {
  for (Field f : {Field::Z, Field::Z2}) {
    Rng rng(3);
    SyntheticConfig cfg;
    cfg.max_rank = 30;
    for (int t = 0; t < 50; ++t) {
      const Demonstration d = sample_demonstration(9, 9, 9, f, cfg, rng);
      BOOST_TEST((d.actions.size() >= 1u && d.actions.size() <= 30u));
      GameConfig gc;
      gc.field = f;
      gc.coefficient_bound = 2;
      TensorGame g(d.tensor, gc);
      for (const Action& a : d.actions) {
        BOOST_TEST(is_canonical(a, f));
        g.step(a);
      }
      BOOST_TEST(g.solved());
    }
  }
}

BOOST_AUTO_TEST_CASE(demonstration_golden_value) {
  Rng rng(123);
  const Demonstration d = sample_demonstration(4, 4, 4, Field::Z, SyntheticConfig{}, rng);
  uint64_t h = 0;
  for (size_t i = 0; i < d.tensor.size(); ++i) h = h * 31 + uint64_t(int64_t(d.tensor.data()[i]));
  BOOST_TEST(d.actions.size() == 123u);
  BOOST_TEST(h == 16682356576214869278ULL);
}

BOOST_AUTO_TEST_CASE(same_seed_same_demonstration) {
  Rng a(123), b(123);
  const SyntheticConfig cfg;
  for (int t = 0; t < 5; ++t) {
    const Demonstration x = sample_demonstration(16, 16, 16, Field::Z, cfg, a);
    const Demonstration y = sample_demonstration(16, 16, 16, Field::Z, cfg, b);
    BOOST_TEST((x.tensor == y.tensor));
    BOOST_TEST(x.actions.size() == y.actions.size());
  }
}

BOOST_AUTO_TEST_CASE(entry_distribution_matches_the_published_one) {
  Rng rng(17);
  SyntheticConfig cfg;
  cfg.max_rank = 1;
  long counts[5] = {0, 0, 0, 0, 0}, total = 0;
  for (int t = 0; t < 20000; ++t) {
    const Demonstration d = sample_demonstration(25, 25, 25, Field::Z, cfg, rng);
    for (const auto* x : {&d.actions[0].u, &d.actions[0].v})  // w carries moved signs
      for (int8_t e : *x) {
        ++counts[e + 2];
        ++total;
      }
  }
  // Non-zero rejection shifts p(0) down slightly for 25 entries: (0.8 - 0.8^26)/(1 - 0.8^25).
  const double p0 = double(counts[2]) / total;
  BOOST_TEST(p0 == 0.7992, boost::test_tools::tolerance(0.005));
  BOOST_TEST(double(counts[0] + counts[4]) / total == 0.002, boost::test_tools::tolerance(0.3));
}

BOOST_AUTO_TEST_CASE(basis_pool_is_reproducible_and_invertible) {
  const BasisPool pool(99, 1000, 0.0);
  Rng rng(1);
  for (int t = 0; t < 20; ++t) {
    const int i = pool.draw(rng);
    BOOST_TEST((i >= 0 && i < 1000));
    const BasisChange a = pool.get(i, 4, 4, 4, Field::Z), b = pool.get(i, 4, 4, 4, Field::Z);
    BOOST_TEST((a.A == b.A));
    BOOST_TEST((a.A == a.B));  // the paper's A = B = C for equal mode sizes
    BOOST_TEST((a.A * inverse(a.A, Field::Z) == Mat::identity(4)));
  }
  const BasisChange c = pool.get(-1, 2, 3, 4, Field::Z);
  BOOST_TEST((c.B == Mat::identity(3)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(mod2_demonstration_density_is_configurable) {
  // Long factors (16 entries) so that rejecting all-zero ones barely moves the density.
  for (double p0 : {0.5, 0.8}) {
    SyntheticConfig cfg;
    cfg.p_zero_mod2 = p0;
    Rng rng(9);
    long ones = 0, entries = 0;
    for (int t = 0; t < 2000; ++t) {
      const Action a = sample_action(16, 16, 16, Field::Z2, cfg, rng);
      for (const auto* x : {&a.u, &a.v, &a.w})
        for (int8_t e : *x) {
          ones += e;
          ++entries;
        }
    }
    BOOST_TEST(double(ones) / double(entries) == 1.0 - p0, boost::test_tools::tolerance(0.05));
  }
}
