#!/usr/bin/env bash
# One command for a lent GPU machine (an H200 with CUDA 13 and no network), run from the repo root:
#   bash tools/gpu_check.sh 2>&1 | tee gpu_check.log
# 1. builds for sm_90 (Release, static binary) and runs the CUDA test suite on the device:
#    test_kernels_gpu runs every kernel against the CPU references on the GPU;
# 2. the codegen GPU check (tools/gpu_check_codegen.sh): emitted CUDA for Strassen and the 4x4x4
#    rank-49 scheme against our tiled GEMM and cuBLAS; then the fewest-additions rank-49 schemes
#    (Strassen x Strassen, Winograd x Winograd, FOUND_444=FILE if set) at n=8192 against cuBLAS;
# 3. the network on the GPU: `bench nn --device cuda` (our kernels, fp32 and TF32 tensor cores)
#    against the same network in PyTorch eager on the same GPU (tools/bench/nn_vs_pytorch.sh:
#    outside check of our CUDA gradients, then ours/PyTorch times and our tiled matmul/cuBLAS), at
#    the paper preset (batch 256 and 2048; S=25 needs about 2.5 GB of activations per training
#    sample, so a batch that does not fit says so in one line and the script goes on), the paper
#    preset at S=9 (a 3x3x3 run's network) and the small preset.
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
echo "== network on the GPU"
peer() {  # preset batch extra-args...
  local preset=$1 batch=$2
  shift 2
  echo "-- $preset batch $batch $*"
  ALPHATENSOR_BIN=build-gpu/alphatensor bash tools/bench/nn_vs_pytorch.sh --device cuda --preset "$preset" \
    --batch "$batch" --threads "$jobs" --seconds 3 "$@" || status=1
}
for tc in "" --tf32; do
  peer small 256 $tc
  peer paper 256 $tc
  peer paper 2048 $tc
done
peer paper 256 --set S=9
peer paper 256 --set S=9 --tf32
exit $status
