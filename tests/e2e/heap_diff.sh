#!/usr/bin/env bash
# oomkit heap diff on snapshots written by real Node: objects matched by id
# (the leaked entries of the second batch are exactly the new ones), snapshots
# of two processes refused, the JSON shape the issue names.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
app="$src/examples/leaky-cache/app.js"
node "$app" --requests 1500 --snapshot "$tmp/a.heapsnapshot,$tmp/b.heapsnapshot"
node "$app" --requests 1500 --snapshot "$tmp/other.heapsnapshot"

"$bin" heap diff --json "$tmp/a.heapsnapshot" "$tmp/b.heapsnapshot" >"$tmp/diff.json"
node - "$tmp/diff.json" <<'JS' || fail "diff JSON: see above"
const d = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const need = ['name', 'new', 'deleted', 'delta', 'alloc_size', 'freed_size', 'size_delta', 'retained_delta'];
for (const c of d.classes) for (const k of need) if (!(k in c)) { console.log(`class ${c.name} lacks ${k}`); process.exit(1); }
const rc = d.classes.find((c) => c.name === 'RequestContext');
// 1500 more requests, each a RequestContext that the cache keeps: 1500 new,
// none deleted, and the class retains more than before.
if (!rc || rc.new !== 1500 || rc.deleted !== 0 || rc.delta !== 1500 || !(rc.retained_delta > 0)) {
  console.log('RequestContext row: ' + JSON.stringify(rc)); process.exit(1);
}
if (!(d.matched_objects > 1000)) { console.log('matched_objects ' + d.matched_objects); process.exit(1); }
JS

set +e
"$bin" heap diff "$tmp/a.heapsnapshot" "$tmp/other.heapsnapshot" >"$tmp/out" 2>"$tmp/err"; status=$?
set -e
[ "$status" -eq 2 ] || fail "snapshots of two processes: exit $status"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one line: $(cat "$tmp/err")"
grep -q "different processes" "$tmp/err" || fail "$(cat "$tmp/err")"
set +e
"$bin" heap diff "$tmp/a.heapsnapshot" >"$tmp/out" 2>"$tmp/err"; status=$?
set -e
[ "$status" -eq 2 ] || fail "one file: exit $status"
echo "heap diff: ok"
