#!/usr/bin/env bash
# run-overhead.sh   (DUR=30 REPS=6 CONNS=50; CONTROL=1: both sides direct, to see the method's own spread)
# What `oomkit run` costs a service in throughput: two copies of the shared Node test server
# (../shared/bench/load/server.js, GET /), one started directly and one under
# `oomkit run --sample 500ms --profile-every 30s` (the probe, the GC trace, the inspector with the sampling
# heap profiler, a profile saved during the run), both on core 0 at the same time, each saturated by its own
# closed-loop `oomkit load -c CONNS` from core 1, for DUR s after a 3 s warm-up each (so the 30 s profile is
# saved inside the measured window). Loopback only.
#
# Why at the same time: on this shared machine the same server's throughput drifts by 20 % between runs a
# minute apart, so runs one after the other cannot resolve 5 %. Side by side on one core, both see the same
# host. Each is started with setsid, so each is its own autogroup and the kernel gives the two an equal share of
# core 0; the supervisor is in its node's group, so its CPU comes out of that side's share. The throughput ratio
# is then what run costs a saturated server. The sides swap ports and start order from one rep to the next.
# Also printed: CPU per request of each side over the same window (node's threads, plus the supervisor's).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dur=${DUR:-30}; reps=${REPS:-6}; conns=${CONNS:-50}
out="$work/run-overhead-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"
hz=$(getconf CLK_TCK)
[ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ] ||
  echo "warning: kernel.sched_autogroup_enabled is not 1: the two sides' shares of core 0 are per thread" >&2

start() {  # start MODE PORT REP -> "leader node_pid" (leader: the supervisor under run, else node)
  local mode=$1 port=$2 rep=$3 log="$out/$1-$3.log" lead pid
  if [ "$mode" = direct ] || [ "${CONTROL:-0}" = 1 ]; then
    setsid env PORT="$port" taskset -c 0 node "$shared/bench/load/server.js" >"$log" 2>&1 &
  else
    setsid env PORT="$port" taskset -c 0 "$root/build/oomkit" run --sample 500ms --profile-every 30s \
      --out "$out/run-$rep" -- node "$shared/bench/load/server.js" >"$log" 2>"$out/run-$rep.err" &
  fi
  lead=$!
  for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
  pid=$(awk '/listening/ {print $4}' "$log")
  echo "$lead $pid"
}

: >"$out/runs.txt"
for rep in $(seq "$reps"); do
  # Odd reps: direct on the first port and started first; even reps: the other way round.
  if ((rep % 2)); then order=(direct run); else order=(run direct); fi
  declare -A lead pid port
  p=18440
  for mode in "${order[@]}"; do
    read -r lead[$mode] pid[$mode] < <(start "$mode" "$p" "$rep"); port[$mode]=$p; p=$((p + 1))
  done
  for mode in direct run; do  # JIT warm-up, one side at a time
    taskset -c 1 "$root/build/oomkit" load "http://127.0.0.1:${port[$mode]}/" -c "$conns" -d 3s --no-progress >/dev/null
  done
  declare -A n0 n1
  for mode in direct run; do n0[$mode]=$(ticks "${pid[$mode]}"); done
  s0=$(ticks "${lead[run]}"); [ "${CONTROL:-0}" = 1 ] && s0=$(ticks "${pid[run]}")
  for mode in direct run; do
    setsid taskset -c 1 "$root/build/oomkit" load "http://127.0.0.1:${port[$mode]}/" -c "$conns" -d "${dur}s" \
      --no-progress --json >"$out/$mode-$rep.json" &
  done
  wait $(jobs -p | tail -2) 2>/dev/null || true
  for mode in direct run; do n1[$mode]=$(ticks "${pid[$mode]}"); done
  s1=$(ticks "${lead[run]}"); [ "${CONTROL:-0}" = 1 ] && s1=$s0
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/${lead[run]}/status")
  for mode in direct run; do kill -TERM "${pid[$mode]}"; done
  wait "${lead[direct]}" "${lead[run]}" 2>/dev/null || true
  node -e "
    const d = require('$out/direct-$rep.json'), r = require('$out/run-$rep.json');
    const us = (t, n) => (t / $hz) * 1e6 / n;
    const dn = d.requests.completed, rn = r.requests.completed;
    console.log($rep, '${order[0]}', (dn / $dur).toFixed(0), (rn / $dur).toFixed(0), (rn / dn).toFixed(4),
      us(${n1[direct]} - ${n0[direct]}, dn).toFixed(2), us(${n1[run]} - ${n0[run]}, rn).toFixed(2), us($s1 - $s0, rn).toFixed(2),
      $hwm, d.errors.total + r.errors.total)" >>"$out/runs.txt"
  tail -1 "$out/runs.txt" >&2
  unset lead pid port n0 n1
done
echo "| rep | started first | direct req/s | under run req/s | run / direct | CPU us/req direct | under run (node + supervisor) |"
echo "|---|---|---|---|---|---|---|"
awk '{printf "| %d | %s | %s | %s | %.3f | %s | %s + %s |\n", $1, $2, $3, $4, $5, $6, $7, $8}' "$out/runs.txt"
node - "$out/runs.txt" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const ratio = rows.map((r) => +r[4]);
const cpu = rows.map((r) => (+r[6] + +r[7]) / +r[5]);
console.log(`| median | | | | **${med(ratio).toFixed(3)}** (${(100 * (1 - med(ratio))).toFixed(1)} % lower; range ${Math.min(...ratio).toFixed(3)}-${Math.max(...ratio).toFixed(3)}) | | CPU per request ${(100 * (med(cpu) - 1)).toFixed(1)} % more |`);
if (process.env.CONTROL !== '1') console.log(`supervisor peak RSS ${(Math.max(...rows.map((r) => +r[8])) / 1024).toFixed(1)} MB; errors ${rows.reduce((a, r) => a + +r[9], 0)}`);
JS
echo "  (runs: $out; columns: rep, first, direct req/s, run req/s, ratio, us/req direct, node, supervisor, VmHWM KB, errors)" >&2
