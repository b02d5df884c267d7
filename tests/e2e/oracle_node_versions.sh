#!/usr/bin/env bash
# oomkit heap summary equals the DevTools worker code itself (../shared/oracle)
# on snapshots written by real Node 18, 20, 22, 24 and 26 (one with allocation
# tracking), and on one from ../shared/bench/make-snapshots.js; oomkit heap
# diff equals DevTools' Comparison view on the generator's baseline/final pair.
set -euo pipefail
bin=${OOMKIT_BIN:?}; shared=${OOMKIT_SHARED_DIR:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
oracle=${OOMKIT_ORACLE_DIR:-$HOME/.cache/oomkit-oracle}
if [ ! -f "$oracle/devtools-worker.bundle.mjs" ]; then
  rm -rf "$oracle"; mkdir -p "$(dirname "$oracle")"
  cp -r "$shared/oracle" "$oracle"; chmod -R u+w "$oracle"
  (cd "$oracle" && npm ci --silent --no-audit --no-fund >/dev/null && node build-devtools.mjs 2>/dev/null)
fi
check() {  # check NAME SNAPSHOT
  node --max-old-space-size=8000 "$oracle/devtools-parse.mjs" "$2" --top 1000000 --json "$tmp/$1.oracle.json" >/dev/null 2>&1
  "$bin" heap summary --json "$2" >"$tmp/$1.ours.json"
  echo "$1: $(node "$src/tests/tools/compare-oracle.js" "$tmp/$1.oracle.json" "$tmp/$1.ours.json")"
}
status=0
while read -r major node; do
  env -i "$node" "$src/examples/leaky-cache/app.js" --requests 3000 --snapshot "$tmp/node$major.heapsnapshot"
  check "node$major" "$tmp/node$major.heapsnapshot" || status=1
done < <(bash "$shared/tools/node-versions.sh" 18 20 22 24 26)
node24=$(bash "$shared/tools/node-versions.sh" 24 | cut -d' ' -f2)
env -i "$node24" --track-heap-objects "$src/examples/leaky-cache/app.js" --requests 2000 --snapshot "$tmp/traced.heapsnapshot"
"$bin" heap info --json "$tmp/traced.heapsnapshot" | grep -q '"allocation_traces": true' || { echo "traced snapshot not seen as traced"; status=1; }
check "node24-traced" "$tmp/traced.heapsnapshot" || status=1
(cd "$tmp" && cp "$shared/bench/make-snapshots.js" . && node make-snapshots.js --size 20MB --out "$tmp/gen" >/dev/null 2>&1)
check "generator-20MB" "$tmp/gen/single.heapsnapshot" || status=1
# The same output whatever the thread count.
"$bin" heap summary --json --threads 1 "$tmp/gen/single.heapsnapshot" >"$tmp/t1.json"
"$bin" heap dominators --json --threads 1 "$tmp/gen/single.heapsnapshot" >>"$tmp/t1.json"
"$bin" heap summary --json --threads 2 "$tmp/gen/single.heapsnapshot" >"$tmp/t2.json"
"$bin" heap dominators --json --threads 2 "$tmp/gen/single.heapsnapshot" >>"$tmp/t2.json"
if cmp -s "$tmp/t1.json" "$tmp/t2.json"; then echo "threads 1 and 2: identical output"; else echo "threads 1 and 2 differ"; status=1; fi
gzip -c "$tmp/gen/single.heapsnapshot" >"$tmp/gen.heapsnapshot.gz"
check "generator-20MB-gzip" "$tmp/gen.heapsnapshot.gz" || status=1
(cd "$tmp" && node make-snapshots.js --size 20MB --triplet --out "$tmp/trip" >/dev/null 2>&1)
node --max-old-space-size=8000 "$src/tests/tools/devtools-diff.mjs" "$oracle" "$tmp/trip/baseline.heapsnapshot" \
  "$tmp/trip/final.heapsnapshot" "$tmp/diff.oracle.json" 2>/dev/null
"$bin" heap diff --json "$tmp/trip/baseline.heapsnapshot" "$tmp/trip/final.heapsnapshot" >"$tmp/diff.ours.json"
echo "diff generator-20MB triplet: $(node "$src/tests/tools/compare-diff.js" "$tmp/diff.oracle.json" "$tmp/diff.ours.json")" || status=1
exit $status
