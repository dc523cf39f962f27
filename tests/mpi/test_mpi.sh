#!/usr/bin/env bash
# improve under MPI, run by CTest (label mpi):   tests/mpi/test_mpi.sh BINARY plain|openmpi|mpich [train|campaign]
#   (with train or campaign: that command across ranks instead, tests/mpi/train.sh, tests/mpi/campaign.sh)
#   plain:   a run without a launcher maps no libmpi (/proc/PID/maps) and links none (ldd); launcher
#            variables with ALPHATENSOR_MPI_LIB naming a missing file or a library that is not MPI,
#            or PMI variables with no PMI server (MPI reports 1 rank): exit 2, one line.
#   openmpi: mpirun -np 3 (--allow-run-as-root --oversubscribe --bind-to none);
#   mpich:   mpiexec.mpich -launcher fork -n 3;
#   abi, mpich5: the mpich wheel's own mpiexec -launcher fork -n 3 (ALPHATENSOR_MPICH_WHEEL: its
#            unpacked folder, default /opt/alphatensor-deps/mpich-wheel) with its MPI-5 standard ABI
#            libmpi_abi.so.1, or its libmpi.so.12 through the MPICH ABI backend;
#            each: improve 3x3x3 over GF(2) to rank 23 across 3 ranks, verified and written once by
#            rank 0 (one folder, one metrics.jsonl with per-rank figures, one summary line); info
#            under the launcher names the library;
#            a start that does not fit, ALPHATENSOR_MPI_LIB naming a missing file, or (mpirun) MPICH's library (it runs as a
#            singleton): exit 2, one line per rank; one rank killed with SIGKILL: the others exit
#            non-zero within seconds; one rank stopped (SIGSTOP, hung): the others' heartbeats abort
#            the job within about 10 s; after the SIGKILL, --resume on the same folder continues
#            from the best scheme written before the kill and keeps every file written.
# Exit 77 (skipped) when the launcher is not installed. Every wait has a timeout; every process
# started is killed on exit (by pid).
set -uo pipefail
BIN=$(readlink -f "$1")
MODE=$2
DATA=$(cd "$(dirname "$0")/../../data/schemes" && pwd)
work=$(mktemp -d /tmp/alphatensor_mpi_XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  # The ranks of a launcher we killed: found by the tag every process of this test carries.
  for e in /proc/[0-9]*/environ; do
    grep -qz "^ALPHATENSOR_TEST_TAG=$work$" "$e" 2>/dev/null && kill -9 "$(basename "$(dirname "$e")")" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
export ALPHATENSOR_TEST_TAG=$work NO_COLOR=1
fail() { echo "FAIL ($MODE): $*" >&2; exit 1; }
ok() { echo "ok ($MODE): $*"; }

# The ranks of this test's job (pids), optionally only rank $1.
ranks() {
  for e in /proc/[0-9]*/environ; do
    local pid; pid=$(basename "$(dirname "$e")")
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$BIN" ] || continue
    grep -qz "^ALPHATENSOR_TEST_TAG=$work$" "$e" 2>/dev/null || continue
    [ -z "${1:-}" ] || grep -qzE "^(OMPI_COMM_WORLD_RANK|PMI_RANK)=$1$" "$e" || continue
    echo "$pid"
  done
}

if [ "$MODE" = plain ]; then
  ldd "$BIN" | grep -qi mpi && fail "ldd lists an MPI library"
  "$BIN" improve --format 4,4,4 --time-limit 3s --threads 1 --out "$work/plain" >"$work/plain.log" 2>&1 &
  pid=$!; pids+=("$pid")
  sleep 1.5
  grep -q libc "/proc/$pid/maps" 2>/dev/null || fail "the plain run ended early: $(cat "$work/plain.log")"
  grep -qi "libmpi\|libmpich" "/proc/$pid/maps" && fail "a run without a launcher mapped MPI"
  wait "$pid" || fail "the plain run failed: $(cat "$work/plain.log")"
  grep -q "^MPI" "$work/plain.log" && fail "a plain run named MPI"
  ok "no libmpi in a plain run's maps"
  OMPI_COMM_WORLD_SIZE=3 OMPI_COMM_WORLD_RANK=0 ALPHATENSOR_MPI_LIB=$work/missing/libmpi.so.40 \
    "$BIN" improve --format 2,2,2 --out "$work/missing" >"$work/missing.out" 2>"$work/missing.err"
  rc=$?
  [ "$rc" = 2 ] || fail "missing ALPHATENSOR_MPI_LIB: exit $rc, not 2"
  [ "$(wc -l <"$work/missing.err")" = 1 ] && grep -q "ALPHATENSOR_MPI_LIB=.*no such file" "$work/missing.err" ||
    fail "missing ALPHATENSOR_MPI_LIB: not one line: $(cat "$work/missing.err")"
  [ -e "$work/missing" ] && fail "missing ALPHATENSOR_MPI_LIB: the output folder was created"
  ok "missing ALPHATENSOR_MPI_LIB: exit 2, one line"
  OMPI_COMM_WORLD_SIZE=3 OMPI_COMM_WORLD_RANK=0 ALPHATENSOR_MPI_LIB=libm.so.6 \
    "$BIN" improve --format 2,2,2 --out "$work/notmpi" >/dev/null 2>"$work/notmpi.err"
  rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l <"$work/notmpi.err")" = 1 ] && grep -q "no symbol MPI_" "$work/notmpi.err" ||
    fail "a library that is not MPI: exit $rc: $(cat "$work/notmpi.err")"
  ok "a library that is not MPI: exit 2, one line"
  if ldconfig -p | grep -q libmpich.so.12; then  # PMI variables without a PMI server: MPICH starts as a singleton
    PMI_SIZE=3 PMI_RANK=0 timeout 60 "$BIN" improve --format 2,2,2 --out "$work/single" >/dev/null 2>"$work/single.err"
    rc=$?
    [ "$rc" = 2 ] && [ "$(wc -l <"$work/single.err")" = 1 ] && grep -q "reports 1 rank(s) but .* started 3" "$work/single.err" ||
      fail "MPI of size 1 under a launcher of 3: exit $rc: $(cat "$work/single.err")"
    ok "MPI reporting 1 rank while the launcher says 3: exit 2, one line"
  fi
  exit 0
fi

case $MODE in
  openmpi)
    command -v mpirun.openmpi >/dev/null || { echo "skipped: no mpirun.openmpi"; exit 77; }
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
    launch=(mpirun.openmpi --oversubscribe --bind-to none -x ALPHATENSOR_TEST_TAG -x NO_COLOR) n=(-np 3)
    pass_lib=(-x ALPHATENSOR_MPI_LIB)
    lib="Open MPI" ;;
  mpich)
    command -v mpiexec.mpich >/dev/null || { echo "skipped: no mpiexec.mpich"; exit 77; }
    launch=(mpiexec.mpich -launcher fork) n=(-n 3)
    pass_lib=()  # Hydra passes the whole environment
    lib="MPICH" ;;
  abi|mpich5)  # PyPI's mpich wheel (tools/install_deps.sh): MPICH 5 under its own Hydra
    wheel=${ALPHATENSOR_MPICH_WHEEL:-/opt/alphatensor-deps/mpich-wheel}
    [ -x "$wheel/bin/mpiexec" ] || { echo "skipped: no mpich wheel in $wheel"; exit 77; }
    export LD_LIBRARY_PATH=$wheel/lib:$wheel/lib/mpich${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    launch=("$wheel/bin/mpiexec" -launcher fork) n=(-n 3)
    pass_lib=()
    if [ "$MODE" = abi ]; then  # the standard ABI library, named; else its libmpi.so.12, found by name
      export ALPHATENSOR_MPI_LIB=libmpi_abi.so.1
      lib="MPICH Version: *5\..*/libmpi_abi.so.1, MPI-5 standard ABI)"
    else
      lib="MPICH Version: *5\..*$wheel/lib/libmpi.so.12, MPICH ABI)"
    fi ;;
  *) echo "usage: $0 BINARY plain|openmpi|mpich|abi|mpich5" >&2; exit 2 ;;
esac

# one_line_per_rank LOG PATTERN: every line of ours in LOG is that one line, once per rank (Open MPI's
# mpirun kills the other ranks as soon as one exits non-zero: there, at least one).
one_line_per_rank() {
  local ours lines
  ours=$(grep -c "^alphatensor" "$1") lines=$(grep -c "^alphatensor improve: .*$2" "$1")
  [ "$ours" = "$lines" ] && { [ "$lines" = 3 ] || { [ "$MODE" = openmpi ] && [ "$lines" -ge 1 ]; }; } && return 0
  cat "$1" >&2
  return 1
}

if [ "${3:-}" = train ] || [ "${3:-}" = campaign ]; then
  . "$(dirname "$0")/$3.sh"
  exit 0
fi

# 1. improve over 3 ranks to the target: written once, by rank 0.
out=$work/run
timeout 120 "${launch[@]}" "${n[@]}" "$BIN" improve --format 3,3,3 --field Z2 --target-rank 23 --time-limit 100s \
  --threads 1 --out "$out" >"$work/run.log" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "improve over 3 ranks: exit $rc: $(tail -5 "$work/run.log")"
grep -q "^MPI: $lib.* 3 rank(s)" "$work/run.log" || fail "the first line does not name $lib: $(head -1 "$work/run.log")"
[ "$(grep -c "best rank 23 in" "$work/run.log")" = 1 ] || fail "not one summary line: $(cat "$work/run.log")"
[ "$(grep -c "^MPI:" "$work/run.log")" = 1 ] || fail "more than one rank reported"
f=$out/schemes/3x3x3_r23_Z2.json
[ -f "$f" ] || fail "no $f"
"$BIN" verify "$f" >/dev/null || fail "$f does not verify"
[ "$(grep -c '"rank":23' "$out/schemes/found.jsonl")" = 1 ] || fail "rank 23 logged more than once in found.jsonl"
[ "$(grep -c '"event":"start"' "$out/metrics.jsonl")" = 1 ] || fail "more than one start in metrics.jsonl"
grep '"event":"done"' "$out/metrics.jsonl" | grep -q '"ranks":\[{.*"rank":2' || fail "no per-rank figures in the done line"
grep '"event":"done"' "$out/metrics.jsonl" | grep -q '"stopped_by":"target"' || fail "the job did not stop by the target"
ok "improve over 3 ranks reached rank 23, written once by rank 0"
timeout 60 "${launch[@]}" -n 1 "$BIN" info >"$work/info.log" 2>&1 || fail "info under the launcher: $(cat "$work/info.log")"
grep -q "^MPI: *$lib" "$work/info.log" || fail "info does not name $lib: $(grep "^MPI" "$work/info.log")"
ok "info under the launcher names the library: $(grep "^MPI" "$work/info.log" | cut -c1-100)"

# 1b. To the time limit: rank 0's run waits for every rank's last best, so the best written is the
# best of all ranks.
timeout 120 "${launch[@]}" "${n[@]}" "$BIN" improve --format 4,4,4 --field Z2 --time-limit 6s --threads 1 \
  --out "$work/limit" >"$work/limit.log" 2>&1 || fail "improve to the time limit: $(tail -5 "$work/limit.log")"
done_line=$(grep '"event":"done"' "$work/limit/metrics.jsonl")
echo "$done_line" | grep -q '"stopped_by":"limit"' || fail "not stopped by the limit: $done_line"
best=$(echo "$done_line" | grep -o '"best_rank":[0-9]*' | head -1 | cut -d: -f2)
lowest=$(echo "$done_line" | grep -o '"best_rank":[0-9]*' | cut -d: -f2 | sort -n | head -1)
[ "$best" = "$lowest" ] || fail "rank 0 ended at $best while a rank had $lowest: $done_line"
"$BIN" verify "$work/limit/schemes/4x4x4_r${best}_Z2.json" >/dev/null || fail "the best of all ranks was not written"
ok "to the time limit: the best of all ranks ($best) written by rank 0"

# 1c. SIGUSR1 on rank 1 stops every rank (exit 4), everything found written.
timeout 120 "${launch[@]}" "${n[@]}" "$BIN" improve --format 4,4,4 --field Z2 --time-limit 100s --threads 1 \
  --out "$work/usr1" >"$work/usr1.log" 2>&1 &
job=$!; pids+=("$job")
for _ in $(seq 100); do grep -qs "^MPI:" "$work/usr1.log" && break; sleep 0.2; done
sleep 2
kill -USR1 "$(ranks 1)"
wait "$job"
rc=$?
[ "$rc" = 4 ] || fail "SIGUSR1 on rank 1: exit $rc, not 4: $(tail -5 "$work/usr1.log")"
grep '"event":"done"' "$work/usr1/metrics.jsonl" | grep -q '"stopped_by":"cancel"' || fail "SIGUSR1: no done line"
ok "SIGUSR1 on rank 1 stopped every rank (exit 4)"

# 2. ALPHATENSOR_MPI_LIB naming a missing file: exit 2 on every rank, one line each.
ALPHATENSOR_MPI_LIB=$work/missing/libmpi.so timeout 60 "${launch[@]}" "${pass_lib[@]}" "${n[@]}" "$BIN" improve \
  --format 2,2,2 --out "$work/missing" >"$work/missing.log" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "missing ALPHATENSOR_MPI_LIB under the launcher: exit $rc, not 2"
one_line_per_rank "$work/missing.log" "ALPHATENSOR_MPI_LIB=.*no such file" || fail "missing ALPHATENSOR_MPI_LIB: not one line per rank"
ok "missing ALPHATENSOR_MPI_LIB: exit 2, one line per rank"

# A start that does not fit (valid mod 2 only, searched over Z): exit 2, one line per rank, no abort.
timeout 60 "${launch[@]}" "${n[@]}" "$BIN" improve --from "$DATA/4x4x4_r47_Z2.json" --field Z --out "$work/bad" \
  >"$work/bad.log" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "a start not valid over Z: exit $rc, not 2: $(cat "$work/bad.log")"
one_line_per_rank "$work/bad.log" "not valid over Z" || fail "a start not valid over Z: not one line per rank"
ok "a start not valid over Z: exit 2, one line per rank"

# The other family's library joins no job: it runs as a singleton, which every rank must refuse.
# Only MPICH under mpirun: three Open MPI singletons started at once race for their session folder
# in /tmp, and one may fail inside MPI_Init (Open MPI's own message, exit 3).
other=libmpich.so.12
if [ "$MODE" = openmpi ] && ldconfig -p | grep -q "$other"; then
  ALPHATENSOR_MPI_LIB=$other timeout 60 "${launch[@]}" "${pass_lib[@]}" "${n[@]}" "$BIN" improve --format 2,2,2 \
    --out "$work/other" >"$work/other.log" 2>&1
  rc=$?
  [ "$rc" = 2 ] || fail "$other under the launcher: exit $rc, not 2: $(cat "$work/other.log")"
  one_line_per_rank "$work/other.log" "reports 1 rank(s) but .* started 3" || fail "$other under the launcher: not one line per rank"
  ok "$other under the launcher: exit 2, one line per rank"
fi

# 3. SIGKILL of rank 1 (the launcher sees it), then SIGSTOP of rank 2 (a hung rank: only the
# heartbeats see it): the others exit non-zero within seconds.
for sig in KILL STOP; do
  victim_rank=$([ $sig = KILL ] && echo 1 || echo 2)
  timeout 120 "${launch[@]}" "${n[@]}" "$BIN" improve --format 4,4,4 --field Z2 --time-limit 100s --threads 1 \
    --out "$work/$sig" >"$work/$sig.log" 2>&1 &
  job=$!; pids+=("$job")
  for _ in $(seq 100); do grep -qs "^MPI:" "$work/$sig.log" && break; sleep 0.2; done
  sleep 2
  victim=$(ranks "$victim_rank")
  [ -n "$victim" ] || fail "no rank $victim_rank found: $(cat "$work/$sig.log")"
  kill -"$sig" "$victim"
  t0=$(date +%s)
  wait "$job"
  rc=$?
  dt=$(($(date +%s) - t0))
  [ "$rc" != 0 ] || fail "the launcher exited 0 after SIG$sig of rank $victim_rank"
  [ "$rc" != 124 ] || fail "the job hung after SIG$sig of rank $victim_rank"
  [ "$dt" -le 30 ] || fail "the others took $dt s to end after SIG$sig"
  sleep 0.5
  [ -z "$(ranks)" ] || fail "ranks still running after the launcher exited: $(ranks)"
  ok "SIG$sig of rank $victim_rank: the job ended in $dt s with exit $rc"
  [ $sig = KILL ] || continue
  # --resume after the kill: from the best scheme in the folder, at least as good as the best rank 0
  # announced as written; every file written before stays; no find lost.
  written=$(grep -o "rank [0-9]* (written)" "$work/KILL.log" | grep -o "[0-9]*" | sort -n | head -1)
  [ -n "$written" ] || fail "nothing written before SIGKILL: $(cat "$work/KILL.log")"
  before=$(ls "$work/KILL/schemes/"*.json)
  best=$(echo "$before" | grep -o "_r[0-9]*_" | tr -d _r | sort -n | head -1)
  [ "$best" -le "$written" ] || fail "rank $written was announced as written, the folder's best is $best"
  timeout 120 "${launch[@]}" "${n[@]}" "$BIN" improve --format 4,4,4 --field Z2 --time-limit 4s --threads 1 \
    --out "$work/KILL" --resume >"$work/resume.log" 2>&1 || fail "--resume after SIGKILL: $(tail -5 "$work/resume.log")"
  grep -q "^resumed from .*4x4x4_r${best}_Z2.json (rank $best)" "$work/resume.log" ||
    fail "--resume did not start from rank $best: $(head -3 "$work/resume.log")"
  for f in $before; do [ -f "$f" ] || fail "--resume lost $f"; done
  end=$(grep '"event":"done"' "$work/KILL/metrics.jsonl" | tail -1 | grep -o '"best_rank":[0-9]*' | head -1 | cut -d: -f2)
  [ -n "$end" ] && [ "$end" -le "$best" ] || fail "--resume ended at ${end:-nothing}, worse than $best"
  "$BIN" verify "$work/KILL/schemes/"*.json >/dev/null || fail "a scheme after --resume does not verify"
  ok "--resume after SIGKILL continued from rank $best (written before the kill) to rank $end"
done
