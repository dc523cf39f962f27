# train across MPI ranks; sourced by test_mpi.sh (BINARY openmpi|mpich train), which sets launch, n,
# lib, work, fail, ok, ranks and the cleanup. Every run has a timeout.
#   1. --target 2,2,2 --polish --target-rank 7 over 3 ranks: rank 7 found, verified, written once
#      by rank 0 (one start line, per-rank figures: rank 7 may come before rank 2's first round);
#   2. SIGTERM on an actor rank: the learner writes a checkpoint, every rank exits 4;
#   3. SIGKILL of an actor rank: the others exit non-zero within seconds; --resume over 2 ranks
#      (another number of ranks) continues from the checkpoint.

# start_job NAME ARGS...: train over 3 ranks in the background (job=its pid), once it has a checkpoint.
start_job() {
  local name=$1; shift
  timeout 120 "${launch[@]}" "${n[@]}" "$BIN" train --target 2,2,2 --time-limit 100s --threads 1 --checkpoint-every 2 \
    --out "$work/$name" "$@" >"$work/$name.log" 2>&1 &
  job=$!; pids+=("$job")
  # compgen -G, not ls: the ring removes an old checkpoint between ls's glob and its stat of the file.
  for _ in $(seq 150); do compgen -G "$work/$name/checkpoints/ckpt_*.json" >/dev/null && break; sleep 0.2; done
  compgen -G "$work/$name/checkpoints/ckpt_*.json" >/dev/null || fail "train $name: no checkpoint: $(tail -5 "$work/$name.log")"
}

# 1.
out=$work/train
timeout 120 "${launch[@]}" "${n[@]}" "$BIN" train --target 2,2,2 --polish --target-rank 7 --time-limit 100s --threads 1 \
  --out "$out" >"$work/train.log" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "train over 3 ranks: exit $rc: $(tail -5 "$work/train.log")"
grep -q "^MPI: $lib.* 3 rank(s)" "$work/train.log" || fail "train: the first line does not name $lib"
[ "$(grep -c "^alphatensor train:" "$work/train.log")" = 1 ] || fail "train: more than one rank reported"
"$BIN" verify "$out/schemes/2x2x2_r7_Z.json" >/dev/null || fail "train: no verified rank 7"
[ "$(grep '"event":"new_best"' "$out/metrics.jsonl" | grep -c '"rank":7')" = 1 ] || fail "train: rank 7 not written once"
[ "$(grep -c '"event":"start"' "$out/metrics.jsonl")" = 1 ] || fail "train: more than one start line"
grep '"event":"finished"' "$out/metrics.jsonl" | grep -q '"actors":\[{.*"rank":[12]' || fail "train: no per-rank figures"
ok "train over 3 ranks found rank 7, written once by rank 0"

# 2.
start_job term
kill -TERM "$(ranks 2)"
wait "$job"
rc=$?
[ "$rc" = 4 ] || fail "SIGTERM on rank 2: exit $rc, not 4: $(tail -5 "$work/term.log")"
grep -q '"event":"stopped"' "$work/term/metrics.jsonl" || fail "SIGTERM on rank 2: no stopped line"
grep -q "checkpoint written" "$work/term.log" || fail "SIGTERM on rank 2: no checkpoint"
ok "SIGTERM on rank 2: checkpoint written, every rank exited 4"

# 3.
start_job kill
kill -KILL "$(ranks 1)"
t0=$(date +%s)
wait "$job"
rc=$?
dt=$(($(date +%s) - t0))
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "train after SIGKILL of rank 1: exit $rc"
[ "$dt" -le 30 ] || fail "train: the others took $dt s to end after SIGKILL"
sleep 0.5
[ -z "$(ranks)" ] || fail "train: ranks still running after the launcher exited: $(ranks)"
last=$(ls "$work/kill/checkpoints/" | grep -o 'ckpt_[0-9]*\.json' | sort | tail -1 | tr -dc 0-9 | sed 's/^0*//')
to=$((${last:-0} + 4))
n=("${n[0]}" 2)
timeout 120 "${launch[@]}" "${n[@]}" "$BIN" train --target 2,2,2 --time-limit 100s --threads 1 --max-steps "$to" \
  --out "$work/kill" --resume >"$work/resume.log" 2>&1 || fail "--resume over 2 ranks: $(tail -5 "$work/resume.log")"
grep -q "resumed from step [1-9]" "$work/resume.log" || fail "--resume did not resume: $(head -3 "$work/resume.log")"
grep -q "\"event\":\"finished\".*\"step\":$to" "$work/kill/metrics.jsonl" || fail "--resume did not reach step $to"
ok "SIGKILL of rank 1: the job ended in $dt s (exit $rc); --resume over 2 ranks continued"
