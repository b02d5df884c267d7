#!/usr/bin/env bash
# oomkit run --metrics: the endpoint answers while the child's event loop is
# blocked, Prometheus' own parser (promtool check metrics) accepts /metrics,
# and /healthz/memory says how full the heap is.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
command -v promtool >/dev/null || { echo "promtool missing (apt-get install prometheus)"; exit 77; }
tmp=$(mktemp -d)
sup=
cleanup() { [ -n "$sup" ] && kill "$sup" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
get() {  # get PATH OUT: status code on stdout, body in OUT; fails after 2 s
  node -e "
const r = require('http').get('http://127.0.0.1:$port$1', (res) => { let b = ''; res.on('data', (d) => b += d);
  res.on('end', () => { require('fs').writeFileSync('$2', b); console.log(res.statusCode); }); });
r.setTimeout(2000, () => { console.log('timeout'); process.exit(1); }); r.on('error', (e) => { console.log(e.code); process.exit(1); });"
}
"$bin" run --metrics "127.0.0.1:$port" --sample 200ms --out "$tmp/run" -- node "$src/tests/programs/run-scenarios.js" busy \
  >"$tmp/out" 2>"$tmp/err" &
sup=$!
for _ in $(seq 100); do grep -q busy "$tmp/out" && break; sleep 0.1; done
grep -q busy "$tmp/out" || fail "the child did not start: $(cat "$tmp/err")"
sleep 0.5
# The child's event loop is blocked now, for 4 s.
t0=$(date +%s%N)
[ "$(get /metrics "$tmp/metrics")" = 200 ] || fail "/metrics while the child is busy"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 1500 ] || fail "/metrics took $(( (t1 - t0) / 1000000 )) ms"
grep -q "done" "$tmp/out" && fail "the child was no longer busy: the test proves nothing"
promtool check metrics <"$tmp/metrics" || fail "promtool rejects /metrics: $(cat "$tmp/metrics")"
for m in oomkit_rss_bytes oomkit_heap_used_bytes oomkit_heap_limit_bytes oomkit_external_bytes oomkit_gc_pause_seconds_bucket oomkit_gc_total oomkit_restarts_total; do
  grep -q "^$m" "$tmp/metrics" || fail "no $m in /metrics"
done
[ "$(get /healthz/memory "$tmp/health")" = 200 ] || fail "/healthz/memory"
node -e "const j = JSON.parse(require('fs').readFileSync('$tmp/health', 'utf8')); if (j.status !== 'healthy' || !(j.processes[0].heap_used_mb > 0)) process.exit(1)" ||
  fail "health: $(cat "$tmp/health")"
[ "$(get /nothing "$tmp/none")" = 404 ] || fail "unknown path"
wait $sup; sup=
echo "run_metrics: ok"
