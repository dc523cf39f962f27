#!/usr/bin/env bash
# The SLURM scripts against a real SLURM on this machine (as root, Debian 12):
#   tools/slurm/selftest.sh [--keep DIR]
# Installs slurm-wlm and munge if absent, starts munged, slurmctld and slurmd on localhost with a
# minimal configuration written into a temporary folder (no cgroups, no accounting, SlurmUser
# root), then
#   1. submits tools/slurm/train.sbatch with a 2-minute limit and --signal=B:USR1@60: the job must
#      get USR1, write a checkpoint, exit 4, requeue itself, resume from that checkpoint and end
#      normally;
#   2. submits tools/slurm/improve-array.sbatch (one seed per task) and merges the tasks' schemes
#      with `alphatensor merge`, every merged file verified;
#   3. submits tools/slurm/improve-mpi.sbatch, 2 ranks under srun: Open MPI with --mpi=pmix through
#      a USR1, exit 4, requeue and resume; Debian's MPICH and the mpich wheel's MPI-5 standard ABI
#      library (if installed) with --mpi=pmi2, to the target rank.
# One summary line per stage with its time; exit 1 if any stage failed. Every wait has a timeout.
# Exactly the daemons it started are stopped (by pid) on exit, failure or Ctrl-C. --keep DIR keeps
# the configuration, logs and outputs in DIR (default: a temporary folder, removed at the end).
# ALPHATENSOR_BIN: the binary (default build/alphatensor).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$(readlink -f "${ALPHATENSOR_BIN:-build/alphatensor}")
keep=
while [ $# -gt 0 ]; do
  case $1 in
    --keep) keep=${2:?--keep needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "selftest: unknown argument '$1' (--keep DIR)" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "selftest: $BIN is missing: build it first (tools/build.sh)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "selftest: must run as root (it starts the SLURM daemons)" >&2; exit 2; }

T0=$(date +%s)
summary=()
failed=0
stage_t0=$T0
# stage_done NAME ok|FAIL [DETAIL]: one summary line with the stage's time.
stage_done() {
  local now; now=$(date +%s)
  summary+=("$(printf '%-8s %-4s %4ss  %s' "$1" "$2" $((now - stage_t0)) "${3:-}")")
  echo "selftest: stage $1: $2 ($((now - stage_t0)) s) ${3:-}"
  [ "$2" = ok ] || failed=1
  stage_t0=$now
}
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2; }
# A job (or every task of an array) has ended; an unknown job counts as ended.
job_done() {
  local s; s=$(scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  ! echo "$s" | grep -qE 'PENDING|RUNNING|REQUEUE|CONFIGURING|COMPLETING|SUSPENDED|RESIZING|SIGNALING|STAGE_OUT'
}
log() { echo "selftest: [$(( $(date +%s) - T0 ))s] $*"; }

if [ -n "$keep" ]; then mkdir -p "$keep" && T=$(readlink -f "$keep"); else T=$(mktemp -d /tmp/alphatensor-slurm.XXXXXX); fi
chmod 711 "$T"  # munged: the socket's folder must be searchable by everyone, writable by none
pids=()         # the daemons this script started, stopped in reverse order
jobs_submitted=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Jobs still running (a failure or Ctrl-C) first: slurmd going away would not end them.
  for j in "${jobs_submitted[@]}"; do
    job_done "$j" && continue
    log "cancelling job $j"
    scancel "$j" 2>/dev/null
    wait_until 30 "job $j to end" job_done "$j" && continue
    scancel --signal=KILL --full "$j" 2>/dev/null
    wait_until 15 "job $j to be killed" job_done "$j" && continue
    # Last resort: the job's own processes, as slurmd lists them.
    for p in $(scontrol listpids "$j" 2>/dev/null | awk 'NR > 1 { print $1 }'); do kill -KILL "$p" 2>/dev/null; done
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    local p=${pids[i]}
    kill -TERM "$p" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null && log "pid $p did not stop on TERM: killed"
    wait "$p" 2>/dev/null
  done
  if [ ${#summary[@]} -gt 0 ]; then
    echo "selftest summary (total $(( $(date +%s) - T0 )) s):"
    printf '  %s\n' "${summary[@]}"
  fi
  if [ -z "$keep" ]; then rm -rf "$T"; else echo "selftest: kept $T"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every second; fails after SECONDS.
wait_until() {
  local limit=$1 what=$2; shift 2
  local end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then log "timed out after ${limit}s waiting for $what"; return 1; fi
    sleep 1
  done
}

# --- install ------------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurm-wlm and munge from Debian"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get install -y -qq --no-install-recommends slurm-wlm munge >"$T/apt.log" 2>&1 ||
    { timeout 300 apt-get update -qq && timeout 600 apt-get install -y -qq --no-install-recommends slurm-wlm munge >>"$T/apt.log" 2>&1; } ||
    { tail -20 "$T/apt.log"; stage_done install FAIL "apt-get install slurm-wlm munge failed"; exit 1; }
fi
stage_done install ok "$(slurmctld -V)"

# --- daemons ------------------------------------------------------------------------------------
# Free ports, so a site's own SLURM (or a second selftest) on the default ones is not disturbed.
port=$(( 20000 + RANDOM % 20000 ))
while (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/$((port + 1))) 2>/dev/null; do
  port=$(( 20000 + RANDOM % 20000 ))
done
node=$(hostname -s)
mkdir -p "$T/state" "$T/spool" "$T/out"
head -c 1024 /dev/urandom >"$T/munge.key"
chmod 400 "$T/munge.key"
export SLURM_CONF=$T/slurm.conf
{
  echo "ClusterName=atselftest"
  echo "SlurmctldHost=$node(127.0.0.1)"
  echo "SlurmctldPort=$port"
  echo "SlurmdPort=$((port + 1))"
  echo "SlurmUser=root"
  echo "SlurmdUser=root"
  echo "AuthType=auth/munge"
  echo "CredType=cred/munge"
  # cred_expire also delays a requeued job's start (by cred_expire + 1 s; default 120 s).
  echo "AuthInfo=socket=$T/munge.sock,cred_expire=10"
  echo "StateSaveLocation=$T/state"
  echo "SlurmdSpoolDir=$T/spool"
  echo "SlurmctldPidFile=$T/slurmctld.pid"
  echo "SlurmdPidFile=$T/slurmd.pid"
  echo "SlurmctldLogFile=$T/slurmctld.log"
  echo "SlurmdLogFile=$T/slurmd.log"
  echo "ProctrackType=proctrack/linuxproc"
  echo "TaskPlugin=task/none"
  echo "JobAcctGatherType=jobacct_gather/none"
  echo "AccountingStorageType=accounting_storage/none"
  echo "JobCompType=jobcomp/none"
  echo "MpiDefault=none"
  echo "SchedulerType=sched/backfill"
  echo "SchedulerParameters=sched_interval=5,bf_interval=5"  # a requeued job starts seconds after its begin time
  echo "SelectType=select/cons_tres"
  echo "SelectTypeParameters=CR_Core"
  echo "ReturnToService=2"
  echo "JobRequeue=1"
  echo "KillWait=10"
  echo "MinJobAge=600"
  echo "$(slurmd -C | head -n 1) NodeAddr=127.0.0.1 State=UNKNOWN"
  echo "PartitionName=selftest Nodes=$node Default=YES MaxTime=INFINITE State=UP"
} >"$SLURM_CONF"

munged -F --socket="$T/munge.sock" --key-file="$T/munge.key" --pid-file="$T/munged.pid" \
       --log-file="$T/munged.log" --seed-file="$T/munged.seed" >"$T/munged.out" 2>&1 &
pids+=($!)
wait_until 20 munged test -S "$T/munge.sock" || { stage_done daemons FAIL "munged did not start ($T/munged.log)"; exit 1; }
slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { sinfo -h -n "$node" -o %t | grep -qE '^(idle|mix|alloc)'; }
if ! wait_until 60 "node $node idle" node_idle; then
  tail -5 "$T/slurmctld.log" "$T/slurmd.log" 2>/dev/null
  stage_done daemons FAIL "node $node did not become idle (logs in $T)"
  exit 1
fi
stage_done daemons ok "munged, slurmctld, slurmd (pids ${pids[*]}) on ports $port, $((port + 1))"

# check FILE PATTERN DESCRIPTION: one stage check, logged.
check() {
  if grep -qE "$2" "$1"; then log "  ok: $3"; else log "  MISSING: $3 (/$2/ in $1)"; return 1; fi
}

# --- train: USR1, checkpoint, exit 4, requeue, resume, normal end --------------------------------
# A tiny network on 2x2x2, one thread. SLURM signals when at most 60 s are left, checked about every
# 30 s, so USR1 comes 30-60 s into the job; the run's time limit (total over restarts) is 100 s, so
# the first run is stopped by the signal. Once requeued, the job gets 4 minutes, so the second run
# ends on its own (at 100 s in total) before a second signal.
train_out=$T/out/train
export ALPHATENSOR_BIN=$BIN ALPHATENSOR_OUT=$train_out ALPHATENSOR_MAX_RESTARTS=2
jid=$(sbatch --parsable --time=2 --signal=B:USR1@60 --cpus-per-task=1 --output="$T/train-%j.log" \
        "$ROOT/tools/slurm/train.sbatch" --target 2,2,2 --field Z2 --preset small --threads 1 \
        --set c=16 --set torso_heads=2 --set torso_head_dim=8 --set dec_heads=2 --set dec_head_dim=8 \
        --simulations 16 --steps-per-iteration 5 --batch-size 16 --checkpoint-every 1000 --time-limit 100s)
if [ -z "$jid" ]; then
  stage_done train FAIL "sbatch refused the job"
else
  jobs_submitted+=("$jid")
  log "train job $jid submitted"
  tlog=$T/train-$jid.log
  ok=1
  if wait_until 150 "train job $jid to requeue itself" grep -q "requeueing job $jid" "$tlog"; then
    scontrol update JobId="$jid" TimeLimit=4 || ok=0
  fi
  wait_until 300 "train job $jid to end" job_done "$jid" || ok=0
  state=$(job_state "$jid")
  restarts=$(scontrol show job "$jid" 2>/dev/null | grep -o 'Restarts=[0-9]*' | cut -d= -f2)
  log "train job $jid: state $state, restarts ${restarts:-?}; its log:"
  sed 's/^/    | /' "$tlog" 2>/dev/null | grep -vE '^\s+\| \[' | tail -n 40
  [ "$state" = COMPLETED ] || { log "  job state $state, expected COMPLETED"; ok=0; }
  check "$tlog" 'start \(restart 0\)' "first start" || ok=0
  check "$tlog" 'USR1: asking for a checkpoint' "USR1 received by the batch shell" || ok=0
  check "$tlog" 'checkpoint written to [^ ]+ \(step [0-9]+' "checkpoint written" || ok=0
  check "$tlog" 'alphatensor exited with code 4' "exit 4" || ok=0
  check "$tlog" "requeueing job $jid" "requeue" || ok=0
  check "$tlog" 'start \(restart 1\)' "restarted" || ok=0
  check "$tlog" 'alphatensor exited with code 0' "normal end" || ok=0
  # The resumed step is the checkpoint's step (> 0 when training had started).
  ck=$(grep -oE 'checkpoint written to [^ ]+ \(step [0-9]+' "$tlog" | head -n 1 | grep -oE '[0-9]+$')
  rs=$(grep -oE 'resumed from step [0-9]+' "$tlog" | head -n 1 | grep -oE '[0-9]+')
  if [ -n "$ck" ] && [ "$ck" = "$rs" ] && [ "$ck" -gt 0 ]; then log "  ok: resumed from the checkpoint's step $rs"
  else log "  MISSING: resume from the checkpoint's step (checkpoint ${ck:-none}, resumed ${rs:-none})"; ok=0; fi
  if [ $ok = 1 ]; then stage_done train ok "job $jid: USR1, checkpoint at step $ck, exit 4, requeued, resumed from step $rs, completed"
  else stage_done train FAIL "job $jid (log $tlog)"; fi
fi

# --- improve array + merge ----------------------------------------------------------------------
arr_out=$T/out/improve
export ALPHATENSOR_OUT=$arr_out
# --time=5: improve-array.sbatch's own USR1@120 must not come during the 12-s tasks.
ajid=$(sbatch --parsable --array=1-3 --cpus-per-task=1 --time=5 --output="$T/improve-%A_%a.log" \
         "$ROOT/tools/slurm/improve-array.sbatch" --format 3,3,3 --field Z2 --time-limit 12s --threads 1)
if [ -z "$ajid" ]; then
  stage_done array FAIL "sbatch refused the array"
else
  jobs_submitted+=("$ajid")
  log "improve array $ajid submitted (tasks 1-3)"
  ok=1
  wait_until 240 "array $ajid to end" job_done "$ajid" || ok=0
  ranks=()
  for i in 1 2 3; do
    st=$(job_state "${ajid}_$i")
    r=$(ls "$arr_out/task-$i/schemes/" 2>/dev/null | grep -oE '_r[0-9]+_' | tr -d '_r' | sort -n | head -n 1)
    log "  task $i: $st, best rank ${r:-none}"
    [ "$st" = COMPLETED ] && [ -n "$r" ] || ok=0
    [ -n "$r" ] && ranks+=("$r")
  done
  best=$(printf '%s\n' "${ranks[@]}" | sort -n | head -n 1)
  if [ $ok = 1 ] && "$BIN" merge "$arr_out"/task-* --out "$T/out/merged" >"$T/merge.log" 2>&1; then
    sed 's/^/    | /' "$T/merge.log"
    merged=("$T"/out/merged/schemes/*.json)
    if [ -e "${merged[0]}" ] && "$BIN" verify "${merged[@]}" >/dev/null &&
       [ -e "$T/out/merged/schemes/3x3x3_r${best}_Z2.json" ]; then
      stage_done array ok "array $ajid: ranks ${ranks[*]}; merged ${#merged[@]} file(s), best rank $best, all verified"
    else
      stage_done array FAIL "merged folder lacks a verified 3x3x3_r${best}_Z2.json"
    fi
  else
    [ -s "$T/merge.log" ] && cat "$T/merge.log"
    stage_done array FAIL "array $ajid or merge failed (logs in $T)"
  fi
fi

# --- improve across MPI ranks: improve-mpi.sbatch under srun -----------------------------------
# 2 ranks of one core on this node. Open MPI through srun --mpi=pmix: the job gets USR1 (scancel
# --batch, as SLURM's warning would), the ranks stop together (exit 4), the job requeues itself and
# resumes from the best scheme written, then ends at its time limit. Debian's MPICH through
# --mpi=pmi2, and the mpich wheel's MPI-5 standard ABI library (when tools/install_deps.sh unpacked
# it; it has no PMIx): one run each to the target rank.
mpi_out=$T/out/mpi
wheel=${ALPHATENSOR_MPICH_WHEEL:-/opt/alphatensor-deps/mpich-wheel}
# mpi_job NAME PLUGIN [VAR=VALUE...] -- IMPROVE ARGS: submits improve-mpi.sbatch; prints the job id.
mpi_job() {
  local name=$1 plugin=$2; shift 2
  local vars=(ALPHATENSOR_OUT="$mpi_out/$name" ALPHATENSOR_SRUN_MPI="$plugin" ALPHATENSOR_MAX_RESTARTS=1)
  while [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  env "${vars[@]}" sbatch --parsable --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --time=3 \
    --output="$T/mpi-$name-%j.log" "$ROOT/tools/slurm/improve-mpi.sbatch" --field Z2 --threads 1 "$@"
}
ok=1
detail=()
jid=$(mpi_job pmix pmix -- --format 4,4,4 --time-limit 8s)
[ -n "$jid" ] && jobs_submitted+=("$jid") || ok=0
mlog=$T/mpi-pmix-$jid.log
if [ -n "$jid" ] && wait_until 90 "job $jid's ranks to start" grep -q "^MPI: Open MPI.* 2 rank(s) under srun (PMIx)" "$mlog"; then
  sleep 2
  scancel --batch --signal=USR1 "$jid"
  wait_until 150 "job $jid to end" job_done "$jid" || ok=0
  state=$(job_state "$jid")
  sed 's/^/    | /' "$mlog" | grep -vE '^\s+\| \[' | tail -n 20
  [ "$state" = COMPLETED ] || { log "  job state $state, expected COMPLETED"; ok=0; }
  check "$mlog" 'alphatensor exited with code 4' "the ranks stopped together on USR1 (exit 4)" || ok=0
  check "$mlog" "requeueing job $jid" "requeue" || ok=0
  check "$mlog" 'resumed from .*/4x4x4_r[0-9]+_Z2.json' "resumed from the best scheme written" || ok=0
  check "$mlog" 'alphatensor exited with code 0' "normal end at the time limit" || ok=0
  "$BIN" verify "$mpi_out/pmix/schemes/"*.json >/dev/null || { log "  a written scheme does not verify"; ok=0; }
  detail+=("pmix (Open MPI): USR1, exit 4, requeued, resumed")
else
  ok=0
fi
runs=("pmi2 pmi2")
[ -f "$wheel/lib/libmpi_abi.so.1" ] &&
  runs+=("abi pmi2 LD_LIBRARY_PATH=$wheel/lib:$wheel/lib/mpich ALPHATENSOR_MPI_LIB=libmpi_abi.so.1")
for r in "${runs[@]}"; do
  read -r -a a <<<"$r"
  jid=$(mpi_job "${a[@]}" -- --format 3,3,3 --target-rank 23 --time-limit 60s)
  [ -n "$jid" ] && jobs_submitted+=("$jid") || { ok=0; continue; }
  wait_until 90 "job $jid to end" job_done "$jid" || ok=0
  mlog=$T/mpi-${a[0]}-$jid.log
  grep -E '^MPI:|best rank|exited' "$mlog" | sed 's/^/    | /'
  [ "$(job_state "$jid")" = COMPLETED ] || { log "  job $jid: $(job_state "$jid"), expected COMPLETED"; ok=0; }
  check "$mlog" "^MPI: .* 2 rank\(s\) under srun \(PMI\)" "${a[0]}: 2 ranks under srun --mpi=pmi2" || ok=0
  "$BIN" verify "$mpi_out/${a[0]}/schemes/3x3x3_r23_Z2.json" >/dev/null || { log "  ${a[0]}: no verified rank 23"; ok=0; }
  detail+=("${a[0]}: rank 23")
done
mpi_detail=$(printf '%s; ' "${detail[@]}")
if [ $ok = 1 ]; then stage_done mpi ok "${mpi_detail%; }"; else stage_done mpi FAIL "improve-mpi.sbatch (logs in $T)"; fi

exit $failed
