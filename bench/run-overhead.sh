#!/usr/bin/env bash
# run-overhead.sh   (DUR=35 REPS=3)
# What `oomkit run` costs a service: the shared Node test server (../shared/bench/load/server.js) started
# directly and under `oomkit run --sample 500ms --profile-every 30s` (the probe, the GC trace, the sampling
# heap profiler and one profile taken per run), in one script, alternating A B A B. Server and supervisor on
# core 0, the load (`oomkit load -c 50`, closed loop, so throughput is what changes) on core 1, loopback only.
# Prints req/s of each, the ratio, and the supervisor's own peak RSS (VmHWM).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dur=${DUR:-35}; reps=${REPS:-3}
out="$work/run-overhead-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"
port=18434
: >"$out/runs.txt"
one() {  # one MODE REP
  local mode=$1 rep=$2 pid sup= log="$out/$1-$2.log"
  if [ "$mode" = direct ]; then
    setsid env PORT=$port taskset -c 0 node "$shared/bench/load/server.js" >"$log" 2>&1 &
    sup=$!
  else
    setsid env PORT=$port taskset -c 0 "$root/build/oomkit" run --sample 500ms --profile-every 30s --out "$out/run-$rep" \
      -- node "$shared/bench/load/server.js" >"$log" 2>"$out/run-$rep.err" &
    sup=$!
  fi
  for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
  pid=$(awk '/listening/ {print $4}' "$log")
  taskset -c 1 "$root/build/oomkit" load "http://127.0.0.1:$port/" -c 50 -d 3s >/dev/null  # JIT warm-up
  taskset -c 1 "$root/build/oomkit" load "http://127.0.0.1:$port/" -c 50 -d "${dur}s" --json >"$out/$mode-$rep.json"
  local hwm=0
  [ "$mode" = run ] && hwm=$(awk '/VmHWM/ {print $2}' "/proc/$sup/status")
  kill -TERM "$pid"; wait "$sup" 2>/dev/null || true
  echo "$mode $(node -p "require('$out/$mode-$rep.json').rate.completed_per_s.toFixed(0)") $hwm" >>"$out/runs.txt"
  tail -1 "$out/runs.txt" >&2
}
for rep in $(seq "$reps"); do one direct "$rep"; one run "$rep"; done
node - "$out/runs.txt" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' ').map((x, i) => (i ? +x : x)));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const d = med(rows.filter((r) => r[0] === 'direct').map((r) => r[1])), r = med(rows.filter((r) => r[0] === 'run').map((r) => r[1]));
const hwm = Math.max(...rows.filter((r) => r[0] === 'run').map((r) => r[2]));
console.log(`| Node test server, GET /, 50 connections | direct ${d.toLocaleString('en')} req/s | under oomkit run ${r.toLocaleString('en')} req/s | ${(100 * (1 - r / d)).toFixed(1)} % lower | supervisor peak RSS ${(hwm / 1024).toFixed(1)} MB |`);
JS
echo "  (runs: $out)" >&2
