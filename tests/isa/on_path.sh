#!/bin/sh
# on_path.sh ALPHATENSOR PATH COMMAND...: runs COMMAND with ALPHATENSOR_ISA=PATH (core/isa.hpp);
# exit 77 (skipped) when this CPU cannot run that path (alphatensor refuses it with exit 2).
bin=$1 isa=$2
shift 2
if ! ALPHATENSOR_ISA=$isa "$bin" info >/dev/null 2>&1; then
  echo "CPU path $isa: this CPU cannot run it; skipped"
  exit 77
fi
ALPHATENSOR_ISA=$isa exec "$@"
