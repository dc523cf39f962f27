#!/usr/bin/env bash
# Our network against the same network in PyTorch (tools/bench/nn_torch.py) on the same machine,
# threads and shapes: first an outside check (PyTorch's losses and gradients on our exported
# weights and one batch must agree with ours), then time ours/PyTorch for inference (K samples per
# state) and for a training step. PyTorch comes from PyPI into a virtual environment this script
# creates (ALPHATENSOR_TORCH_VENV, default build/venv-torch) unless the python3 on PATH already has
# it (a GPU node with PyTorch and no network); nothing else needs it. On CUDA it also prints our
# tiled matmul against cuBLAS (through torch.matmul) on 4096² operands, fp32 and TF32.
#
#   tools/bench/nn_vs_pytorch.sh --device cpu|cuda --preset small|cpu|paper --batch B [--threads T] [--samples K] [--tf32]
#     [--compile] [--set key=value]...   (network settings, as `alphatensor bench nn --set`)
# --compile also times PyTorch with torch.compile (torso and training loss; compiling takes minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
device=cpu preset=small batch=8 threads=$(nproc) samples=32 seconds=2 tf32= compile= sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --tf32) tf32=1; shift ;;
    --compile) compile=1; shift ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "nn_vs_pytorch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$device" in cpu|cuda) ;; *) echo "nn_vs_pytorch.sh: --device must be cpu or cuda" >&2; exit 2 ;; esac
bin=${ALPHATENSOR_BIN:-build/alphatensor}
[ -x "$bin" ] || { echo "nn_vs_pytorch.sh: $bin not found (build first: tools/build.sh)" >&2; exit 2; }
venv=${ALPHATENSOR_TORCH_VENV:-build/venv-torch}
if "$venv/bin/python" -c "import torch" 2>/dev/null; then
  py="$venv/bin/python"
elif python3 -c "import torch" 2>/dev/null; then
  py=python3
else
  echo "installing PyTorch from PyPI into $venv ..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch numpy
  py="$venv/bin/python"
fi
# PyTorch's OpenMP threads spin while waiting for work by default; on a machine shared with other
# jobs they lose their time slices spinning (measured: a 2-thread cpu-preset inference 50x slower
# under load). Passive waiting is what a peer sets there; OMP_WAIT_POLICY=ACTIVE restores spinning.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
dir=$(mktemp -d /tmp/alphatensor_nn_vs_pytorch.XXXXXX)
trap 'rm -rf "$dir"' EXIT
common=(--preset "$preset" --batch "$batch" "${sets[@]}" --set dropout=0 --device "$device")

# The outside check runs on the device too: the dumped gradients are the chosen backend's (fp32:
# the check's tolerance is fp32's).
"$bin" bench nn "${common[@]}" --dump "$dir" > /dev/null
"$py" tools/bench/nn_torch.py check "$dir" --device "$device"

ours=$("$bin" bench nn "${common[@]}" ${tf32:+--tensor-cores} --threads "$threads" --samples "$samples" --seconds "$seconds" --json)
theirs=$("$py" tools/bench/nn_torch.py bench "$dir" --device "$device" ${tf32:+--tf32} --threads "$threads" \
  --samples "$samples" --seconds "$seconds")
if [ -n "$compile" ]; then
  theirs="$theirs
$("$py" tools/bench/nn_torch.py bench "$dir" --device "$device" ${tf32:+--tf32} --threads "$threads" \
  --samples "$samples" --seconds "$seconds" --compile)"
fi
OURS="$ours" THEIRS="$theirs" "$py" - "$preset" "$batch" "$samples" <<'PY'
import json, os, sys
preset, batch, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ours = [json.loads(l) for l in os.environ["OURS"].splitlines() if l.startswith("{")]
runs = [json.loads(l) for l in os.environ["THEIRS"].splitlines() if l.startswith("{")]
rate = lambda unit: next(r["value"] for r in ours if r.get("unit") == unit)
named = lambda suffix: next((r["value"] for r in ours if r["name"].endswith(suffix)), None)
t_inf, t_train = batch / rate("states/s"), batch / rate("samples/s")
theirs = runs[0]
print("preset %s, batch %d, K=%d, device %s, %d threads, PyTorch %s %s, OMP_WAIT_POLICY=%s" % (
    preset, batch, samples, theirs["device"], theirs["threads"], theirs["torch"], theirs.get("gpu", ""),
    os.environ.get("OMP_WAIT_POLICY", "")))
for t in runs:
    how = "pytorch+compile" if t["compile"] else "pytorch"
    print("inference:     ours %.4f s  %s %.4f s  ours/%s %.2f" % (t_inf, how, t["inference_s"], how, t_inf / t["inference_s"]))
    print("training step: ours %.4f s  %s %.4f s  ours/%s %.2f" % (t_train, how, t["train_s"], how, t_train / t["train_s"]))
for kind in ("fp32", "tf32"):
    mine, ref = named("tiled matmul 4096^2 " + kind), theirs.get("matmul_%s_gflops" % kind)
    if mine and ref:
        print("matmul 4096^2 %s: ours %.0f GFLOP/s  cuBLAS %.0f GFLOP/s  ours/cuBLAS %.2f" % (kind, mine, ref, mine / ref))
PY
