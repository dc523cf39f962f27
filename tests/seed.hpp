#pragma once
// A test's random seed: fresh each run, printed, and replayable from the environment.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>

namespace at::test {

// The seed in environment variable `var` when set, else a random one; printed once by the caller's
// static (`what`: the inputs it draws).
inline uint64_t env_seed(const char* var, const char* what) {
  const char* s = std::getenv(var);
  const uint64_t v = s ? std::strtoull(s, nullptr, 10) : uint64_t(std::random_device{}());
  std::cout << var << "=" << v << " replays " << what << std::endl;
  return v;
}

}  // namespace at::test
