#!/usr/bin/env bash
# oomkit heap retainers on a snapshot written by real Node with known
# retention (tests/programs/retained.js): the path names the variable and
# the Map holding the object, a timer list's thousands of hops come folded,
# a WeakMap table's path ranks after the key's, and bad targets exit 2.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
snap="$tmp/r.heapsnapshot"
node "$src/tests/programs/retained.js" "$snap"

out=$("$bin" heap retainers "$snap" --class Held)
echo "$out" | grep -q 'global @[0-9]* \.registry > Object @[0-9]* \.byName > Map @[0-9]* ' || fail "Held path: $out"
echo "$out" | grep -q '> Held @[0-9]*$' || fail "Held path does not end at the object: $out"

# By id, as DevTools shows it, and in JSON.
id=$(echo "$out" | head -1 | sed 's/.*Held @\([0-9]*\).*/\1/')
"$bin" heap retainers "$snap" "@$id" --json >"$tmp/r.json"
node - "$tmp/r.json" <<'JS' || fail "retainers JSON"
const j = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const o = j.objects[0];
const p = o.paths[0].path;
const edges = p.map((h) => h.edge).filter(Boolean);
if (o.name !== 'Held' || !edges.includes('registry') || !edges.includes('byName') || p[p.length - 1].id !== o.id) {
  console.log(JSON.stringify(o, null, 1)); process.exit(1);
}
JS

out=$("$bin" heap retainers "$snap" --class Job --instances 1)
echo "$out" | grep -q '(× [0-9,]*: Timeout @[0-9]* \._idle\(Prev\|Next\))' || fail "timer list not folded: $out"
"$bin" heap retainers "$snap" --class Pairing --max-paths 5 --json >"$tmp/w.json"
node - "$tmp/w.json" <<'JS' || fail "WeakMap value paths"
const paths = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')).objects[0].paths;
const viaKey = paths.findIndex((p) => p.path.some((h) => h.edge === 'pairKey') && !p.through_weakmap_table);
const viaTable = paths.findIndex((p) => p.through_weakmap_table);
if (viaKey < 0 || viaTable < 0 || viaTable < viaKey) { console.log(JSON.stringify(paths, null, 1)); process.exit(1); }
JS

set +e
"$bin" heap retainers "$snap" @999999999 >/dev/null 2>"$tmp/err"; s1=$?
"$bin" heap retainers "$snap" --class NoSuchClass >/dev/null 2>>"$tmp/err"; s2=$?
"$bin" heap retainers "$snap" @x1 >/dev/null 2>>"$tmp/err"; s3=$?
set -e
[ "$s1$s2$s3" = 222 ] || fail "bad targets exit $s1 $s2 $s3: $(cat "$tmp/err")"
echo "heap retainers: ok"
