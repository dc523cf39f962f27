#!/usr/bin/env bash
# One command for a lent GPU machine (an H200 with CUDA 13 and no network), run from the repo root:
#   bash tools/gpu_check.sh 2>&1 | tee gpu_check.log
# 1. builds for sm_90 (Release, static binary) and runs the CUDA test suite on the device:
#    test_kernels_gpu runs every kernel against the CPU references on the GPU;
# 2. the codegen GPU check (tools/gpu_check_codegen.sh): emitted CUDA for Strassen and the 4x4x4
#    rank-49 scheme against our tiled GEMM and cuBLAS;
# 3. `alphatensor info` (device, driver).
# Not yet here: `bench nn --device cuda` and the PyTorch GPU peer, which need the CUDA backend of the
# network (the kernels exist; the backend that drives them does not yet) — the script says so.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
jobs=$(nproc)
echo "== build (sm_90)"
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null || exit 1
cmake --build build-gpu -j "$jobs" >/dev/null || { echo "FAIL build"; exit 1; }
./build-gpu/alphatensor info
echo "== CUDA test suite"
(cd build-gpu && BOOST_TEST_COLOR_OUTPUT=no ctest --output-on-failure -R 'gpu' -V) || status=1
echo "== codegen on the GPU"
ALPHATENSOR=build-gpu/alphatensor bash tools/gpu_check_codegen.sh || status=1
echo "== network on the GPU: not available (no CUDA backend of the network in this build)"
exit $status
