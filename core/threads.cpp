#include "core/threads.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace at {

int default_thread_count() {
  if (const char* s = std::getenv("SLURM_CPUS_PER_TASK")) {
    const int n = std::atoi(s);
    if (n > 0) return n;
  }
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace at
