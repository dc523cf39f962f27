// Every backend op against central finite differences in double precision, attention masking,
// and AdamW against a hand-computed step.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>

#include "core/rng.hpp"
#include "nn/cpu_backend.hpp"

using namespace at;
using namespace at::nn;

namespace {

using Vec = std::vector<double>;
using Inputs = std::vector<Vec>;

Vec random_vec(size_t n, Rng& rng, double scale = 1.0) {
  Vec v(n);
  for (double& x : v) x = scale * (2 * rng.uniform01() - 1);
  return v;
}

// Checks the backward pass of y = forward(inputs) for the scalar L = Σ r·y (r random): the
// analytic gradient (backward(inputs, dy = r, grads) accumulating into zeroed grads) against
// central differences of every entry of the inputs listed in `check`.
void check_gradients(Inputs inputs, const std::function<Vec(Inputs&)>& forward,
                     const std::function<void(Inputs&, const Vec&, Inputs&)>& backward, const std::vector<int>& check,
                     double tol = 1e-6) {
  Rng rng(99);
  const Vec y = forward(inputs);
  const Vec r = random_vec(y.size(), rng);
  Inputs grads;
  for (const Vec& x : inputs) grads.emplace_back(x.size(), 0.0);
  backward(inputs, r, grads);
  auto L = [&]() {
    const Vec out = forward(inputs);
    double s = 0;
    for (size_t i = 0; i < out.size(); ++i) s += r[i] * out[i];
    return s;
  };
  const double eps = 1e-6;
  for (int which : check) {
    double worst = 0;
    for (size_t i = 0; i < inputs[which].size(); ++i) {
      const double keep = inputs[which][i];
      inputs[which][i] = keep + eps;
      const double up = L();
      inputs[which][i] = keep - eps;
      const double down = L();
      inputs[which][i] = keep;
      const double numeric = (up - down) / (2 * eps);
      worst = std::max(worst, std::abs(numeric - grads[which][i]) / std::max(1.0, std::abs(numeric)));
    }
    BOOST_TEST_INFO("input " << which);
    BOOST_TEST(worst < tol);
  }
}

CpuBackend<double> be;

}  // namespace

BOOST_AUTO_TEST_SUITE(ops)

BOOST_AUTO_TEST_CASE(linear_gradients) {
  Rng rng(1);
  const int M = 70, K = 5, N = 67;  // more rows and columns than one chunk
  check_gradients(
      {random_vec(M * K, rng), random_vec(K * N, rng), random_vec(N, rng)},
      [&](Inputs& in) {
        Vec y(M * N);
        be.linear_forward(in[0].data(), in[1].data(), in[2].data(), y.data(), M, K, N);
        return y;
      },
      [&](Inputs& in, const Vec& dy, Inputs& g) {
        be.linear_backward(in[0].data(), in[1].data(), dy.data(), g[0].data(), g[1].data(), g[2].data(), M, K, N);
      },
      {0, 1, 2});
}

BOOST_AUTO_TEST_CASE(layernorm_gradients) {
  Rng rng(2);
  const int rows = 9, cols = 7;
  check_gradients(
      {random_vec(rows * cols, rng), random_vec(cols, rng), random_vec(cols, rng)},
      [&](Inputs& in) {
        Vec y(rows * cols), mean(rows), rstd(rows);
        be.layernorm_forward(in[0].data(), in[1].data(), in[2].data(), y.data(), mean.data(), rstd.data(), rows, cols);
        return y;
      },
      [&](Inputs& in, const Vec& dy, Inputs& g) {
        Vec y(rows * cols), mean(rows), rstd(rows);
        be.layernorm_forward(in[0].data(), in[1].data(), in[2].data(), y.data(), mean.data(), rstd.data(), rows, cols);
        be.layernorm_backward(in[0].data(), in[1].data(), mean.data(), rstd.data(), dy.data(), g[0].data(), g[1].data(),
                              g[2].data(), rows, cols);
      },
      {0, 1, 2});
}

BOOST_AUTO_TEST_CASE(activation_and_dropout_gradients) {
  Rng rng(3);
  const size_t n = 50;
  Vec x = random_vec(n, rng, 3.0);
  for (double& v : x)
    if (std::abs(v) < 0.01) v = 0.5;  // away from the ReLU kink
  check_gradients(
      {x}, [&](Inputs& in) { Vec y(n); be.gelu_forward(in[0].data(), y.data(), n); return y; },
      [&](Inputs& in, const Vec& dy, Inputs& g) { be.gelu_backward(in[0].data(), dy.data(), g[0].data(), n); }, {0});
  check_gradients(
      {x}, [&](Inputs& in) { Vec y(n); be.relu_forward(in[0].data(), y.data(), n); return y; },
      [&](Inputs& in, const Vec& dy, Inputs& g) { be.relu_backward(in[0].data(), dy.data(), g[0].data(), n); }, {0});
  Vec mask(n);
  check_gradients(
      {x}, [&](Inputs& in) { Vec y(n); be.dropout_forward(in[0].data(), y.data(), mask.data(), n, 0.3, 7); return y; },
      [&](Inputs& in, const Vec& dy, Inputs& g) { be.dropout_backward(mask.data(), dy.data(), g[0].data(), n); }, {0});
  int dropped = 0;
  for (double m : mask) dropped += m == 0;
  BOOST_TEST((dropped > 5 && dropped < 30));
}

BOOST_AUTO_TEST_CASE(attention_gradients) {
  Rng rng(4);
  for (bool causal : {false, true}) {
    AttentionShape s;
    s.batch = 4;
    s.kv_group = 2;
    s.heads = 2;
    s.head_dim = 3;
    s.lq = causal ? 3 : 5;  // causal: the queries are the last 3 of 5 positions
    s.lk = causal ? 5 : 6;
    s.q_ld = 7;   // strided rows: heads·head_dim = 6 plus one unused column
    s.kv_ld = 6;
    s.o_ld = 6;
    s.kv_stride = (s.lk + 1) * s.kv_ld;  // a cache with a spare row per sequence
    s.causal = causal;
    const int key_len[2] = {6, 4};
    if (!causal) s.key_len = key_len;
    const int kvb = s.batch / s.kv_group;
    check_gradients(
        {random_vec(s.batch * s.lq * s.q_ld, rng), random_vec(kvb * s.kv_stride, rng),
         random_vec(kvb * s.kv_stride, rng)},
        [&](Inputs& in) {
          Vec o(s.batch * s.lq * s.o_ld), p(s.batch * s.heads * s.lq * s.lk);
          be.attention_forward(in[0].data(), in[1].data(), in[2].data(), o.data(), p.data(), s);
          return o;
        },
        [&](Inputs& in, const Vec& dy, Inputs& g) {
          Vec o(s.batch * s.lq * s.o_ld), p(s.batch * s.heads * s.lq * s.lk);
          be.attention_forward(in[0].data(), in[1].data(), in[2].data(), o.data(), p.data(), s);
          be.attention_backward(in[0].data(), in[1].data(), in[2].data(), p.data(), dy.data(), g[0].data(), g[1].data(),
                                g[2].data(), s);
        },
        {0, 1, 2});
  }
}

// Outputs of real tokens must not depend on future keys (causal) or padded keys (key_len).
BOOST_AUTO_TEST_CASE(attention_masks) {
  Rng rng(5);
  AttentionShape s;
  s.batch = 2;
  s.heads = 2;
  s.head_dim = 4;
  s.lq = s.lk = 6;
  s.q_ld = s.kv_ld = s.o_ld = 8;
  s.causal = true;
  const int key_len[2] = {6, 3};
  s.key_len = key_len;
  const size_t n = size_t(s.batch) * s.lq * 8;
  Vec q = random_vec(n, rng), k = random_vec(n, rng), v = random_vec(n, rng), o1(n), o2(n), p(s.batch * 2 * 36);
  be.attention_forward(q.data(), k.data(), v.data(), o1.data(), p.data(), s);
  // Change key/value position 4 of sequence 0 (future for queries 0..3) and positions >= 3 of
  // sequence 1 (padding).
  for (int c = 0; c < 8; ++c) {
    k[4 * 8 + c] += 5;
    v[4 * 8 + c] -= 3;
    for (int j = 3; j < 6; ++j) {
      k[(6 + j) * 8 + c] += 7;
      v[(6 + j) * 8 + c] += 2;
    }
  }
  be.attention_forward(q.data(), k.data(), v.data(), o2.data(), p.data(), s);
  // Equal up to rounding, not bit for bit: on the AVX paths Eigen's small products round the
  // first (scalar, unaligned) columns of an output differently from the rest (FMA), and o1, o2
  // may lie differently against 32 bytes. A masked key's influence would be far larger.
  const auto same = boost::test_tools::tolerance(1e-12);
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 8; ++c) BOOST_TEST(o1[i * 8 + c] == o2[i * 8 + c], same);
  for (int i = 0; i < 6; ++i)
    for (int c = 0; c < 8; ++c) BOOST_TEST(o1[(6 + i) * 8 + c] == o2[(6 + i) * 8 + c], same);
  BOOST_TEST(o1[4 * 8] != o2[4 * 8]);  // query 4 does see key 4
}

BOOST_AUTO_TEST_CASE(embedding_copy_and_grid_gradients) {
  Rng rng(6);
  const int V = 5, dim = 3, n = 7;
  const std::vector<int> ids = {0, 4, 4, 2, 1, 0, 4};
  check_gradients(
      {random_vec(V * dim, rng)},
      [&](Inputs& in) { Vec y(n * dim); be.embedding_forward(in[0].data(), ids.data(), y.data(), n, dim); return y; },
      [&](Inputs& in, const Vec& dy, Inputs& g) { be.embedding_backward(ids.data(), dy.data(), g[0].data(), n, V, dim); },
      {0});
  const int B = 2, S = 3, c = 2, cells = B * S * S * c;
  check_gradients(
      {random_vec(cells, rng), random_vec(cells, rng)},
      [&](Inputs& in) { Vec x(2 * cells); be.modes_concat(in[0].data(), in[1].data(), x.data(), B, S, c, false); return x; },
      [&](Inputs&, const Vec& dy, Inputs& g) { be.modes_split(dy.data(), g[0].data(), g[1].data(), B, S, c, true); },
      {0, 1});
  // The concat places g2 transposed: x[b,i,S+j] = g2[b,j,i].
  Vec g1 = random_vec(cells, rng), g2 = random_vec(cells, rng), x(2 * cells), back1(cells), back2(cells);
  be.modes_concat(g1.data(), g2.data(), x.data(), B, S, c, false);
  BOOST_TEST(x[((1 * S + 2) * 2 * S + S + 0) * c + 1] == g2[((1 * S + 0) * S + 2) * c + 1]);
  be.modes_split(x.data(), back1.data(), back2.data(), B, S, c, false);
  BOOST_TEST((back1 == g1 && back2 == g2));
  check_gradients(
      {random_vec(4 * 6, rng)},
      [&](Inputs& in) { Vec y(3 * 4); be.copy2d(in[0].data() + 1, 6, y.data(), 4, 3, 4, false); return y; },
      [&](Inputs&, const Vec& dy, Inputs& g) { be.copy2d(dy.data(), 4, g[0].data() + 1, 6, 3, 4, true); }, {0});
}

BOOST_AUTO_TEST_CASE(loss_gradients) {
  Rng rng(7);
  const int rows = 6, V = 9, Q = 8;
  const std::vector<int> targets = {0, 8, 3, 3, 5, 1};
  const Vec weights = {0.5, 1.0, 0.0, 2.0, 0.25, 1.0};
  check_gradients(
      {random_vec(rows * V, rng, 3.0)},
      [&](Inputs& in) {
        Vec loss(rows);
        be.softmax_xent(in[0].data(), targets.data(), weights.data(), loss.data(), nullptr, rows, V);
        return loss;
      },
      [&](Inputs& in, const Vec& dy, Inputs& g) {
        Vec loss(rows);  // the op's gradient is of Σ loss: scale its rows by dy through the weights
        Vec w(rows);
        for (int r = 0; r < rows; ++r) w[r] = weights[r] * dy[r];
        be.softmax_xent(in[0].data(), targets.data(), w.data(), loss.data(), g[0].data(), rows, V);
      },
      {0});
  const Vec target = {-3.0, 0.5, -10.0, 2.0, 0.0, -1.0};
  check_gradients(
      {random_vec(rows * Q, rng, 3.0)},
      [&](Inputs& in) {
        Vec loss(rows);
        be.quantile_huber(in[0].data(), target.data(), weights.data(), loss.data(), nullptr, rows, Q, 1.0);
        return loss;
      },
      [&](Inputs& in, const Vec& dy, Inputs& g) {
        Vec loss(rows), w(rows);
        for (int r = 0; r < rows; ++r) w[r] = weights[r] * dy[r];
        be.quantile_huber(in[0].data(), target.data(), w.data(), loss.data(), g[0].data(), rows, Q, 1.0);
      },
      {0});
  // Known value: one quantile (τ = 0.5), u = 3 > δ: 0.5·(3 − 0.5) = 1.25.
  const double pred = 0, t = 3, w = 1;
  double loss = 0;
  be.quantile_huber(&pred, &t, &w, &loss, nullptr, 1, 1, 1.0);
  BOOST_TEST(loss == 1.25);
}

BOOST_AUTO_TEST_CASE(adamw_matches_hand_computation) {
  CpuBackend<float> fb;
  std::vector<float> p = {1.0f, -2.0f}, g = {3.0f, 4.0f}, m = {0.1f, 0.0f}, v = {0.01f, 0.0f};
  float norm_sq = 0;
  fb.sum_squares(g.data(), 2, &norm_sq);
  BOOST_TEST(norm_sq == 25.0f);
  AdamWParams a;
  a.lr = 0.1;
  a.beta1 = 0.9;
  a.beta2 = 0.99;
  a.eps = 1e-8;
  a.weight_decay = 0.5;
  a.max_norm = 2.5;  // norm 5 → gradient halved: (1.5, 2)
  a.step = 2;
  fb.adamw_step(p.data(), g.data(), m.data(), v.data(), 2, &norm_sq, a);
  // Element 0: m = 0.9·0.1 + 0.1·1.5 = 0.24, v = 0.99·0.01 + 0.01·2.25 = 0.0324,
  // m̂ = 0.24/(1−0.81) , v̂ = 0.0324/(1−0.9801); p = 1·(1 − 0.05) − 0.1·m̂/(√v̂ + ε).
  const double mh0 = 0.24 / 0.19, vh0 = 0.0324 / (1 - 0.9801);
  const double mh1 = 0.2 / 0.19, vh1 = 0.04 / (1 - 0.9801);
  BOOST_TEST(m[0] == 0.24f, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(v[0] == 0.0324f, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(p[0] == float(0.95 - 0.1 * mh0 / (std::sqrt(vh0) + 1e-8)), boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(p[1] == float(-2 * 0.95 - 0.1 * mh1 / (std::sqrt(vh1) + 1e-8)), boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_SUITE_END()
