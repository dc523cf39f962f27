// Verifies a scheme file (or Strassen's scheme), then runs a short flip-graph search from the
// naive 4x4x4 scheme (1.5 s) with progress and new-best callbacks. Usage: example_cpp [SCHEME]
#include <alphatensor/alphatensor.hpp>
#include <cstdio>
#include <string>

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
    return v.valid && r.best.verify().valid && progress_calls > 0 ? 0 : 1;
  } catch (const at::Error& e) {
    std::fprintf(stderr, "example_cpp: %s\n", e.what());
    return 2;
  }
}
