#include "kernels/attention.cuh"

namespace at::kernels {
namespace {

constexpr int kThreads = 64;

__device__ bool masked(const AttentionDims& s, int kv, int i, int j) {
  return (s.causal && j > i + s.lk - s.lq) || (s.key_len && j >= s.key_len[kv]);
}

__device__ size_t kv_offset(const AttentionDims& s, int kv) {
  return size_t(kv) * (s.kv_stride ? size_t(s.kv_stride) : size_t(s.lk) * s.kv_ld);
}

__global__ void attention_forward_kernel(const float* __restrict__ q, const float* __restrict__ k,
                                         const float* __restrict__ v, float* __restrict__ o, float* __restrict__ p,
                                         AttentionDims s) {
  const int n = blockIdx.x / s.heads, h = blockIdx.x % s.heads, kv = n / s.kv_group;
  const float scale = rsqrtf(float(s.head_dim));
  const float* K = k + kv_offset(s, kv) + h * s.head_dim;
  const float* V = v + kv_offset(s, kv) + h * s.head_dim;
  for (int i = threadIdx.x; i < s.lq; i += blockDim.x) {  // a thread owns a query row
    const float* Q = q + (size_t(n) * s.lq + i) * s.q_ld + h * s.head_dim;
    float* P = p + ((size_t(n) * s.heads + h) * s.lq + i) * s.lk;
    float mx = -INFINITY;
    for (int j = 0; j < s.lk; ++j) {
      float d = 0.0f;
      for (int e = 0; e < s.head_dim; ++e) d += Q[e] * K[size_t(j) * s.kv_ld + e];
      P[j] = d * scale;
      if (!masked(s, kv, i, j)) mx = fmaxf(mx, P[j]);
    }
    float sum = 0.0f;
    for (int j = 0; j < s.lk; ++j) {
      P[j] = masked(s, kv, i, j) ? 0.0f : expf(P[j] - mx);
      sum += P[j];
    }
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;  // a fully masked row attends to nothing
    for (int j = 0; j < s.lk; ++j) P[j] *= inv;
    float* O = o + (size_t(n) * s.lq + i) * s.o_ld + h * s.head_dim;
    for (int e = 0; e < s.head_dim; ++e) {
      float acc = 0.0f;
      for (int j = 0; j < s.lk; ++j) acc += P[j] * V[size_t(j) * s.kv_ld + e];
      O[e] = acc;
    }
  }
}

// dS [lq, lk] per block lives in the workspace.
__global__ void attention_backward_kernel(const float* __restrict__ q, const float* __restrict__ k,
                                          const float* __restrict__ v, const float* __restrict__ p,
                                          const float* __restrict__ dout, float* __restrict__ dq, float* __restrict__ dk,
                                          float* __restrict__ dv, float* __restrict__ workspace, AttentionDims s) {
  const int kv = blockIdx.x / s.heads, h = blockIdx.x % s.heads;
  const float scale = rsqrtf(float(s.head_dim));
  const size_t kvo = kv_offset(s, kv) + h * s.head_dim;
  const float* K = k + kvo;
  const float* V = v + kvo;
  float* dK = dk + kvo;
  float* dV = dv + kvo;
  float* dS = workspace + size_t(blockIdx.x) * s.lq * s.lk;
  for (int n = kv * s.kv_group; n < (kv + 1) * s.kv_group; ++n) {
    const size_t qo = size_t(n) * s.lq * s.q_ld + h * s.head_dim;
    const float* P = p + (size_t(n) * s.heads + h) * s.lq * s.lk;
    const float* dO = dout + size_t(n) * s.lq * s.o_ld + h * s.head_dim;
    // Rows of dS = P ∘ (dO·Vᵀ − rowdot)·scale, and dQ += dS·K (a thread per query row).
    for (int i = threadIdx.x; i < s.lq; i += blockDim.x) {
      float dot = 0.0f;
      for (int j = 0; j < s.lk; ++j) {
        float dp = 0.0f;
        for (int e = 0; e < s.head_dim; ++e) dp += dO[size_t(i) * s.o_ld + e] * V[size_t(j) * s.kv_ld + e];
        dS[size_t(i) * s.lk + j] = dp;
        dot += P[size_t(i) * s.lk + j] * dp;
      }
      for (int j = 0; j < s.lk; ++j) {
        const size_t ij = size_t(i) * s.lk + j;
        dS[ij] = P[ij] * (dS[ij] - dot) * scale;
      }
      float* dQ = dq + qo + size_t(i) * s.q_ld;
      for (int e = 0; e < s.head_dim; ++e) {
        float acc = 0.0f;
        for (int j = 0; j < s.lk; ++j) acc += dS[size_t(i) * s.lk + j] * K[size_t(j) * s.kv_ld + e];
        dQ[e] += acc;
      }
    }
    __syncthreads();
    // dK += dSᵀ·Q and dV += Pᵀ·dO (a thread per key row).
    for (int j = threadIdx.x; j < s.lk; j += blockDim.x)
      for (int e = 0; e < s.head_dim; ++e) {
        float gk = 0.0f, gv = 0.0f;
        for (int i = 0; i < s.lq; ++i) {
          gk += dS[size_t(i) * s.lk + j] * q[qo + size_t(i) * s.q_ld + e];
          gv += P[size_t(i) * s.lk + j] * dO[size_t(i) * s.o_ld + e];
        }
        dK[size_t(j) * s.kv_ld + e] += gk;
        dV[size_t(j) * s.kv_ld + e] += gv;
      }
    __syncthreads();  // dS is rewritten by the next query sequence
  }
}

void check(const AttentionDims& s) {
  AT_CHECK_ARG(s.batch >= 0 && s.lq > 0 && s.lk > 0 && s.heads > 0 && s.head_dim > 0, "attention: bad shape");
  AT_CHECK_ARG(s.kv_group > 0 && s.batch % s.kv_group == 0, "attention: batch must be a multiple of kv_group");
  AT_CHECK_ARG(s.q_ld >= s.heads * s.head_dim && s.kv_ld >= s.heads * s.head_dim && s.o_ld >= s.heads * s.head_dim,
               "attention: row stride smaller than heads·head_dim");
  AT_CHECK_ARG(s.kv_stride == 0 || s.kv_stride >= s.lk * s.kv_ld, "attention: kv_stride smaller than lk·kv_ld");
}

}  // namespace

void attention_forward(const float* q, const float* k, const float* v, float* o, float* p, const AttentionDims& s,
                       cudaStream_t stream) {
  check(s);
  if (s.batch == 0) return;
  AT_CHECK_ARG(q && k && v && o && p, "attention_forward: null buffer");
  AT_LAUNCH(attention_forward_kernel, dim3(unsigned(s.batch * s.heads)), dim3(kThreads), 0, stream, q, k, v, o, p, s);
}

size_t attention_backward_workspace(const AttentionDims& s) {
  return size_t(s.batch / s.kv_group) * s.heads * s.lq * s.lk;
}

void attention_backward(const float* q, const float* k, const float* v, const float* p, const float* dout, float* dq,
                        float* dk, float* dv, float* workspace, const AttentionDims& s, cudaStream_t stream) {
  check(s);
  if (s.batch == 0) return;
  AT_CHECK_ARG(q && k && v && p && dout && dq && dk && dv && workspace, "attention_backward: null buffer");
  AT_LAUNCH(attention_backward_kernel, dim3(unsigned(s.batch / s.kv_group * s.heads)), dim3(kThreads), 0, stream, q, k, v,
            p, dout, dq, dk, dv, workspace, s);
}

}  // namespace at::kernels
