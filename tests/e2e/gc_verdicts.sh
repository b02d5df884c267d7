#!/usr/bin/env bash
# oomkit gc on logs of real Node runs with a known outcome
# (tests/programs/gc-scenarios.js): leak, bounded cache, churn, idle, and a
# Buffer leak that the GC log cannot see; the JSON shape the issue names; the
# OOM's "Last few GCs" block alone; two isolates; bad input.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}; shared=${OOMKIT_SHARED_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
prog="$src/tests/programs/gc-scenarios.js"
verdict() { node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).verdict.kind)'; }
declare -A want=([leak]=js-heap-leak [bounded]=bounded-high-usage [churn]=gc-churn [idle]=healthy [buffers]=insufficient-data)
# The bounded cache runs 8 s: its floor levels off within ~1 s here but takes 3-4 s on a loaded machine, and
# a 4 s log then still rose in its second half (R² 0.61: a leak, in a CI run). At 8 s, loaded, R² is 0.31-0.35.
declare -A seconds=([leak]=4 [bounded]=8 [churn]=4 [idle]=4 [buffers]=4)
for m in leak bounded churn idle buffers; do
  # stdout (the trace) and stderr (the OOM block) together, as people capture them
  node --trace-gc --max-old-space-size=128 "$prog" "$m" "${seconds[$m]}" >"$tmp/$m.log" 2>&1 || true
  got=$("$bin" gc --json "$tmp/$m.log" | verdict)
  [ "$got" = "${want[$m]}" ] || { "$bin" gc "$tmp/$m.log" >&2; fail "$m: verdict $got, expected ${want[$m]}"; }
done
"$bin" gc --json "$tmp/buffers.log" | grep -q 'GC log cannot see' || fail "buffers: no word about external memory"
"$bin" gc --json --heap-limit 128 "$tmp/bounded.log" | verdict | grep -qx bounded-high-usage || fail "bounded with --heap-limit"

"$bin" gc --json "$tmp/leak.log" >"$tmp/leak.json"
node - "$tmp/leak.json" <<'JS' || fail "gc JSON shape"
const j = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const i = j.isolates[0];
for (const k of ['id', 'collections', 'pauses', 'gc_share', 'floor_slope_mb_per_min']) if (!(k in i)) throw new Error('isolate lacks ' + k);
for (const k of ['p50', 'p95', 'p99', 'max']) if (!(i.pauses[k] >= 0)) throw new Error('pauses lack ' + k);
if (!(i.pauses.p50 <= i.pauses.p99 && i.pauses.p99 <= i.pauses.max)) throw new Error('percentiles out of order');
if (!j.verdict.fix || !j.verdict.evidence.length) throw new Error('verdict without fix or evidence');
if (!(i.floor_slope_mb_per_min > 0) || !j.oom) throw new Error('leak: no rising floor or no OOM seen');
JS

# --svg draws a new file and never overwrites one.
"$bin" gc --svg "$tmp/heap.svg" "$tmp/bounded.log" >/dev/null
grep -q '^<svg' "$tmp/heap.svg" && grep -q '</svg>' "$tmp/heap.svg" && grep -q 'floor trend' "$tmp/heap.svg" || fail "svg"
set +e; "$bin" gc --svg "$tmp/heap.svg" "$tmp/bounded.log" >/dev/null 2>"$tmp/err"; s=$?; set -e
[ "$s" -eq 2 ] && grep -q "exists already" "$tmp/err" || fail "svg overwrite: exit $s"

# Without --trace-gc, the OOM's "Last few GCs" block is all there is.
node --max-old-space-size=64 "$prog" leak 10 >/dev/null 2>"$tmp/oom.stderr" || true
"$bin" gc --json "$tmp/oom.stderr" >"$tmp/oom.json"
node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));const i=j.isolates[0];
  if(!(i.collections.from_last_few_gcs>=1) || !j.oom) process.exit(1)' "$tmp/oom.json" || fail "Last few GCs block: $(cat "$tmp/oom.json" | head -c 400)"

# Two isolates (a worker) in one log.
n=$("$bin" gc --json "$shared/samples/node20/worker-oom.trace-gc.stdout.txt" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).isolates.length)')
[ "$n" -eq 2 ] || fail "worker log: $n isolates"

# Bad input: one line, exit 2.
expect2() {
  set +e; "$bin" gc "$1" >/dev/null 2>"$tmp/err"; local s=$?; set -e
  [ "$s" -eq 2 ] || fail "$1: exit $s"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$1: $(cat "$tmp/err")"
  grep -q "$2" "$tmp/err" || fail "$1: $(cat "$tmp/err")"
}
: >"$tmp/empty.log"; expect2 "$tmp/empty.log" "empty"
head -c 100000 /dev/urandom >"$tmp/binary.log"; expect2 "$tmp/binary.log" "binary"
expect2 "$tmp/nope.log" "cannot open"
# A 100 MB line: skipped with a warning, memory stays small.
{ head -c 100000000 /dev/zero | tr '\0' 'x'; echo; cat "$tmp/leak.log"; } >"$tmp/long.log"
/usr/bin/time -f '%M' -o "$tmp/rss" "$bin" gc --json "$tmp/long.log" 2>"$tmp/err" | verdict | grep -qx js-heap-leak || fail "long line"
grep -q "longer than" "$tmp/err" || fail "no warning for the long line"
[ "$(cat "$tmp/rss")" -lt 60000 ] || fail "100 MB line: peak RSS $(cat "$tmp/rss") KB"
echo "gc verdicts: ok"
