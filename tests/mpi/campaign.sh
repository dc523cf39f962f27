# campaign across MPI ranks; sourced by test_mpi.sh (BINARY openmpi|mpich campaign), which sets
# launch, n, lib, work, fail, ok, ranks and the cleanup. Every run has a timeout.
#   1. four small formats over 3 ranks: each at its best known rank, every scheme verified, one
#      report and one metrics file, written by rank 0;
#   2. SIGTERM on rank 2 during a visit (the first visit of 3x4x4 takes 15-20 s): every rank exits
#      4, the cut visit is in campaign.json; --resume redoes it and goes on.

# 1.
out=$work/campaign
timeout 120 "${launch[@]}" "${n[@]}" "$BIN" campaign --formats 2,2,2 --formats 2,2,3 --formats 2,3,3 --formats 3,3,3 \
  --field Z2 --time-limit 60s --threads 1 --out "$out" >"$work/campaign.log" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "campaign over 3 ranks: exit $rc: $(tail -5 "$work/campaign.log")"
grep -q "^MPI: $lib.* 3 rank(s)" "$work/campaign.log" || fail "campaign: the first line does not name $lib"
grep -q "4 of 4 formats at the best known rank" "$work/campaign.log" || fail "campaign: $(tail -6 "$work/campaign.log")"
[ "$(grep -c "done (every format at its best known rank)" "$work/campaign.log")" = 1 ] || fail "campaign: not one report"
[ "$(grep -c '"event":"start"' "$out/metrics.jsonl")" = 1 ] || fail "campaign: not one start line"
for f in "$out"/schemes/*.json; do "$BIN" verify "$f" >/dev/null || fail "campaign: $f does not verify"; done
ok "campaign over 3 ranks: 4 of 4 formats at the best known rank, one report, every scheme verified"

# 2.
out=$work/stop
timeout 120 "${launch[@]}" "${n[@]}" "$BIN" campaign --formats 3,4,4 --field Z2 --time-limit 60s --threads 1 \
  --out "$out" >"$work/stop.log" 2>&1 &
job=$!; pids+=("$job")
for _ in $(seq 150); do grep -q '"event":"visit"' "$out/metrics.jsonl" 2>/dev/null && break; sleep 0.2; done
sleep 1
kill -TERM "$(ranks 2)"
wait "$job"
rc=$?
[ "$rc" = 4 ] || fail "campaign, SIGTERM on rank 2: exit $rc, not 4: $(tail -5 "$work/stop.log")"
grep -q '"current":{' <(tr -d ' \n' <"$out/campaign.json") || fail "campaign, SIGTERM: no cut visit in campaign.json"
# The time limit is the campaign's total: a few seconds past what the cut run used.
used=$(grep -o '"elapsed": *[0-9]*' "$out/campaign.json" | grep -o '[0-9]*$')
timeout 120 "${launch[@]}" "${n[@]}" "$BIN" campaign --formats 3,4,4 --field Z2 --time-limit "$((used + 4))s" --threads 1 \
  --out "$out" --resume >"$work/resume.log" 2>&1 || fail "campaign --resume: $(tail -5 "$work/resume.log")"
grep -q "redo the visit a stop cut short" "$work/resume.log" ||
  fail "campaign --resume did not redo the cut visit: $(head -4 "$work/resume.log"; head -c 300 "$out/campaign.json")"
ok "campaign, SIGTERM on rank 2: every rank exited 4; --resume redid the cut visit"
