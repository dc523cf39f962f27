#!/usr/bin/env bash
# The CPU paths (core/isa.hpp) on emulated older CPUs (qemu-user, tools/install_deps.sh): the
# baseline path on a CPU without AVX (Nehalem) and the AVX2 path on one without AVX-512 (Haswell),
# each chosen by the binary itself, through verify, a short train and a short bench (asking for
# bf16, which these CPUs lack). A path that
# holds wider instructions than its CPU (the ODR trap of cmake/AlphatensorIsa.cmake) dies with SIGILL.
# Usage: qemu_paths.sh ALPHATENSOR SHARED_DIR
set -euo pipefail
bin=$1 shared=$2
command -v qemu-x86_64 >/dev/null || { echo "qemu_paths: qemu-x86_64 missing (apt-get install qemu-user)"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
tiny=(--set c=16 --set torso_layers=1 --set torso_heads=2 --set torso_head_dim=8 --set dec_layers=1 --set dec_heads=2
      --set dec_head_dim=8 --set value_width=16 --set token_d=3)

for cpu_path in Nehalem:sse2 Haswell:avx2; do
  cpu=${cpu_path%%:*} want=${cpu_path##*:}
  run() { timeout 120 qemu-x86_64 -cpu "$cpu" "$bin" "$@" 2> >(grep -v "TCG doesn.t support" >&2); }
  path=$(run info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cpu_path"])')
  [ "$path" = "$want" ] || { echo "$cpu: chose CPU path '$path', expected $want"; exit 1; }
  if ALPHATENSOR_ISA=avx512 run info >/dev/null 2>&1; then echo "$cpu: ALPHATENSOR_ISA=avx512 was not refused"; exit 1; fi
  run verify "$shared/schemes/2x2x2_r7_Z.json" >/dev/null
  run train --target 1,1,2 --field Z2 "${tiny[@]}" --simulations 8 --samples 4 --steps-per-iteration 2 --batch-size 8 \
      --games-per-iteration 2 --threads 2 --max-steps 2 --time-limit 60 --out "$out/train_$cpu" >"$out/train.log" 2>&1 ||
    { tail -5 "$out/train.log"; echo "$cpu: train failed"; exit 1; }
  grep -q '"event":"finished".*"step":2' "$out/train_$cpu/metrics.jsonl" || { echo "$cpu: train made no 2 steps"; exit 1; }
  # bf16 asked for on a CPU without AVX512-BF16: fp32, never the bf16 kernel.
  bench=$(run bench nn --preset small --batch 2 --samples 2 --threads 2 --seconds 0.05 --sgemm 64 "${tiny[@]}" --set bf16=on)
  grep -q "nn CPU path: $want" <<<"$bench" || { echo "$bench"; echo "$cpu: bench does not name path $want"; exit 1; }
  if grep -q "inference bf16" <<<"$bench"; then echo "$cpu: bf16 chosen without AVX512-BF16"; exit 1; fi
  echo "$cpu: path $want: verify, train (2 steps) and bench nn ran"
done
