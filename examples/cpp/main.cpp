// Verifies a scheme file (or Strassen's scheme), then runs a short flip-graph search from the
// naive 4x4x4 scheme (1.5 s) and a short training run (a tiny network, 2x2x2 over Z2, 4 learner
// steps), both with progress and new-best callbacks. Usage: example_cpp [SCHEME]
#include <alphatensor/alphatensor.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

int main(int argc, char** argv) {
  namespace at = alphatensor;
  try {
    std::printf("alphatensor %s (headers %s, package %s)\n", at::version().c_str(), ALPHATENSOR_VERSION_STRING,
                PACKAGE_VERSION);
    if (at::version() != ALPHATENSOR_VERSION_STRING || at::version() != PACKAGE_VERSION) return 1;

    const at::Scheme s = argc > 1 ? at::Scheme::read(argv[1]) : at::Scheme::strassen();
    const at::Verification v = s.verify();
    const at::Statistics st = s.statistics();
    std::printf("%s: %s over %s, rank %d, %ld non-zeros: %s%s\n", argc > 1 ? argv[1] : "strassen",
                at::to_string(st.format).c_str(), at::field_name(st.field).c_str(), st.rank, st.nonzeros,
                v.valid ? "VALID" : "INVALID ", v.error.c_str());

    at::ImproveOptions o;
    o.field = at::Field::Z2;
    o.seconds = 1.5;
    o.threads = 1;
    o.progress_interval = 0.25;
    at::ImproveCallbacks cb;
    int progress_calls = 0;
    cb.on_progress = [&](const at::ImproveProgress& p) {
      ++progress_calls;
      std::printf("  [%.2f s] best rank %d, %.2f M flips/s\n", p.seconds, p.best_rank, p.flips_per_second / 1e6);
    };
    cb.on_best = [](const at::Scheme& best, double seconds) { std::printf("  [%.2f s] rank %d\n", seconds, best.rank()); };
    const at::ImproveResult r = at::improve(at::Scheme::naive({4, 4, 4}), o, cb);
    std::printf("improve 4x4x4 over Z2: rank %d in %.2f s (stopped by %s), valid: %d, %d progress calls\n",
                r.best.rank(), r.seconds, r.stopped_by.c_str(), int(r.best.verify().valid), progress_calls);

    // Training writes schemes/, checkpoints/ and metrics.jsonl to out_dir: here a fresh folder.
    namespace fs = std::filesystem;
    const fs::path out = fs::temp_directory_path() / ("alphatensor_example_" + std::to_string(::getpid()));
    at::TrainOptions t;
    t.targets = {{2, 2, 2}};
    t.field = at::Field::Z2;
    t.network = {"c=16", "torso_layers=1", "torso_heads=2", "torso_head_dim=8", "dec_layers=1", "dec_heads=2",
                 "dec_head_dim=8", "value_width=16", "token_d=3"};  // tiny: seconds on one core
    t.simulations = 16;
    t.games_per_iteration = 4;
    t.steps_per_iteration = 2;
    t.batch_size = 16;
    t.max_steps = 4;
    t.threads = 1;
    t.polish = true;  // unfinished games are completed into schemes and polished: new bests at once
    t.polish_seconds = 0.2;
    t.out_dir = out.string();
    at::TrainCallbacks tcb;
    int found = 0;
    tcb.on_progress = [](const at::TrainProgress& p) {
      std::printf("  [%.1f s] step %ld, %ld games, loss %.3f/%.3f, best 2x2x2 rank %d\n", p.seconds, p.step, p.games,
                  p.policy_loss, p.value_loss, p.best[0].rank);
    };
    tcb.on_best = [&](const at::TrainFound& f) {
      ++found;
      std::printf("  [%.1f s] %s rank %d (%s): %s\n", f.seconds, at::to_string(f.target).c_str(), f.rank,
                  f.source.c_str(), f.path.c_str());
    };
    const at::TrainResult tr = at::train(t, tcb);
    std::printf("train 2x2x2 over Z2: best rank %d after %ld steps (stopped by %s), %d new bests\n", tr.last.best[0].rank,
                tr.last.step, tr.stopped_by.c_str(), found);
    fs::remove_all(out);
    return v.valid && r.best.verify().valid && progress_calls > 0 && found > 0 ? 0 : 1;
  } catch (const at::Error& e) {
    std::fprintf(stderr, "example_cpp: %s\n", e.what());
    return 2;
  }
}
