#pragma once
// The process's memory as the kernel sees it: what is still available to it (for choices such as
// activation recomputation) and its peak resident size (for benchmarks).
#include <cstddef>

namespace at {

// Bytes this process may still allocate: /proc/meminfo's MemAvailable, lowered to the headroom
// under its cgroup's limit (v2 memory.max - memory.current, or v1 limit - usage) when one is set.
// 0 when nothing can be read (not Linux).
size_t available_memory_bytes();

// Resident set size now (VmRSS; 0 without /proc).
size_t resident_bytes();

// Peak resident set size since start or since the last reset_peak_resident() (VmHWM; getrusage's
// ru_maxrss when /proc is missing, which cannot be reset).
size_t peak_resident_bytes();
// Starts a new peak at the current resident size (writes "5" to /proc/self/clear_refs); false
// when the kernel does not allow it.
bool reset_peak_resident();

}  // namespace at
