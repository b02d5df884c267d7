#!/usr/bin/env bash
# oomkit run with real node children (tests/programs/run-scenarios.js): a leak
# that dies of V8's heap limit at 64 MB, a child killed with SIGKILL, one that
# exits 3, one that ignores SIGTERM, one that floods stdout with 100 MB, a
# worker that dies of OOM while the process lives, and the NODE_OPTIONS path
# for a command that is not node. Every child is bounded in time.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
prog="$src/tests/programs/run-scenarios.js"
summary() { node -e "const j = require('$1/summary.json'); if (!($2)) { console.error(JSON.stringify(j, null, 1)); process.exit(1); }" || fail "$3"; }
child_of() { for _ in $(seq 100); do c=$(pgrep -P "$1" | head -1); [ -n "$c" ] && { echo "$c"; return; }; sleep 0.1; done; }

# 1. The leak: V8's OOM, the evidence complete to the last GC, a threshold
#    snapshot, and the last sampling heap profile, which names the leak's site.
rc=0; timeout 120 "$bin" run --heap-limit 64 --sample 100ms --snapshot-max 1 --profile-every 1s --out "$tmp/leak" -- node "$prog" leak \
  >"$tmp/leak.out" 2>"$tmp/leak.err" || rc=$?
[ $rc = 134 ] || fail "leak: exit $rc, not 134: $(tail -5 "$tmp/leak.err")"
summary "$tmp/leak" "j.exit.kind === 'v8-heap-oom' && ['Reached heap limit', 'Ineffective mark-compacts near heap limit'].includes(j.exit.location) && j.files.snapshots.length === 1 && j.files.reports.length === 1 && j.timeline_lines >= 10 && j.processes[0].old_space_limit === 64 * 1048576" "leak summary"
# gc.log ends with the GC that V8's own "Last few GCs" block ends with.
last_gc=$(tail -1 "$tmp/leak/gc.log" | sed 's/^\[[0-9]*:0x[0-9a-f]*\] *\([0-9]*\) ms.*/\1/')
node -e "const j = require('$tmp/leak/summary.json'); const g = j.exit.last_gcs; if (!g.length || g[g.length - 1].time_ms !== $last_gc) process.exit(1)" ||
  fail "gc.log does not end at the last GC of the OOM block ($last_gc)"
# The timeline's last sample is near the limit; the snapshot is a snapshot.
node -e "const l = require('fs').readFileSync('$tmp/leak/timeline.ndjson', 'utf8').trim().split('\n').map(JSON.parse).pop(); if (l.heap_used < 0.8 * 64 * 1048576) process.exit(1)" ||
  fail "the last sample is not near the limit: $(tail -1 "$tmp/leak/timeline.ndjson")"
"$bin" heap info "$(node -p "require('$tmp/leak/summary.json').files.snapshots[0]")" >/dev/null || fail "the threshold snapshot does not read"
profile=$(node -p "require('$tmp/leak/summary.json').files.heap_profiles[0] || ''")
[ -n "$profile" ] || fail "no sampling heap profile survived the OOM"
"$bin" profile "$profile" --json >"$tmp/profile.json" || fail "the profile does not read"
node -e "const j = require('$tmp/profile.json'); const g = j.sites.find((s) => s.function === 'grow' && s.url.endsWith('run-scenarios.js'));
  if (!g || g.total_size < 0.5 * j.total_size) { console.error(JSON.stringify(j.sites.slice(0, 5))); process.exit(1); }" ||
  fail "the last profile does not show the leak's allocation site"
[ "$(stat -c %a "$tmp/leak")" = 700 ] || fail "the folder is not 0700"
for f in "$tmp"/leak/*; do [ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"; done
# V8 words its OOM either way (the summary above takes both): under load the
# mark-compacts stop paying before the limit is reached.
grep -qE "FATAL ERROR: (Reached heap limit|Ineffective mark-compacts near heap limit)" "$tmp/leak.err" ||
  fail "stderr did not pass through: $(tail -3 "$tmp/leak.err")"
! grep -q "ms: Mark-Compact" "$tmp/leak.out" || fail "GC lines were left in stdout"

# 2. SIGKILL, as the kernel's OOM killer sends it: status 137, classified so.
"$bin" run --out "$tmp/kill" -- node "$prog" sleep >"$tmp/kill.out" 2>"$tmp/kill.err" &
sup=$!
child=$(child_of $sup); [ -n "$child" ] || fail "no child"
for _ in $(seq 50); do grep -q ready "$tmp/kill.out" && break; sleep 0.1; done
kill -KILL "$child"
rc=0; wait $sup || rc=$?
[ $rc = 137 ] || fail "SIGKILL: exit $rc"
summary "$tmp/kill" "j.exit.kind === 'kernel-oom-kill' && j.exit.signal === 9" "SIGKILL summary"

# 3. A plain exit status is passed on, at once, even with the profiler's
#    inspector session attached (node waits for a debugger to leave).
rc=0; timeout 20 "$bin" run --profile-every 1s --out "$tmp/exit3" -- node "$prog" exit3 >"$tmp/exit3.out" 2>/dev/null || rc=$?
[ $rc = 3 ] && grep -q "exiting with 3" "$tmp/exit3.out" || fail "exit 3: got $rc"
summary "$tmp/exit3" "j.exit.kind === 'exit-status' && j.exit.status === 3" "exit 3 summary"

# 4. SIGTERM is passed on; a child that ignores it lives; a second one kills it.
"$bin" run --out "$tmp/term" -- node "$prog" ignore-term >"$tmp/term.out" 2>"$tmp/term.err" &
sup=$!
for _ in $(seq 100); do grep -q ready "$tmp/term.out" && break; sleep 0.1; done
kill -TERM $sup
for _ in $(seq 50); do grep -q "SIGTERM ignored" "$tmp/term.out" && break; sleep 0.1; done
grep -q "SIGTERM ignored" "$tmp/term.out" || fail "SIGTERM was not passed on"
kill -0 $sup || fail "oomkit ended with the child still ignoring SIGTERM"
kill -TERM $sup
rc=0; wait $sup || rc=$?
[ $rc = 137 ] || fail "second SIGTERM: exit $rc"
summary "$tmp/term" "j.interrupted === true" "SIGTERM summary"

# 5. 100 MB on stdout: every byte passes, in order; lines that look like V8's are not taken.
node "$prog" flood 100 | sha256sum >"$tmp/direct.sha"
timeout 120 "$bin" run --out "$tmp/flood" -- node "$prog" flood 100 2>/dev/null | sha256sum >"$tmp/run.sha"
cmp -s "$tmp/direct.sha" "$tmp/run.sha" || fail "stdout changed under oomkit run"
! grep -q "looks like a trace line" "$tmp/flood/gc.log" || fail "application lines went to gc.log"

# 6. A worker dies of OOM; the process lives on and exits 0.
rc=0; timeout 60 "$bin" run --out "$tmp/worker" -- node "$prog" worker-oom >"$tmp/worker.out" 2>/dev/null || rc=$?
[ $rc = 0 ] && grep -q "main done" "$tmp/worker.out" || fail "worker-oom: exit $rc"
summary "$tmp/worker" "j.exit.kind === 'worker-oom' && j.exit.status === 0 && j.worker_oom_lines >= 1" "worker-oom summary"

# 7. A command that is not node: the flags and the probe go through NODE_OPTIONS,
#    and the summary names the node process that died.
rc=0; timeout 120 "$bin" run --heap-limit 64 --sample 100ms --snapshot-at 0 --out "$tmp/sh" -- sh -c "node '$prog' leak" \
  >/dev/null 2>"$tmp/sh.err" || rc=$?
[ $rc = 134 ] || fail "sh -c node leak: exit $rc"
summary "$tmp/sh" "j.through_node_options && j.exit.kind === 'v8-heap-oom' && j.exit.died_pid !== j.pid && j.processes.some((p) => p.pid === j.exit.died_pid && p.samples > 5 && p.gc_lines > 5)" "NODE_OPTIONS summary"
[ -s "$tmp/sh/gc.log" ] || fail "no GC trace through the probe"

# 8. --restart on-crash: a crashing child is started again, each run's evidence
#    in its own folder, until --max-restarts; a normal exit is not restarted.
rc=0; timeout 60 "$bin" run --restart on-crash --max-restarts 2 --out "$tmp/restart" -- node "$prog" exit3 >/dev/null 2>"$tmp/restart.err" || rc=$?
[ $rc = 3 ] || fail "restart: exit $rc"
summary "$tmp/restart" "j.restarts === 2 && j.runs.length === 3 && j.runs.every((r) => r.kind === 'exit-status' && r.status === 3)" "restart summary"
for n in 1 2 3; do [ -s "$tmp/restart/run-$n/summary.json" ] || fail "no evidence for run $n"; done
grep -q "giving up" "$tmp/restart.err" || fail "restart: no word when giving up"
rc=0; "$bin" run --restart on-crash --out "$tmp/norestart" -- node -e 0 2>/dev/null || rc=$?
[ $rc = 0 ] || fail "restart after a normal exit: exit $rc"
summary "$tmp/norestart" "j.runs.length === 1 && j.runs[0].kind === 'normal-exit'" "no restart after a normal exit"

# 9. Never over an existing folder.
rc=0; "$bin" run --out "$tmp/exit3" -- node -e 0 2>"$tmp/exists.err" || rc=$?
[ $rc = 2 ] && grep -q "exists" "$tmp/exists.err" || fail "existing --out: exit $rc"
echo "run_supervise: ok"
