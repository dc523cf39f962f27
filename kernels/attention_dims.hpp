#pragma once
// The shape of a multi-head attention call, shared by the kernels and the backend interface
// (nn::AttentionShape), in a header free of CUDA includes.
namespace at::kernels {

struct AttentionDims {
  int batch = 1, lq = 1, lk = 1, heads = 1, head_dim = 1;
  int q_ld = 0, kv_ld = 0, o_ld = 0;
  int kv_stride = 0;             // elements between key/value sequences (0: lk·kv_ld; caches hold more)
  int kv_group = 1;
  bool causal = false;           // query i sees keys j <= i + lk − lq (queries are the last lq positions)
  const int* key_len = nullptr;  // [batch / kv_group] in the backend's memory: keys j >= key_len are padding (null: none)
};

}  // namespace at::kernels
