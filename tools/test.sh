#!/usr/bin/env bash
# Builds and runs every test suite: the release build (all labels), then the core suites again
# under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
export BOOST_TEST_COLOR_OUTPUT=no
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure --no-tests=error)

# Sanitizers: Debug-optimised core suites (CUDA off: nothing of it runs there).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALPHATENSOR_SANITIZE=ON -DALPHATENSOR_CUDA=OFF >/dev/null
cmake --build build-asan -j "$jobs" --target test_core
(cd build-asan && ctest --output-on-failure --no-tests=error -L core)
