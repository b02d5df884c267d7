#!/usr/bin/env bash
# run-overhead-callgrind.sh   (N=3000 requests measured after 2000 of warm-up)
# What `oomkit run` adds to a service, in instructions (valgrind --tool=callgrind): deterministic where
# wall-clock CPU on this shared machine drifts by 20 %. The shared Node test server, four ways:
#   direct            node server.js
#   flags             node with the flags run adds (--trace-gc, --heapsnapshot-signal, --report-on-fatalerror, ...)
#   run               oomkit run --sample 500ms -- valgrind node server.js (flags through NODE_OPTIONS, the probe)
#   run+profile       the same with --profile-every 30s (inspector, sampling heap profiler)
# Counters are zeroed after the warm-up (callgrind_control -z) and dumped after N requests (-d).
# Caveat: valgrind runs node ~80x slower, so costs paid per second (the probe's samples, the event-loop delay
# monitor's 10 ms timer) weigh ~80x more per request here than at full speed; costs paid per allocated byte
# (the sampling heap profiler) or per GC weigh the same.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null || { echo "valgrind missing" >&2; exit 2; }
n=${N:-3000}
out="$work/run-callgrind-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"
server="$shared/bench/load/server.js"
measure_one() {  # NAME PORT CMD...
  local name=$1 port=$2; shift 2
  (cd "$out" && PORT=$port "$@" >"$out/$name.log" 2>"$out/$name.err" &)
  for _ in $(seq 240); do grep -q listening "$out/$name.log" && break; sleep 0.5; done
  local pid; pid=$(awk '/listening/ {print $4}' "$out/$name.log")
  "$root/build/oomkit" load "http://127.0.0.1:$port/" -c 10 -n 2000 >/dev/null
  callgrind_control -z "$pid" >/dev/null
  "$root/build/oomkit" load "http://127.0.0.1:$port/" -c 10 -n "$n" >/dev/null
  callgrind_control -d "$pid" >/dev/null; sleep 1
  local total; total=$(grep -h '^totals:' "$out/cg.$name".*.1 | awk '{print $2}')
  kill "$pid" 2>/dev/null || true; sleep 2
  echo "$name $total"
}
vg=(valgrind --tool=callgrind)
{
  measure_one direct 18450 "${vg[@]}" --callgrind-out-file="$out/cg.direct.%p" node "$server"
  measure_one flags 18451 "${vg[@]}" --callgrind-out-file="$out/cg.flags.%p" node --trace-gc --heapsnapshot-signal=SIGUSR2 \
    --diagnostic-dir="$out" --report-on-fatalerror --report-directory="$out" "$server"
  measure_one run 18452 "$root/build/oomkit" run --sample 500ms --out "$out/run" -- "${vg[@]}" --callgrind-out-file="$out/cg.run.%p" node "$server"
  measure_one run+profile 18453 "$root/build/oomkit" run --sample 500ms --profile-every 30s --out "$out/run-profile" -- \
    "${vg[@]}" --callgrind-out-file="$out/cg.run+profile.%p" node "$server"
} | tee "$out/totals.txt" >&2
node - "$out/totals.txt" "$n" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const n = Number(process.argv[3]);
const base = Number(rows[0][1]);
console.log('| variant | instructions per request | vs direct |');
console.log('|---|---|---|');
for (const [name, total] of rows)
  console.log(`| ${name} | ${Math.round(Number(total) / n).toLocaleString('en')} | ${name === 'direct' ? '' : ((100 * (Number(total) / base - 1)).toFixed(1) + ' %')} |`);
JS
