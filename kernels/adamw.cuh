#pragma once
// AdamW with global-norm gradient clipping, as the CPU backend:
//   g = grad·min(1, max_norm/‖grad‖), m = β1 m + (1-β1) g, v = β2 v + (1-β2) g²,
//   param = param·(1 - lr·wd) - lr·m̂/(sqrt(v̂) + ε).
// sum_squares gives ‖grad‖² in a fixed-order reduction (fixed grid, double partials): the same
// bits on every run and device.
#include <cmath>

#include "kernels/launch.cuh"

namespace at::kernels {

struct AdamWArgs {
  float lr, beta1, beta2, eps, decay;  // decay = 1 - lr·weight_decay
  float c1, c2;                        // bias corrections 1/(1-β1^t), 1/(1-β2^t)
  float max_norm;                      // <= 0: no clipping
};

// The kernel's arguments for 1-based step `step` of AdamW with these hyperparameters.
inline AdamWArgs adamw_args(double lr, double beta1, double beta2, double eps, double weight_decay, double max_norm,
                            long step) {
  return {float(lr), float(beta1), float(beta2), float(eps), float(1.0 - lr * weight_decay),
          float(1.0 / (1.0 - std::pow(beta1, double(step)))), float(1.0 / (1.0 - std::pow(beta2, double(step)))),
          float(max_norm)};
}

// out[0] = Σ g[n]² ; `partials` is scratch of sum_squares_partials() doubles.
void sum_squares(const float* g, size_t n, float* out, double* partials, cudaStream_t stream);
constexpr int sum_squares_partials() { return 256; }
// norm_sq[0] (device) is Σ grad².
void adamw_step(float* param, const float* grad, float* m, float* v, size_t n, const float* norm_sq,
                const AdamWArgs& a, cudaStream_t stream);

}  // namespace at::kernels
