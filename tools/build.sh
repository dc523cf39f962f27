#!/usr/bin/env bash
# Release build of the static `alphatensor` binary into build/ (dependencies: tools/install_deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j "$(nproc)"
echo "build/alphatensor: $(ldd build/alphatensor | awk '{print $1}' | tr '\n' ' ')"
