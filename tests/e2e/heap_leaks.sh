#!/usr/bin/env bash
# oomkit heap leaks on triplets written by real Node (tests/programs/leak-patterns.js):
# each of the five leak patterns is found, with a path naming the module-level
# variable that holds it; the healthy control yields no cluster above noise;
# mismatched, missing and truncated inputs exit 2.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
prog="$src/tests/programs/leak-patterns.js"
triplet() { echo "$tmp/$1/baseline.heapsnapshot" "$tmp/$1/target.heapsnapshot" "$tmp/$1/final.heapsnapshot"; }
for p in map listeners promises closures logs all healthy; do
  mkdir -p "$tmp/$p"
  node "$prog" --pattern "$p" --requests 1500 --out "$tmp/$p"
  # shellcheck disable=SC2046
  "$bin" heap leaks --json $(triplet "$p") >"$tmp/$p.json"
done
node - "$tmp" <<'JS' || fail "leak clusters: see above"
const fs = require('fs');
const read = (p) => JSON.parse(fs.readFileSync(`${process.argv[2]}/${p}.json`, 'utf8'));
const edges = (c) => c.path.flatMap((h) => (h.hops ? h.hops : [h])).map((h) => h.edge);
const expected = { map: 'sessionCache', listeners: 'configBus', promises: 'inflight', closures: 'deferred', logs: 'accessLog' };
let bad = false;
for (const [p, variable] of Object.entries(expected)) {
  const r = read(p);
  const top = r.clusters[0];
  for (const k of ['path', 'count', 'retained_size', 'classes'])
    if (!top || !(k in top)) { console.log(`${p}: cluster lacks ${k}`); bad = true; }
  if (!top || !top.significant || !edges(top).includes(variable) || top.count < 100) {
    console.log(`${p}: top cluster does not name ${variable}: ${JSON.stringify(top)}`); bad = true;
  }
  const all = read('all').clusters.filter((c) => c.significant).slice(0, 8);
  if (!all.some((c) => edges(c).includes(variable))) { console.log(`all: no top cluster names ${variable}`); bad = true; }
}
const healthy = read('healthy');
if (healthy.significant_clusters !== 0) { console.log('healthy: ' + JSON.stringify(healthy.clusters[0])); bad = true; }
process.exit(bad ? 1 : 0);
JS
# With --track-heap-objects, each cluster shows the stack that allocated it.
mkdir -p "$tmp/traced"
node --track-heap-objects "$prog" --pattern map --requests 300 --out "$tmp/traced"
# shellcheck disable=SC2046
"$bin" heap leaks --json $(triplet traced) >"$tmp/traced.json"
node - "$tmp/traced.json" <<'JS' || fail "allocation stacks"
const c = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')).clusters[0];
const top = c && c.allocation_stack && c.allocation_stack[0];
if (!top || top.function !== 'handle' || !top.script.endsWith('leak-patterns.js') || !(top.line > 0)) {
  console.log(JSON.stringify(c && c.allocation_stack)); process.exit(1);
}
JS

# Five snapshots: what grew across all of them.
mkdir -p "$tmp/five"
node "$prog" --pattern logs --requests 400 --snapshots 5 --out "$tmp/five"
"$bin" heap leaks --json "$tmp"/five/snapshot-{1,2,3,4,5}.heapsnapshot >"$tmp/five.json"
node - "$tmp/five.json" <<'JS' || fail "five snapshots"
const c = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')).clusters[0];
const edges = c.path.flatMap((h) => (h.hops ? h.hops : [h])).map((h) => h.edge);
const counts = c.history.map((h) => h.count);
// allocated after snapshot 1: 400 more log lines in each of the next four
if (!c.significant || !c.grew_every_step || !edges.includes('accessLog') || counts.join() !== '400,800,1200,1600') {
  console.log(JSON.stringify(c)); process.exit(1);
}
JS

# --fail-on-leak is the CI gate.
set +e
# shellcheck disable=SC2046
"$bin" heap leaks --fail-on-leak $(triplet map) >/dev/null; s1=$?
# shellcheck disable=SC2046
"$bin" heap leaks --fail-on-leak $(triplet healthy) >/dev/null; s2=$?
set -e
[ "$s1$s2" = 10 ] || fail "--fail-on-leak exits $s1 (leak) and $s2 (healthy)"

# Inputs that cannot work: exit 2 with one line.
expect2() {
  set +e; "$@" >/dev/null 2>"$tmp/err"; local s=$?; set -e
  [ "$s" -eq 2 ] || fail "'$*' exited $s"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one line: $(cat "$tmp/err")"
}
expect2 "$bin" heap leaks "$tmp/map/baseline.heapsnapshot" "$tmp/map/target.heapsnapshot" "$tmp/logs/final.heapsnapshot"
grep -q "different processes\|share no object id" "$tmp/err" || fail "other process: $(cat "$tmp/err")"
head -c 300000 "$tmp/map/target.heapsnapshot" >"$tmp/cut.heapsnapshot"
expect2 "$bin" heap leaks "$tmp/map/baseline.heapsnapshot" "$tmp/cut.heapsnapshot" "$tmp/map/final.heapsnapshot"
grep -q "cut.heapsnapshot: byte" "$tmp/err" || fail "truncated: $(cat "$tmp/err")"
expect2 "$bin" heap leaks "$tmp/map/final.heapsnapshot" "$tmp/map/target.heapsnapshot" "$tmp/map/baseline.heapsnapshot"
grep -q "oldest first" "$tmp/err" || fail "reversed order: $(cat "$tmp/err")"
set +e; "$bin" heap leaks "$tmp/nope.heapsnapshot" "$tmp/map/target.heapsnapshot" "$tmp/map/final.heapsnapshot" 2>/dev/null; s=$?; set -e
[ "$s" -eq 2 ] || fail "missing file: exit $s"
echo "heap leaks: ok"
