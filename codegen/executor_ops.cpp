// The executor's arithmetic (codegen/executor_ops.hpp), compiled once per CPU path inside
// namespace ALPHATENSOR_ISA_NS.
#include "codegen/executor_ops.hpp"

#include <Eigen/Core>
#include <algorithm>

namespace at::codegen::ALPHATENSOR_ISA_NS {
namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using CMap = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using MMap = Eigen::Map<RowMat, 0, Eigen::OuterStride<>>;

void product(ConstView A, ConstView B, MatView C, int rows, int m, int cols, bool accumulate) {
  MMap cm(C.data, rows, cols, Eigen::OuterStride<>(C.ld));
  if (m <= 0) {
    if (!accumulate) cm.setZero();
    return;
  }
  const CMap am(A.data, rows, m, Eigen::OuterStride<>(A.ld));
  const CMap bm(B.data, m, cols, Eigen::OuterStride<>(B.ld));
  if (accumulate) cm.noalias() += am * bm;
  else cm.noalias() = am * bm;
}

// One pass: each input row read once, the output row written once (it stays in L1 between terms).
void combine_rows(MatView out, int r0, int r1, int cols, const Input* in, size_t inputs) {
  for (int r = r0; r < r1; ++r) {
    float* o = out.data + long(r) * out.ld;
    if (inputs == 0) {
      std::fill(o, o + cols, 0.0f);
      continue;
    }
    const float* x = in[0].view.data + long(r) * in[0].view.ld;
    const float c0 = in[0].coef;
    for (int j = 0; j < cols; ++j) o[j] = c0 * x[j];
    for (size_t t = 1; t < inputs; ++t) {
      const float* y = in[t].view.data + long(r) * in[t].view.ld;
      const float c = in[t].coef;
      if (c == 1.0f) {
        for (int j = 0; j < cols; ++j) o[j] += y[j];
      } else if (c == -1.0f) {
        for (int j = 0; j < cols; ++j) o[j] -= y[j];
      } else {
        for (int j = 0; j < cols; ++j) o[j] += c * y[j];
      }
    }
  }
}

}  // namespace

const ExecutorOps& entry_executor_ops() {
  static const ExecutorOps ops{product, combine_rows};
  return ops;
}

}  // namespace at::codegen::ALPHATENSOR_ISA_NS
