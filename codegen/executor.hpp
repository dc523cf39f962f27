#pragma once
// In-process execution of a Plan on the CPU: recursion over `levels`, Eigen underneath, block
// operations split over the threads of a oneTBB arena. Matrices are row-major float views with a
// leading dimension, so blocks are views into the caller's matrices (no copies of lone blocks).
#include <memory>
#include <vector>

#include "codegen/plan.hpp"

namespace at::codegen {

// Row-major views: element (i,j) at data[i*ld + j].
struct ConstView {
  const float* data;
  long ld;
};
struct MatView {
  float* data;
  long ld;
};

// C (n×p) = A (n×m)·B (m×p), or C += A·B when accumulate; Eigen's GEMM, the larger of n and p
// split into one fixed chunk per thread of the current arena (fixed threads: same bits).
void base_multiply(ConstView A, ConstView B, MatView C, int n, int m, int p, bool accumulate);

// Plain triple loop accumulating in double: the reference that tests check against.
void reference_multiply(ConstView A, ConstView B, MatView C, int n, int m, int p);

class Executor {
 public:
  // threads <= 0: all cores (SLURM_CPUS_PER_TASK when set).
  Executor(Plan plan, int threads);
  ~Executor();
  // C = A·B using the plan for `levels` levels; sizes that are not multiples of the split are
  // peeled (the leftover strips go to the base multiply). levels = 0: the base multiply alone,
  // what `bench scheme` compares against.
  void multiply(ConstView A, ConstView B, MatView C, int n, int m, int p, int levels);
  // The same run with every base multiply left out (a product that would overwrite its output
  // writes zeros, as Eigen's GEMM first does): the plan's linear passes alone, the part of the
  // time that depends on the scheme at a fixed rank (`bench scheme` prints it beside the whole).
  // C holds no product afterwards.
  void multiply_passes(ConstView A, ConstView B, MatView C, int n, int m, int p, int levels);
  // Floats of workspace one multiply() needs (temporaries of every level on the path).
  long workspace_floats(int n, int m, int p, int levels) const;
  const Plan& plan() const { return plan_; }
  int threads() const;

 private:
  // C = A·B, or C += A·B when accumulate (direct products of the level above).
  void run(ConstView A, ConstView B, MatView C, int n, int m, int p, int levels, float* ws, bool accumulate);
  void run_blocks(ConstView A, ConstView B, MatView C, int bn, int bm, int bp, int levels, float* ws, bool accumulate);
  // The base multiply, or with passes_only_ only the zeros an overwriting one writes first.
  void product(ConstView A, ConstView B, MatView C, int n, int m, int p, bool accumulate) const;

  Plan plan_;
  struct Arena;  // a oneTBB task_arena of the requested threads
  std::unique_ptr<Arena> arena_;
  std::vector<float> workspace_;  // grown by multiply(); only the calling thread resizes it
  bool passes_only_ = false;      // set by multiply_passes() for its call; only the calling thread touches it
};

}  // namespace at::codegen
