#pragma once
// Scheduler state shared by emu.cpp and the race checker (race_check.cpp). Per OS thread: the
// block it is running.
#include <cstdint>
#include <vector>

#include "kernels/emu/cuda_emu.hpp"

namespace at::emu {

struct Fiber;
struct Warp;

struct BlockState {
  const char* kernel = "";
  std::vector<Fiber> fibers;   // one per CUDA thread, linear index x + y·bx + z·bx·by
  std::vector<Warp> warps;
  int current = 0;             // linear index of the running CUDA thread
  int alive = 0;               // threads that have not exited
  int arrived = 0;             // threads waiting at __syncthreads
  uint64_t generation = 0;     // completed barriers
  uint64_t progress = 0;       // bumped on every arrival, release and exit (deadlock detection)
  std::vector<char> dynamic_shared;
  BlockState();
  ~BlockState();
};

// Called around every block (the race checker installs them).
struct LaunchHooks {
  void (*block_begin)(BlockState&) = nullptr;
  void (*block_end)(BlockState&) = nullptr;
};
LaunchHooks& launch_hooks();
BlockState* current_block();
// Generation of the running thread's warp rendezvous (warp-level synchronisation points).
uint64_t current_warp_generation();

}  // namespace at::emu
