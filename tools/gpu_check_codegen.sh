#!/usr/bin/env bash
# GPU checks of `alphatensor codegen --lang cuda` (issue 6), for a lent H200; to be called from
# tools/gpu_check.sh. NOT RUN on the development machines (they have no GPU): there, test_codegen
# only checks that the emitted .cu compiles with nvcc for sm_80 and sm_90.
#
# What it does, per scheme (Strassen 2x2x2 rank 7 and the 4x4x4 rank-49 scheme):
#   1. emits the CUDA source with `alphatensor codegen SCHEME --lang cuda` (a CPU-only build of the
#      binary is enough: it only writes source);
#   2. compiles it with its own main() and the cuBLAS reference line
#      (nvcc -O3 -arch=$ARCH -DALPHATENSOR_CODEGEN_MAIN -DALPHATENSOR_CODEGEN_CUBLAS ... -lcublas);
#   3. runs it for each n in $SIZES and levels 1 and 2. Each run prints three lines: our tiled GEMM
#      alone, the scheme (time, GFLOP/s counting 2n^3, speedup over the tiled GEMM) and cuBLAS SGEMM,
#      each with its relative error against a double-accumulating reference kernel; best of 5 runs
#      after a warm-up, timed with CUDA events. A run exits 1 when the scheme's error exceeds 1e-3.
# Then the fewest-additions comparison (issue 20): Strassen x Strassen (206 block additions after
# elimination) against Winograd x Winograd (167) and, when FOUND_444 names it, a 4x4x4 rank-49 scheme
# found by `improve --objective additions`, each one level of 4x4 blocks at n = 8192 against cuBLAS
# (the bar: the published +8.5% over the standard multiply, V100). Then the CPU executor on the
# lent machine's cores (`alphatensor bench scheme`, n = 4096).
#
# Usage: bash tools/gpu_check_codegen.sh        (from anywhere; about 3-4 minutes on an H200)
# Environment: ALPHATENSOR (binary, default build/alphatensor), NVCC (default nvcc), ARCH (sm_90),
#              SIZES ("4096 8192 16384"), WORK (folder for the sources and programs, default a temp dir),
#              CPU_CHECK (1; 0 skips the CPU executor section), FOUND_444 (a 4x4x4 rank-49 scheme
#              file for the fewest-additions comparison; default none).
# Exit status: 0 when every program compiled, ran and passed its error check; 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
ALPHATENSOR=${ALPHATENSOR:-build/alphatensor}
NVCC=${NVCC:-nvcc}
ARCH=${ARCH:-sm_90}
SIZES=${SIZES:-"4096 8192 16384"}
WORK=${WORK:-$(mktemp -d /tmp/gpu_check_codegen.XXXXXX)}
status=0

echo "== codegen GPU check: $("$NVCC" --version | tail -1); $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
for spec in 2x2x2_r7_Z:strassen 4x4x4_r49_Z:s444_r49; do
  scheme=data/schemes/${spec%%:*}.json
  name=${spec##*:}
  if ! "$ALPHATENSOR" codegen "$scheme" --lang cuda --name "$name" -o "$WORK/$name.cu" ||
     ! "$NVCC" -O3 -std=c++17 -arch="$ARCH" -DALPHATENSOR_CODEGEN_MAIN -DALPHATENSOR_CODEGEN_CUBLAS \
         "$WORK/$name.cu" -o "$WORK/$name" -lcublas; then
    echo "FAIL $name: emit or compile"; status=1; continue
  fi
  for n in $SIZES; do
    for levels in 1 2; do
      echo "-- $scheme n=$n levels=$levels"
      "$WORK/$name" "$n" "$levels" 5 || { echo "FAIL $name n=$n levels=$levels (exit $?)"; status=1; }
    done
  done
done

echo "== fewest additions at rank 49, n=8192, one level (bar: the published +8.5% over the standard multiply)"
"$ALPHATENSOR" scheme --builtin strassen --kron strassen -o "$WORK/ss.json" >/dev/null &&
  "$ALPHATENSOR" scheme --builtin winograd --kron winograd -o "$WORK/ww.json" >/dev/null || { echo "FAIL scheme"; status=1; }
for spec in "$WORK/ss.json:ss444" "$WORK/ww.json:ww444" ${FOUND_444:+"$FOUND_444:found444"}; do
  scheme=${spec%:*}
  name=${spec##*:}
  if ! "$ALPHATENSOR" codegen "$scheme" --lang cuda --name "$name" -o "$WORK/$name.cu" ||
     ! "$NVCC" -O3 -std=c++17 -arch="$ARCH" -DALPHATENSOR_CODEGEN_MAIN -DALPHATENSOR_CODEGEN_CUBLAS \
         "$WORK/$name.cu" -o "$WORK/$name" -lcublas; then
    echo "FAIL $name: emit or compile"; status=1; continue
  fi
  echo "-- $scheme ($name) n=8192 levels=1"
  "$WORK/$name" 8192 1 5 || { echo "FAIL $name n=8192 levels=1 (exit $?)"; status=1; }
done

if [ "${CPU_CHECK:-1}" != 0 ]; then
  echo "== CPU executor on this machine's $(nproc) cores (Eigen alone vs the scheme's plan)"
  for scheme in 2x2x2_r7_Z 4x4x4_r49_Z; do
    "$ALPHATENSOR" bench scheme "data/schemes/$scheme.json" --n 4096 --levels 1,2 --repeat 3 || status=1
  done
fi
echo "== codegen GPU check: $([ $status = 0 ] && echo PASSED || echo FAILED) (sources and programs in $WORK)"
exit $status
