#!/usr/bin/env bash
# load-soak.sh [SECONDS] [RATE]   (default 600 s at 2,000 req/s)
# Is oomkit load's memory flat over a long run? The open loop at a fixed rate against the shared Node
# test server (core 0; oomkit on core 1), with --unique-ids and a timeline, while this script reads
# oomkit's resident memory (VmRSS) every second. Prints RSS at 10 s, the highest after, and the growth.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-600}; rate=${2:-2000}
out="$work/soak-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"
setsid env PORT=18433 taskset -c 0 node "$shared/bench/load/server.js" >"$out/node.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$out/node.log" && break; sleep 0.1; done
taskset -c 1 "$root/build/oomkit" load http://127.0.0.1:18433/ --rate "$rate" -d "${secs}s" -c 50 --unique-ids \
  --timeline "$out/timeline.ndjson" --json >"$out/summary.json" &
gen=$!
: >"$out/rss.txt"
t=0
while kill -0 $gen 2>/dev/null; do
  awk -v t=$t '/^VmRSS/ {print t, $2}' "/proc/$gen/status" 2>/dev/null >>"$out/rss.txt" || true
  sleep 1; t=$((t + 1))
done
wait $gen || true
awk '$1 == 10 {base = $2} $1 >= 10 && $2 > max {max = $2} $1 > last {last = $1; end = $2}
     END {printf "RSS at 10 s %.2f MB, highest after %.2f MB, at the end %.2f MB: growth %+.2f MB over %d s\n",
          base/1024, max/1024, end/1024, (max-base)/1024, last}' "$out/rss.txt"
node -e "const j=require('$out/summary.json'); console.log('sent', j.requests.sent, 'completed', j.requests.completed, 'late', j.requests.late, 'dropped', j.requests.dropped, 'errors', j.errors.total)"
echo "  (samples: $out/rss.txt)" >&2
