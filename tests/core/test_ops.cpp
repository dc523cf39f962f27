#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>

#include "core/builtin.hpp"
#include "core/game.hpp"
#include "core/ops.hpp"
#include "core/rng.hpp"
#include "core/scheme_io.hpp"
#include "core/synthetic.hpp"
#include "helpers.hpp"

using namespace at;

BOOST_AUTO_TEST_SUITE(ops)

BOOST_AUTO_TEST_CASE(all_six_permutations_stay_valid) {
  const Scheme s = read_scheme(shared_dir() + "/schemes/2x3x4_r20_Z.json");
  const auto perms = all_permutations(s);
  BOOST_TEST(perms.size() == 6u);
  std::set<std::string> formats;
  for (const Scheme& p : perms) {
    BOOST_TEST(verify(p).ok, p.format.str());
    BOOST_TEST(p.rank() == 20);
    formats.insert(p.format.str());
  }
  BOOST_TEST(formats.size() == 6u);
  BOOST_TEST(to_format(s, Format{4, 2, 3}).format.str() == "4x2x3");
  BOOST_CHECK_THROW(to_format(s, Format{2, 2, 4}), std::invalid_argument);
  // Transposing twice and shifting three times give the scheme back.
  BOOST_TEST(transpose(transpose(s)).u == s.u);
  BOOST_TEST(cyclic_shift(cyclic_shift(cyclic_shift(s))).w == s.w);
}

BOOST_AUTO_TEST_CASE(strassen_squared_is_4x4x4_rank_49) {
  const Scheme s = kronecker(strassen_scheme(), strassen_scheme());
  BOOST_TEST(s.format.str() == "4x4x4");
  BOOST_TEST(s.rank() == 49);
  BOOST_TEST(verify(s).ok);
  const Scheme t = kronecker(naive_scheme(Format{1, 2, 3}), strassen_scheme());
  BOOST_TEST(t.format.str() == "2x4x6");
  BOOST_TEST(t.rank() == 42);
  BOOST_TEST(verify(t).ok);
}

BOOST_AUTO_TEST_CASE(direct_sums_split_every_axis) {
  const Scheme st = strassen_scheme();
  const Scheme s223 = direct_sum(naive_scheme(Format{2, 2, 1}), st, 2);
  BOOST_TEST(s223.format.str() == "2x2x3");
  BOOST_TEST(s223.rank() == 11);
  BOOST_TEST(verify(s223).ok);
  const Scheme s322 = direct_sum(st, naive_scheme(Format{1, 2, 2}), 0);
  BOOST_TEST(s322.format.str() == "3x2x2");
  BOOST_TEST(verify(s322).ok);
  const Scheme s232 = direct_sum(st, naive_scheme(Format{2, 1, 2}), 1);
  BOOST_TEST(s232.format.str() == "2x3x2");
  BOOST_TEST(verify(s232).ok);
  BOOST_CHECK_THROW(direct_sum(st, naive_scheme(Format{3, 1, 2}), 1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(change_of_basis_round_trip_is_exact) {
  for (Field f : {Field::Z, Field::Z2}) {
    Rng rng(7);
    Scheme s = read_scheme(shared_dir() + (f == Field::Z ? "/schemes/3x3x3_r23_Z.json" : "/schemes/3x3x3_r23_Z2.json"));
    BasisConfig cfg;
    cfg.p_offdiag = 0.1;  // denser than published, to exercise the arithmetic
    const BasisChange b = sample_basis_change(9, 9, 9, f, cfg, rng);
    const Scheme moved = change_basis(s, b.A, b.B, b.C);
    // The moved terms sum to the moved tensor.
    const TensorI8 t2 = transform_tensor(matmul_tensor(s.format), b.A, b.B, b.C, f);
    GameConfig gc;
    gc.field = f;
    gc.coefficient_bound = 100;
    TensorGame g(t2, gc);
    for (int r = 0; r < moved.rank(); ++r) {
      Action a;
      for (int i = 0; i < 9; ++i) {
        a.u.push_back(int8_t(moved.u_row(r)[i].num()));
        a.v.push_back(int8_t(moved.v_row(r)[i].num()));
        a.w.push_back(int8_t(moved.w_row(r)[i].num()));
      }
      g.step(a);
    }
    BOOST_TEST(g.solved());
    // The inverses map it back exactly.
    const Scheme back = change_basis(moved, inverse(b.A, f), inverse(b.B, f), inverse(b.C, f));
    BOOST_TEST(back.u == s.u);
    BOOST_TEST(back.v == s.v);
    BOOST_TEST(back.w == s.w);
  }
}

BOOST_AUTO_TEST_CASE(inverse_detects_singular_and_non_unimodular) {
  Mat m(2, 2);
  m(0, 0) = 2;
  m(1, 1) = 1;
  BOOST_CHECK_NO_THROW(inverse(m, Field::Q));
  BOOST_CHECK_THROW(inverse(m, Field::Z), std::domain_error);
  BOOST_CHECK_THROW(inverse(m, Field::Z2), std::domain_error);
  Rng rng(3);
  for (int t = 0; t < 50; ++t) {
    const Mat b = sample_basis_matrix(16, Field::Z, BasisConfig{0.1, true}, rng);
    BOOST_TEST((b * inverse(b, Field::Z) == Mat::identity(16)));
  }
}

BOOST_AUTO_TEST_CASE(symmetries_keep_schemes_valid) {
  Rng rng(11);
  for (const char* name : {"/schemes/2x3x4_r20_Z.json", "/schemes/3x3x3_r23_Z2.json", "/schemes/4x4x4_r49_Z.json"}) {
    const Scheme s = read_scheme(shared_dir() + name);
    for (int t = 0; t < 5; ++t) {
      const Scheme o = sandwich(s, random_signed_permutation(s.format.n, rng),
                                random_signed_permutation(s.format.m, rng), random_signed_permutation(s.format.p, rng));
      BOOST_TEST(verify(o).ok, name);
    }
  }
  // A non-permutation symmetry: X = [[1,1],[0,1]] applied to Strassen.
  Mat X = Mat::identity(2);
  X(0, 1) = 1;
  BOOST_TEST(verify(sandwich(strassen_scheme(), X, Mat::identity(2), X)).ok);
}

// Over GF(2) every rank-7 scheme of 2x2x2 is Strassen's under a symmetry (de Groote). Its orbit
// under GL2(F2)^3 sandwiches, cyclic shifts and transposition holds 36 schemes with 252 distinct
// terms, each term in exactly one scheme: after its first move, a game that ends in rank 7 has
// exactly one way to go on, 6 terms out of the 3375 of the game (why self-play rarely finds it).
BOOST_AUTO_TEST_CASE(strassen_orbit_mod2_has_36_schemes_and_252_terms) {
  const std::vector<Scheme> orbit = strassen_orbit_mod2();
  BOOST_TEST(orbit.size() == 36u);
  std::map<std::string, int> count;
  for (const Scheme& m : orbit) {
    BOOST_TEST_REQUIRE(verify(m, Field::Z2).ok);
    const std::set<std::string> terms = term_keys_mod2(m);
    BOOST_TEST_REQUIRE(terms.size() == 7u);
    for (const std::string& t : terms) ++count[t];
  }
  BOOST_TEST(count.size() == 252u);
  for (const auto& [term, n] : count) BOOST_TEST(n == 1, term);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(exact_ranks_of_products_of_random_matrices) {
  Rng rng(21);
  for (int t = 0; t < 200; ++t) {
    const int rows = int(rng.uniform_int(1, 16)), cols = int(rng.uniform_int(1, 16)), k = int(rng.uniform_int(1, 16));
    const int64_t big = t % 4 == 0 ? 1000000000 : 3;  // large entries overflow the 128-bit path
    std::vector<int64_t> x(size_t(rows) * k), y(size_t(k) * cols), m(size_t(rows) * cols, 0);
    for (auto& e : x) e = rng.uniform_int(-big, big);
    for (auto& e : y) e = rng.uniform_int(-3, 3);
    for (int i = 0; i < rows; ++i)
      for (int l = 0; l < k; ++l)
        for (int j = 0; j < cols; ++j) m[size_t(i) * cols + j] += x[size_t(i) * k + l] * y[size_t(l) * cols + j];
    const int r = rank_q(m, rows, cols);
    BOOST_TEST(r == std::min({rows, cols, k}));  // random factors are full rank (fixed seed)
    // Transposing never changes the rank.
    std::vector<int64_t> mt(m.size());
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) mt[size_t(j) * rows + i] = m[size_t(i) * cols + j];
    BOOST_TEST(rank_q(mt, cols, rows) == r);
    // Mod 2 the rank can only drop.
    BOOST_TEST(rank_gf2(m, rows, cols) <= r);
  }
  // Known ranks.
  BOOST_TEST(rank_q({1, 2, 2, 4}, 2, 2) == 1);
  BOOST_TEST(rank_q({2, 0, 0, 2}, 2, 2) == 2);
  BOOST_TEST(rank_gf2({2, 0, 0, 2}, 2, 2) == 0);
  BOOST_TEST(rank_q({0, 1, 0, 0, 0, 1, 0, 0, 0}, 3, 3) == 2);
  BOOST_TEST(rank_q({4000000000000LL, 3, 8000000000001LL, 6}, 2, 2) == 2);
}
