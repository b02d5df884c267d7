#!/usr/bin/env bash
# run-overhead.sh   (RATE=10000 DUR=35 REPS=3)
# What `oomkit run` costs a service, as CPU per request: the shared Node test server
# (../shared/bench/load/server.js, GET /) under a fixed open-loop load (`oomkit load --rate RATE`, so both
# serve the same requests), started directly and under `oomkit run --sample 500ms --profile-every 30s` (the
# probe, the GC trace, the sampling heap profiler, one profile taken per run), alternating A B A B. Server and
# supervisor on core 0, the load on core 1, loopback only. CPU is the node process's (all its threads: GC,
# inspector) plus, under run, the supervisor's (it shares the core). At saturation the throughput is the inverse
# of this figure, so "% more CPU per request" is the throughput a saturated server loses. Throughput itself is
# not compared: on this shared machine it drifts by 20 % between runs of the same setup.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rate=${RATE:-10000}; dur=${DUR:-35}; reps=${REPS:-3}
out="$work/run-overhead-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"
port=18434
hz=$(getconf CLK_TCK)
ticks() { [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12+$13}' || echo 0; }
: >"$out/runs.txt"
one() {  # one MODE REP
  local mode=$1 rep=$2 pid sup log="$out/$1-$2.log"
  if [ "$mode" = direct ]; then
    setsid env PORT=$port taskset -c 0 node "$shared/bench/load/server.js" >"$log" 2>&1 &
  else
    setsid env PORT=$port taskset -c 0 "$root/build/oomkit" run --sample 500ms --profile-every 30s --out "$out/run-$rep" \
      -- node "$shared/bench/load/server.js" >"$log" 2>"$out/run-$rep.err" &
  fi
  sup=$!
  for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
  pid=$(awk '/listening/ {print $4}' "$log")
  taskset -c 1 "$root/build/oomkit" load "http://127.0.0.1:$port/" -c 50 -d 3s >/dev/null  # JIT warm-up
  local n0 s0 n1 s1 hwm=0
  n0=$(ticks "$pid"); s0=0; [ "$mode" = run ] && s0=$(ticks "$sup")
  taskset -c 1 "$root/build/oomkit" load "http://127.0.0.1:$port/" --rate "$rate" -c 50 -d "${dur}s" --json >"$out/$mode-$rep.json"
  n1=$(ticks "$pid"); s1=0; [ "$mode" = run ] && { s1=$(ticks "$sup"); hwm=$(awk '/VmHWM/ {print $2}' "/proc/$sup/status"); }
  kill -TERM "$pid"; wait "$sup" 2>/dev/null || true
  node -e "const j = require('$out/$mode-$rep.json'); const n = j.requests.completed;
    console.log('$mode', n, ((($n1 - $n0) / $hz) * 1e6 / n).toFixed(2), ((($s1 - $s0) / $hz) * 1e6 / n).toFixed(2), $hwm, j.requests.late, j.errors.total)" >>"$out/runs.txt"
  tail -1 "$out/runs.txt" >&2
}
for rep in $(seq "$reps"); do one direct "$rep"; one run "$rep"; done
node - "$out/runs.txt" "$rate" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' ').map((x, i) => (i ? +x : x)));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const d = med(rows.filter((r) => r[0] === 'direct').map((r) => r[2]));
const run = rows.filter((r) => r[0] === 'run');
const node = med(run.map((r) => r[2])), sup = med(run.map((r) => r[3])), both = med(run.map((r) => r[2] + r[3]));
const hwm = Math.max(...run.map((r) => r[4]));
console.log(`| ${Number(process.argv[3]).toLocaleString('en')} req/s | direct: node ${d.toFixed(2)} us/req | under oomkit run: node ${node.toFixed(2)} + supervisor ${sup.toFixed(2)} = ${both.toFixed(2)} us/req | **${(100 * (both / d - 1)).toFixed(1)} % more CPU per request** | supervisor peak RSS ${(hwm / 1024).toFixed(1)} MB |`);
JS
echo "  (runs: $out; columns: mode, requests, node us/req, supervisor us/req, supervisor VmHWM KB, late, errors)" >&2
