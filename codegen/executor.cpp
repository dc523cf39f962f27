#include "codegen/executor.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "codegen/executor_ops.hpp"
#include "core/files.hpp"
#include "core/threads.hpp"

namespace at::codegen {

namespace {

ConstView sub(ConstView v, long row, long col) { return {v.data + row * v.ld + col, v.ld}; }
MatView sub(MatView v, long row, long col) { return {v.data + row * v.ld + col, v.ld}; }

// Splits [0, total) into `chunks` fixed ranges and runs body(begin, end) on each in parallel.
template <class F>
void parallel_chunks(int total, F&& body) {
  const int chunks = std::max(1, std::min(total, oneapi::tbb::this_task_arena::max_concurrency()));
  if (chunks == 1) return body(0, total);
  oneapi::tbb::parallel_for(0, chunks, [&](int c) {
    body(int(long(total) * c / chunks), int(long(total) * (c + 1) / chunks));
  });
}

// out (rows×cols) = Σ coef·input on the CPU path in use, rows split over the threads.
void linear_combination(MatView out, int rows, int cols, const std::vector<Input>& in) {
  const ExecutorOps& ops = executor_ops(active_isa());
  parallel_chunks(rows, [&](int r0, int r1) { ops.combine_rows(out, r0, r1, cols, in.data(), in.size()); });
}

std::vector<Input> inputs(const Form& f, const std::vector<ConstView>& operands) {
  std::vector<Input> in;
  for (const Term& t : f) in.push_back({operands[size_t(t.var)], to_float(t.coef)});
  return in;
}

}  // namespace

const ExecutorOps& executor_ops(Isa isa) {
  if (!isa_supported(isa)) throw InputError(std::string("CPU path ") + isa_name(isa) + ": this CPU cannot run it");
  switch (isa) {
    case Isa::avx512: return isa_avx512::entry_executor_ops();
    case Isa::avx2: return isa_avx2::entry_executor_ops();
    case Isa::sse2: break;
  }
  return isa_sse2::entry_executor_ops();
}

void base_multiply(ConstView A, ConstView B, MatView C, int n, int m, int p, bool accumulate) {
  if (n <= 0 || p <= 0) return;
  const ExecutorOps& ops = executor_ops(active_isa());
  const bool by_rows = n >= p;
  parallel_chunks(by_rows ? n : p, [&](int b0, int b1) {
    const int rows = by_rows ? b1 - b0 : n, cols = by_rows ? p : b1 - b0;
    const ConstView a = by_rows ? sub(A, b0, 0) : A;
    const ConstView b = by_rows ? B : sub(B, 0, b0);
    ops.product(a, b, by_rows ? sub(C, b0, 0) : sub(C, 0, b0), rows, m, cols, accumulate);
  });
}

void reference_multiply(ConstView A, ConstView B, MatView C, int n, int m, int p) {
  std::vector<double> row(size_t(std::max(p, 0)));  // C row i accumulated in double, B read row by row
  for (int i = 0; i < n; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int j = 0; j < m; ++j) {
      const double a = A.data[long(i) * A.ld + j];
      const float* b = B.data + long(j) * B.ld;
      for (int k = 0; k < p; ++k) row[size_t(k)] += a * double(b[k]);
    }
    for (int k = 0; k < p; ++k) C.data[long(i) * C.ld + k] = float(row[size_t(k)]);
  }
}

struct Executor::Arena {
  explicit Arena(int threads) : arena(threads) {}
  oneapi::tbb::task_arena arena;
};

Executor::Executor(Plan plan, int threads)
    : plan_(std::move(plan)), arena_(std::make_unique<Arena>(threads > 0 ? threads : default_thread_count())) {}

Executor::~Executor() = default;

int Executor::threads() const { return arena_->arena.max_concurrency(); }

long Executor::workspace_floats(int n, int m, int p, int levels) const {
  const Format& s = plan_.split;
  if (levels <= 0 || n < s.n || m < s.m || p < s.p) return 0;
  const long bn = n / s.n, bm = m / s.m, bp = p / s.p;
  return bn * bm * long(plan_.a_temps.size() + 1) + bm * bp * long(plan_.b_temps.size() + 1) +
         bn * bp * long(plan_.rank + plan_.c_temps.size()) +
         workspace_floats(int(bn), int(bm), int(bp), levels - 1);
}

void Executor::multiply(ConstView A, ConstView B, MatView C, int n, int m, int p, int levels) {
  const long need = workspace_floats(n, m, p, levels);
  if (long(workspace_.size()) < need) workspace_.resize(size_t(need));
  arena_->arena.execute([&] { run(A, B, C, n, m, p, levels, workspace_.data(), false); });
}

void Executor::multiply_passes(ConstView A, ConstView B, MatView C, int n, int m, int p, int levels) {
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{passes_only_};
  passes_only_ = true;
  multiply(A, B, C, n, m, p, levels);
}

void Executor::product(ConstView A, ConstView B, MatView C, int n, int m, int p, bool accumulate) const {
  if (!passes_only_) return base_multiply(A, B, C, n, m, p, accumulate);
  if (!accumulate && n > 0 && p > 0) linear_combination(C, n, p, {});
}

void Executor::run(ConstView A, ConstView B, MatView C, int n, int m, int p, int levels, float* ws, bool accumulate) {
  const Format& s = plan_.split;
  if (levels <= 0 || n < s.n || m < s.m || p < s.p) return product(A, B, C, n, m, p, accumulate);
  const int bn = n / s.n, bm = m / s.m, bp = p / s.p;
  const int n0 = bn * s.n, m0 = bm * s.m, p0 = bp * s.p;
  run_blocks(A, B, C, bn, bm, bp, levels, ws, accumulate);
  // Peeling: C[:n0,:p0] += A[:n0,m0:]·B[m0:,:p0]; the last columns and rows of C directly.
  if (m0 < m) product(sub(A, 0, m0), sub(B, m0, 0), C, n0, m - m0, p0, true);
  if (p0 < p) product(A, sub(B, 0, p0), sub(C, 0, p0), n0, m, p - p0, accumulate);
  if (n0 < n) product(sub(A, n0, 0), B, sub(C, n0, 0), n - n0, m, p, accumulate);
}

// One level on the leading (bn·sn)×(bm·sm)×(bp·sp) part. Workspace layout (contiguous blocks):
// A-temporaries and one A-scratch (bn×bm each), B-temporaries and one B-scratch (bm×bp), the
// products M_r and C-temporaries (bn×bp), then the next level's workspace.
void Executor::run_blocks(ConstView A, ConstView B, MatView C, int bn, int bm, int bp, int levels, float* ws,
                          bool accumulate) {
  const Format& s = plan_.split;
  const long sa = long(bn) * bm, sb = long(bm) * bp, sc = long(bn) * bp;

  std::vector<ConstView> a_ops, b_ops, c_ops;
  for (int i = 0; i < s.n; ++i)
    for (int j = 0; j < s.m; ++j) a_ops.push_back(sub(A, long(i) * bn, long(j) * bm));
  for (int j = 0; j < s.m; ++j)
    for (int k = 0; k < s.p; ++k) b_ops.push_back(sub(B, long(j) * bm, long(k) * bp));
  // Evaluates temporaries (rows×cols each) into the workspace and appends them to the operands.
  auto temporaries = [&ws](const std::vector<LinearStep>& steps, std::vector<ConstView>& ops, int rows, int cols) {
    for (const LinearStep& t : steps) {
      const MatView out{ws, cols};
      ws += long(rows) * cols;
      linear_combination(out, rows, cols, inputs(t.form, ops));
      ops.push_back({out.data, out.ld});
    }
  };
  temporaries(plan_.a_temps, a_ops, bn, bm);
  float* const a_scratch = ws;
  ws += sa;
  temporaries(plan_.b_temps, b_ops, bm, bp);
  float* const b_scratch = ws;
  ws += sb;
  float* const products = ws;
  ws += sc * plan_.rank;
  float* const next = ws + sc * long(plan_.c_temps.size());

  // A lone operand with coefficient 1 is used in place; anything else goes through the scratch.
  auto operand = [](const Form& f, const std::vector<ConstView>& ops, float* scratch, int rows, int cols) {
    if (f.size() == 1 && f[0].coef == Rational(1)) return ops[size_t(f[0].var)];
    linear_combination({scratch, cols}, rows, cols, inputs(f, ops));
    return ConstView{scratch, cols};
  };
  // Products into their buffers (direct ones after the C-blocks are written, straight into them).
  auto multiply = [&](int r, MatView out, bool acc) {
    const ConstView x = operand(plan_.a_forms[size_t(r)], a_ops, a_scratch, bn, bm);
    const ConstView y = operand(plan_.b_forms[size_t(r)], b_ops, b_scratch, bm, bp);
    run(x, y, out, bn, bm, bp, levels - 1, next, acc);
  };
  for (int r = 0; r < plan_.rank; ++r) {
    const MatView out{products + sc * r, bp};
    if (plan_.direct[size_t(r)] < 0) multiply(r, out, false);
    c_ops.push_back({out.data, out.ld});
  }
  temporaries(plan_.c_temps, c_ops, bn, bp);
  auto c_block = [&](int c) { return sub(C, long(c / s.p) * bn, long(c % s.p) * bp); };
  std::vector<char> written(size_t(plan_.c_blocks()), accumulate);  // holds a value to accumulate into
  for (int c = 0; c < plan_.c_blocks(); ++c) {
    const Form& f = plan_.c_forms[size_t(c)];
    if (f.empty()) continue;  // only direct products
    std::vector<Input> in = inputs(f, c_ops);
    if (accumulate) in.insert(in.begin(), Input{{c_block(c).data, C.ld}, 1.0f});  // read in place, row by row
    linear_combination(c_block(c), bn, bp, in);
    written[size_t(c)] = 1;
  }
  for (int r = 0; r < plan_.rank; ++r) {
    const int c = plan_.direct[size_t(r)];
    if (c < 0) continue;
    multiply(r, c_block(c), written[size_t(c)]);
    written[size_t(c)] = 1;
  }
}

}  // namespace at::codegen
