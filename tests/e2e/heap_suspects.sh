#!/usr/bin/env bash
# oomkit heap suspects on snapshots written by real Node (tests/programs/leak-patterns.js):
# each leak pattern is the top suspect with a fix and a path naming the
# module-level variable; all five are among the top suspects of one snapshot
# holding them all, also with --baseline; the healthy control has no suspect
# with a fix; the JSON shape the issue names.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for p in map listeners promises closures logs all healthy; do
  mkdir -p "$tmp/$p"
  node "$src/tests/programs/leak-patterns.js" --pattern "$p" --requests 1500 --out "$tmp/$p"
  "$bin" heap suspects --json "$tmp/$p/final.heapsnapshot" >"$tmp/$p.json"
done
"$bin" heap suspects --json --baseline "$tmp/all/baseline.heapsnapshot" "$tmp/all/final.heapsnapshot" >"$tmp/all-baseline.json"
node - "$tmp" <<'JS' || fail "suspects: see above"
const fs = require('fs');
const read = (p) => JSON.parse(fs.readFileSync(`${process.argv[2]}/${p}.json`, 'utf8')).suspects;
const edges = (x) => x.path.flatMap((h) => (h.hops ? h.hops : [h])).map((h) => h.edge);
const expected = {
  map: ['collection', 'sessionCache'], listeners: ['listeners', 'configBus'], promises: ['promises', 'inflight'],
  closures: ['closure-context', 'deferred'], logs: ['log-array', 'accessLog'],
};
let bad = false;
const check = (where, x, [kind, variable]) => {
  for (const k of ['kind', 'class', 'id', 'retained_size', 'count', 'path', 'fix'])
    if (!x || !(k in x)) { console.log(`${where}: suspect lacks ${k}`); return false; }
  return x.kind === kind && x.fix && edges(x).includes(variable);
};
for (const [p, want] of Object.entries(expected)) {
  if (!check(p, read(p)[0], want)) { console.log(`${p}: top suspect is ${JSON.stringify(read(p)[0])}`); bad = true; }
  for (const file of ['all', 'all-baseline']) {
    const top = read(file).slice(0, 10);
    if (!top.some((x) => check(file, x, want))) { console.log(`${file}: no top suspect ${want}`); bad = true; }
  }
}
if (!read('all-baseline').filter((x) => x.fix).every((x) => x.growth === undefined || x.growth > 0 || x.kind === 'closure-context')) {
  console.log('all-baseline: a suspect that did not grow'); bad = true;
}
const healthy = read('healthy').filter((x) => x.fix);
if (healthy.length) { console.log('healthy: ' + JSON.stringify(healthy[0])); bad = true; }
process.exit(bad ? 1 : 0);
JS
# Small slices of big Buffers keep the whole buffers alive.
cat >"$tmp/slices.js" <<'JS'
globalThis.headers = [];
for (let i = 0; i < 24; i++) globalThis.headers.push(Buffer.alloc(1 << 20, i).subarray(0, 16));
require('v8').writeHeapSnapshot(process.argv[2]);
JS
node "$tmp/slices.js" "$tmp/slices.heapsnapshot"
"$bin" heap suspects --json "$tmp/slices.heapsnapshot" | node -e 'const s=JSON.parse(require("fs").readFileSync(0)).suspects;
  const b = s.find((x) => x.kind === "buffer-slices");
  if (!b || b.count < 20 || !b.fix.includes("Buffer.from")) { console.log(JSON.stringify(s.slice(0, 3))); process.exit(1); }' ||
  fail "buffer slices"

set +e
"$bin" heap suspects --baseline "$tmp/map/baseline.heapsnapshot" "$tmp/logs/final.heapsnapshot" >/dev/null 2>"$tmp/err"; s=$?
set -e
[ "$s" -eq 2 ] || fail "--baseline of another process: exit $s"
grep -q "same process" "$tmp/err" || fail "$(cat "$tmp/err")"
echo "heap suspects: ok"
