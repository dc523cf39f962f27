// alphatensor bench core: exact verification speed and TensorGame steps per second.
#include <chrono>
#include <iostream>

#include "core/builtin.hpp"
#include "core/game.hpp"
#include "core/ops.hpp"
#include "core/scheme_io.hpp"
#include "core/synthetic.hpp"
#include "tools/bench.hpp"
#include "tools/cli.hpp"

namespace at::cli {

int bench_core(const std::vector<std::string>& args) {
  po::options_description opts("Options");
  opts.add_options()("seconds", po::value<double>()->default_value(0.5), "minimum time per figure")(
      "json", po::bool_switch(), "JSON lines");
  po::variables_map vm;
  if (!parse("bench core", "[--seconds S] [--json]", args, opts, {}, vm)) return kOk;
  const double secs = vm["seconds"].as<double>();
  const bool json = vm["json"].as<bool>();

  const Scheme s49 = kronecker(strassen_scheme(), strassen_scheme());  // 4x4x4, rank 49
  bool ok = true;
  report(json, "core", "verify 4x4x4 rank 49 over Z", 1e6 * time_per_call([&] { ok &= verify(s49, Field::Z).ok; }, secs), "us");
  report(json, "core", "verify 4x4x4 rank 49 over Z2", 1e6 * time_per_call([&] { ok &= verify(s49, Field::Z2).ok; }, secs), "us");
  report(json, "core", "verify 4x4x4 rank 49 over Q", 1e6 * time_per_call([&] { ok &= verify(s49, Field::Q).ok; }, secs), "us");
  const std::string text = scheme_to_json(s49);
  report(json, "core", "read+verify 4x4x4 rank 49 JSON", 1e6 * time_per_call([&] { ok &= verify(parse_scheme_json(text, "bench")).ok; }, secs), "us");
  if (!ok) throw std::runtime_error("benchmark scheme failed to verify");

  // Game steps on T(4,4,4) (16x16x16 int8 state) with actions of the published synthetic
  // distribution; a game restarts when it ends.
  const Format f{4, 4, 4};
  const TensorI8 start = matmul_tensor(f);
  for (Field field : {Field::Z, Field::Z2}) {
    Rng rng(1);
    SyntheticConfig sc;
    sc.max_rank = 64;
    std::vector<Action> pool;
    while (pool.size() < 4096)
      for (Action& a : sample_demonstration(16, 16, 16, field, sc, rng).actions) pool.push_back(std::move(a));
    GameConfig gc;
    gc.field = field;
    gc.r_limit = 125;
    TensorGame game(start, gc);
    size_t next = 0;
    long steps = 0, games = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < secs) {
      for (int i = 0; i < 1000; ++i) {
        if (game.terminal()) {
          game = TensorGame(start, gc);
          ++games;
        }
        const Action& a = pool[next++ % pool.size()];
        if (game.legal(a)) {
          game.step(a);
          ++steps;
        }
      }
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    report(json, "core", "game steps 4x4x4 over " + field_name(field) + " (legal check + update, R_limit 125)",
           double(steps) / elapsed, "steps/s");
    report(json, "core", "legal actions 4x4x4 over " + field_name(field), 100.0 * double(steps) / double(next), "%");
    report(json, "core", "slice-rank penalty 16x16x16 over " + field_name(field),
           1e6 * time_per_call([&] { slice_rank_bound(game.state(), field); }, secs), "us");
  }
  return kOk;
}

}  // namespace at::cli
