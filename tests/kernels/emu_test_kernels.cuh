#pragma once
// Small kernels that exercise the execution model (barriers, warps, atomics, dynamic shared
// memory), including deliberately broken ones for the emulator's deadlock and race checks.
#include "kernels/launch.cuh"

namespace at::test_kernels {

// out[t] = in[(t + 1) % n] through shared memory, one block of n <= 1024 threads.
void rotate(const int* in, int* out, int n, bool with_barrier);
// Per warp of 32 values, out[w] = Σ in[32w .. 32w+31] by __shfl_down_sync.
void warp_sum(const float* in, float* out, int n);
// out[w] = number of positive values in warp w (ballot); out_all[w] = 1 if all are positive.
void warp_vote(const int* in, unsigned* out, unsigned* out_all, int n);
// Butterfly: every lane of warp w gets the warp's sum (xor shuffles); out[t].
void warp_allreduce(const float* in, float* out, int n);
// Threads t >= n exit at once; the others meet at a barrier (exited threads count as arrived).
void early_exit(const int* in, int* out, int n, int block);
// out[b] = Σ in over block b's 256 values, tree-reduced in dynamic shared memory.
void block_sum_dynamic(const float* in, float* out, int blocks);
// counter += 1 from every thread of `blocks` blocks of 128.
void atomic_count(int* counter, int blocks);
// Half the warp waits at __syncthreads, the other half at a full-warp shuffle: a deadlock the
// emulator must report (never launch on a real GPU).
void deadlock();

}  // namespace at::test_kernels
