#!/usr/bin/env bash
# Our network against the same network in PyTorch (tools/bench/nn_torch.py) on the same machine,
# threads and shapes: first an outside check (PyTorch's losses and gradients on our exported
# weights and one batch must agree with ours), then time ours/PyTorch for inference (K samples per
# state) and for a training step. PyTorch comes from PyPI into a virtual environment this script
# creates (ALPHATENSOR_TORCH_VENV, default build/venv-torch); nothing else needs it.
#
#   tools/bench/nn_vs_pytorch.sh --device cpu --preset small|paper --batch B [--threads T] [--samples K]
set -euo pipefail
cd "$(dirname "$0")/../.."
device=cpu preset=small batch=8 threads=$(nproc) samples=32 seconds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "nn_vs_pytorch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$device" != cpu ]; then
  echo "nn_vs_pytorch.sh: --device $device: only the CPU backend exists so far" >&2
  exit 2
fi
bin=${ALPHATENSOR_BIN:-build/alphatensor}
[ -x "$bin" ] || { echo "nn_vs_pytorch.sh: $bin not found (build first: tools/build.sh)" >&2; exit 2; }
venv=${ALPHATENSOR_TORCH_VENV:-build/venv-torch}
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "installing PyTorch from PyPI into $venv ..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch numpy
fi
py="$venv/bin/python"
dir=$(mktemp -d /tmp/alphatensor_nn_vs_pytorch.XXXXXX)
trap 'rm -rf "$dir"' EXIT
common=(--preset "$preset" --batch "$batch" --set dropout=0)

"$bin" bench nn "${common[@]}" --dump "$dir" > /dev/null
"$py" tools/bench/nn_torch.py check "$dir"

ours=$("$bin" bench nn "${common[@]}" --threads "$threads" --samples "$samples" --seconds "$seconds" --json)
theirs=$("$py" tools/bench/nn_torch.py bench "$dir" --threads "$threads" --samples "$samples" --seconds "$seconds")
OURS="$ours" THEIRS="$theirs" "$py" - "$preset" "$batch" "$samples" <<'PY'
import json, os, sys
preset, batch, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ours = [json.loads(l) for l in os.environ["OURS"].splitlines() if l.startswith("{")]
theirs = json.loads(os.environ["THEIRS"])
rate = lambda unit: next(r["value"] for r in ours if r["unit"] == unit)
t_inf, t_train = batch / rate("states/s"), batch / rate("samples/s")
print("preset %s, batch %d, K=%d, %d threads, PyTorch %s" % (preset, batch, samples, theirs["threads"], theirs["torch"]))
print("inference:     ours %.4f s  pytorch %.4f s  ours/pytorch %.2f" % (t_inf, theirs["inference_s"], t_inf / theirs["inference_s"]))
print("training step: ours %.4f s  pytorch %.4f s  ours/pytorch %.2f" % (t_train, theirs["train_s"], t_train / theirs["train_s"]))
PY
