#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <utility>

#include "core/builtin.hpp"
#include "core/ops.hpp"
#include "core/rng.hpp"
#include "core/symmetry.hpp"
#include "core/tensor.hpp"
#include "helpers.hpp"

using namespace at;

namespace {

std::pair<int, int> counts(const Scheme& s, Field over) {
  const auto o = cyclic_orbits(s, over);
  BOOST_TEST_REQUIRE(o.has_value());
  return {int(o->fixed.size()), int(o->orbits.size())};
}

// The invariant members of Strassen's orbit mod 2, the one with the fewest fixed terms first.
std::vector<Scheme> invariant_strassens() {
  std::vector<Scheme> out;
  for (const Scheme& s : strassen_orbit_mod2())
    if (cyclic_orbits(s)) out.push_back(s);
  std::sort(out.begin(), out.end(),
            [](const Scheme& a, const Scheme& b) { return cyclic_orbits(a)->fixed.size() < cyclic_orbits(b)->fixed.size(); });
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(symmetry)

// Our layout (u: A row-major, v: B row-major, w: C transposed) makes T(n,n,n) the trace form
// tr(ABC), invariant under (a, b, c) -> (b, c, a).
BOOST_AUTO_TEST_CASE(matmul_tensor_is_cyclic_invariant_in_our_layout) {
  for (int n = 1; n <= 4; ++n) {
    const TensorI8 t = matmul_tensor(Format{n, n, n});
    const int d = n * n;
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b)
        for (int c = 0; c < d; ++c) BOOST_TEST_REQUIRE(t(a, b, c) == t(b, c, a));
  }
}

BOOST_AUTO_TEST_CASE(naive_schemes_have_n_fixed_terms) {
  for (int n = 1; n <= 5; ++n) {
    const Scheme s = naive_scheme(Format{n, n, n});
    for (Field f : {Field::Z, Field::Z2, Field::Z3, Field::Q})
      BOOST_TEST((counts(s, f) == std::make_pair(n, (n * n * n - n) / 3)));
    BOOST_TEST(cyclic_summary(s, Field::Z) ==
               "cyclic-invariant: yes (" + std::to_string(n) + " fixed, " + std::to_string((n * n * n - n) / 3) + " orbits)");
  }
}

// The diagonal products grouped into fixed terms (Σ_{i∈P} E_ii)^⊗3: a valid invariant scheme with
// one fixed term per part, over Z and mod 2 and 3; sizes 1,...,1 are the naive scheme.
BOOST_AUTO_TEST_CASE(diagonal_starts_have_one_fixed_term_per_part) {
  const std::vector<std::pair<int, std::vector<int>>> cases = {
      {2, {2}}, {3, {1, 2}}, {4, {2, 2}}, {4, {4}}, {5, {2, 2, 1}}, {5, {1, 1, 1, 1, 1}}, {6, {2, 2, 2}}};
  for (const auto& [n, sizes] : cases) {
    int orbits = (n * n * n - n) / 3;
    for (int k : sizes) orbits += (k * k * k - k) / 3;
    for (Field f : {Field::Z, Field::Z2, Field::Z3}) {
      const Scheme s = cyclic_diagonal_scheme(n, sizes, f);
      BOOST_TEST_REQUIRE(verify(s).ok, n << " " << field_name(f));
      BOOST_TEST((counts(s, f) == std::make_pair(int(sizes.size()), orbits)));
    }
  }
  BOOST_TEST(cyclic_diagonal_scheme(3, {1, 1, 1}).rank() == 27);
  BOOST_CHECK_THROW(cyclic_diagonal_scheme(5, {2, 2}), std::invalid_argument);
  BOOST_CHECK_THROW(cyclic_diagonal_scheme(3, {0, 3}), std::invalid_argument);
  BOOST_TEST((parse_diagonal_sizes("2,2,1") == std::vector<int>{2, 2, 1}));
  for (const char* bad : {"", "2,,1", "2,x", "-1,6", "2,"}) BOOST_CHECK_THROW(parse_diagonal_sizes(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(invariance_is_up_to_the_scaling_of_each_term) {
  Scheme s = naive_scheme(Format{2, 2, 2});
  s.field = Field::Q;
  for (int i = 0; i < 4; ++i) {  // term 3: (2u)⊗(-v)⊗(-w/2), the same rank-one tensor
    s.u_row(3)[i] *= Rational(2);
    s.v_row(3)[i] *= Rational(-1);
    s.w_row(3)[i] *= Rational(-1, 2);
  }
  BOOST_TEST(verify(s).ok);
  BOOST_TEST(cyclic_orbits(s).has_value());
  for (int i = 0; i < 4; ++i) s.w_row(3)[i] *= Rational(3);  // now 3 times the term: not a scheme, not invariant
  BOOST_TEST(!cyclic_orbits(s).has_value());
  // Mod 3: (-u)⊗v⊗(-w) is u⊗v⊗w.
  Scheme m = naive_scheme(Format{2, 2, 2}).reduced_mod(Field::Z3);
  for (int i = 0; i < 4; ++i) m.u_row(5)[i] = -m.u_row(5)[i], m.w_row(5)[i] = -m.w_row(5)[i];
  BOOST_TEST(cyclic_orbits(m).has_value());
}

BOOST_AUTO_TEST_CASE(three_members_of_strassens_orbit_are_invariant) {
  const std::vector<Scheme> inv = invariant_strassens();
  BOOST_TEST_REQUIRE(inv.size() == 3u);
  BOOST_TEST((counts(inv[0], Field::Z2) == std::make_pair(1, 2)));
  BOOST_TEST((counts(inv[1], Field::Z2) == std::make_pair(4, 1)));
  BOOST_TEST((counts(inv[2], Field::Z2) == std::make_pair(4, 1)));
}

// Strassen's scheme as usually written (M1 = (a11+a22)(b11+b22), ...) is invariant in our layout,
// signs included: M1 is fixed, the other six terms form two orbits; it is the first of the three
// mod 2. A basis change on one mode only breaks the symmetry.
BOOST_AUTO_TEST_CASE(strassen_as_written_is_invariant_and_a_one_mode_basis_change_is_not) {
  BOOST_TEST((counts(strassen_scheme(), Field::Z) == std::make_pair(1, 2)));
  BOOST_TEST(term_keys_mod2(strassen_scheme().reduced_mod(Field::Z2)) == term_keys_mod2(invariant_strassens()[0]));
  Mat x = Mat::identity(2);
  x(0, 1) = 1;
  const Scheme s = sandwich(strassen_scheme(), Mat::identity(2), x, Mat::identity(2));
  BOOST_TEST(verify(s).ok);
  BOOST_TEST(!cyclic_orbits(s).has_value());
  BOOST_TEST(!cyclic_orbits(s, Field::Z2).has_value());
  BOOST_TEST(cyclic_summary(s, Field::Z) == "cyclic-invariant: no");
}

BOOST_AUTO_TEST_CASE(strassen_squared_from_an_invariant_one_is_invariant) {
  const Scheme s = invariant_strassens()[0];
  const Scheme s49 = kronecker(s, s);
  BOOST_TEST(verify(s49, Field::Z2).ok);
  BOOST_TEST((counts(s49, Field::Z2) == std::make_pair(1, 16)));  // 49 = 1 + 3·16
}

BOOST_AUTO_TEST_CASE(generators_and_closure_are_inverse) {
  for (const Scheme& s : {naive_scheme(Format{3, 3, 3}), invariant_strassens()[0], invariant_strassens()[1]}) {
    const auto o = cyclic_orbits(s);
    BOOST_TEST_REQUIRE(o.has_value());
    const Scheme g = cyclic_generators(s, *o);
    BOOST_TEST(g.rank() == int(o->fixed.size() + o->orbits.size()));
    const Scheme back = cyclic_closure(g);
    BOOST_TEST(back.rank() == s.rank());
    BOOST_TEST(verify(back).ok);
    BOOST_TEST(cyclic_orbits(back).has_value());
  }
}

BOOST_AUTO_TEST_CASE(the_same_basis_on_all_modes_keeps_invariance) {
  Rng rng(5);
  const Scheme naive = naive_scheme(Format{3, 3, 3});
  for (int t = 0; t < 10; ++t) {
    const Scheme o = cyclic_sandwich(naive, random_signed_permutation(3, rng));
    BOOST_TEST(verify(o).ok);
    BOOST_TEST((counts(o, Field::Z) == std::make_pair(3, 8)));
    const Scheme p = cyclic_change_basis(naive, random_signed_permutation(9, rng));
    BOOST_TEST(cyclic_orbits(p).has_value());  // a scheme of (P⊗P⊗P)·T, still invariant
  }
  Mat x = Mat::identity(2);  // a non-permutation basis, on an invariant Strassen mod 2
  x(0, 1) = 1;
  const Scheme s = cyclic_sandwich(invariant_strassens()[0], x).reduced_mod(Field::Z2);
  BOOST_TEST(verify(s).ok);
  BOOST_TEST(cyclic_orbits(s).has_value());
}

BOOST_AUTO_TEST_CASE(non_square_formats_are_rejected_with_one_line) {
  const Scheme s = naive_scheme(Format{2, 3, 4});
  try {
    cyclic_orbits(s);
    BOOST_FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()) == "cyclic symmetry needs a square format n,n,n, not 2x3x4");
  }
  BOOST_TEST(cyclic_summary(s, Field::Z).empty());
}

BOOST_AUTO_TEST_SUITE_END()
