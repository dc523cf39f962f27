#pragma once
// Timing of block plans on the CPU, one home for `bench scheme`, `improve --objective runtime` and
// `train --reward runtime`: variants run in turns, round after round (so load from other
// processes hits them alike), after an untimed warm-up round; medians and spreads of wall time.
#include <functional>
#include <memory>
#include <vector>

#include "codegen/executor.hpp"

namespace at::codegen {

struct Seconds {
  double wall, cpu;  // cpu: of this process, all threads (less sensitive to other processes' load)
};

Seconds time_once(const std::function<void()>& f);

// Runs every variant once untimed (after_warmup(v) follows variant v's warm-up run: error checks),
// then `repeat` timed rounds in turns. Returns, per variant, its `repeat` times sorted by wall time.
std::vector<std::vector<Seconds>> time_in_turns(const std::vector<std::function<void()>>& variants, int repeat,
                                                const std::function<void(size_t)>& after_warmup = {});

// Median of sorted values (the mean of the two middle ones for an even count).
double median_of_sorted(const std::vector<double>& sorted);
std::vector<double> walls(const std::vector<Seconds>& t);  // sorted as given
std::vector<double> cpus(const std::vector<Seconds>& t);   // sorted

// A and B (n×n, row-major) with entries uniform in [-1, 1), the same for a given n everywhere.
void random_operands(int n, std::vector<float>* A, std::vector<float>* B);

struct RuntimeSetup {
  int n = 1024;     // square size of A, B, C
  int levels = 1;   // levels of the scheme (then the base multiply)
  int threads = 0;  // executor threads (0: all cores / SLURM_CPUS_PER_TASK)
  int repeat = 3;   // timed rounds per measurement
  PlanOptions plan;
};

// One scheme's measured time against the base multiply on the same matrices, timed in turns.
struct RuntimeMeasurement {
  double seconds = 0;       // median wall time of the scheme
  double base_seconds = 0;  // median wall time of the base multiply (Eigen alone) in the same rounds
  double spread = 0;        // (worst - best) / median of the scheme's runs
  double ratio() const { return seconds / base_seconds; }  // < 1: faster than the base multiply
};

// Times schemes at one size; the matrices are allocated and filled once. One caller at a time
// (not thread-safe); it may run on any one thread.
class RuntimeMeter {
 public:
  explicit RuntimeMeter(const RuntimeSetup& setup);
  ~RuntimeMeter();
  // Throws InputError for a mod-2 scheme (no real arithmetic).
  RuntimeMeasurement measure(const Scheme& s);
  const RuntimeSetup& setup() const { return setup_; }

 private:
  RuntimeSetup setup_;
  std::vector<float> a_, b_, c_;
  std::unique_ptr<Executor> base_;  // levels = 0 of any plan: the base multiply alone
};

}  // namespace at::codegen
