#!/usr/bin/env bash
# oomkit crash on the stderr of a real Node process that died of heap OOM,
# with the exit status the shell saw; the JSON shape; bad input.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
set +e
node --max-old-space-size=48 "$src/tests/programs/gc-scenarios.js" leak 30 >/dev/null 2>"$tmp/err.log"
status=$?
set -e
[ "$status" -eq 134 ] || fail "expected the OOM abort (134), got $status"
"$bin" crash --json --exit-status "$status" "$tmp/err.log" >"$tmp/crash.json"
node - "$tmp/crash.json" <<'JS' || fail "crash JSON: $(head -c 600 "$tmp/crash.json")"
const j = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
if (j.kind !== 'v8-heap-oom' || j.signal !== 'SIGABRT') throw new Error('kind');
if (!j.message.includes('JavaScript heap out of memory')) throw new Error('message');
if (!(j.last_gcs.length >= 1)) throw new Error('last_gcs');
// At "Reached heap limit" the heap is at the limit (young-generation survivors blur it by a few MB); the ineffective-GC abort comes earlier.
if (j.location === 'Reached heap limit' && !(Math.abs(j.heap_limit_mb - 48) <= 10)) throw new Error('heap_limit_mb ' + j.heap_limit_mb);
if (j.location !== 'Reached heap limit' && j.location !== 'Ineffective mark-compacts near heap limit') throw new Error(j.location);
JS
"$bin" crash "$tmp/err.log" | head -1 | grep -q '^v8-heap-oom: V8 heap out of memory' || fail "text output"
: >"$tmp/empty.log"
"$bin" crash --exit-status 137 "$tmp/empty.log" | grep -q '^kernel-oom-kill' || fail "137 with nothing printed"
set +e
head -c 5000 /dev/urandom >"$tmp/bin.log"; printf '\0' >>"$tmp/bin.log"
"$bin" crash "$tmp/bin.log" >/dev/null 2>"$tmp/e"; s1=$?
"$bin" crash --exit-status 300 "$tmp/err.log" >/dev/null 2>&1; s2=$?
set -e
[ "$s1$s2" = 22 ] || fail "bad input exits $s1 $s2"
grep -q "binary" "$tmp/e" || fail "$(cat "$tmp/e")"
echo "crash: ok"
