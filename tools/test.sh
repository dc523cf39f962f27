#!/usr/bin/env bash
# Builds and runs every test suite: the release build (all labels, GPU suite skipped without a
# device; label install installs into a temporary prefix and builds the examples against it), the
# core and library API suites under AddressSanitizer + UndefinedBehaviorSanitizer, and the search
# and library API suites under ThreadSanitizer; then the SLURM scripts against a real single-node SLURM.
set -euo pipefail
cd "$(dirname "$0")/.."
export BOOST_TEST_COLOR_OUTPUT=no
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure --no-tests=error)

# Sanitizer builds: only what they test, CUDA off (nothing of it runs there).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALPHATENSOR_SANITIZE=ON -DALPHATENSOR_CUDA=OFF >/dev/null
cmake --build build-asan -j "$jobs" --target test_core test_api
(cd build-asan && ctest --output-on-failure --no-tests=error -L 'core|api')

# TSan against the TSan-built oneTBB (tools/install_deps.sh): no suppressions are needed, so the
# games that run in oneTBB tasks are checked too.
tbb_tsan=${ALPHATENSOR_TBB_PREFIX:-/opt/alphatensor-deps/onetbb-static}-tsan
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALPHATENSOR_TSAN=ON -DALPHATENSOR_CUDA=OFF \
      -DALPHATENSOR_TBB_PREFIX="$tbb_tsan" >/dev/null
cmake --build build-tsan -j "$jobs" --target test_mcts test_api
(cd build-tsan && TSAN_OPTIONS="halt_on_error=1" ctest --output-on-failure --no-tests=error -L 'mcts|api')

# train.sbatch's USR1/checkpoint/requeue/resume cycle, an improve job array and improve-mpi.sbatch
# under srun (pmix, pmi2), on a SLURM started and stopped by the script (about 4 minutes, mostly
# SLURM's own timing; the MPI stage about 35 s of it).
bash tools/slurm/selftest.sh

# The portable release in the Debian 11 root (tools/release.sh): glibc floor, NEEDED, fatbin, and
# the packaged binary's info/verify/improve/train runs there. The root is cached in /opt.
bash tools/release.sh --quick
