#!/usr/bin/env bash
# The real binary: help, version, exit codes, one-line errors naming the file
# and the byte offset, --partial, --json shapes.
set -euo pipefail
bin=${OOMKIT_BIN:?}; shared=${OOMKIT_SHARED_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_status() {  # expect_status CODE CMD...
  local want=$1; shift
  set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?; set -e
  [ "$got" -eq "$want" ] || { cat "$tmp/err"; fail "'$*' exited $got, expected $want"; }
}

expect_status 0 "$bin" --help
grep -q 'heap' "$tmp/out" || fail "--help does not list heap"
expect_status 0 "$bin" heap summary --help
for flag in --json --top --class --semantics --partial --threads --no-progress; do
  grep -q -- "$flag" "$tmp/out" || fail "heap summary --help does not explain $flag"
done
expect_status 0 "$bin" --version
grep -Eq '^oomkit [0-9]+\.[0-9]+' "$tmp/out" || fail "--version prints $(cat "$tmp/out")"
expect_status 2 "$bin" heap frobnicate x
expect_status 2 "$bin" heap summary /nonexistent.heapsnapshot

# The snapshot cut out of a real 2017 file: one line, file name, byte offset, exit 2.
trunc="$shared/fixtures/mhsp-small-truncated.heapsnapshot"
expect_status 2 "$bin" heap summary "$trunc"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one line on stderr, got: $(cat "$tmp/err")"
grep -q "^oomkit: $trunc: byte [0-9]*: the header says node_count 26688716" "$tmp/err" || fail "$(cat "$tmp/err")"

# Empty file and not-JSON.
: >"$tmp/empty.heapsnapshot"
expect_status 2 "$bin" heap info "$tmp/empty.heapsnapshot"
grep -q 'byte 0: the file is empty' "$tmp/err" || fail "$(cat "$tmp/err")"
echo 'not json' >"$tmp/text.heapsnapshot"
expect_status 2 "$bin" heap info "$tmp/text.heapsnapshot"

# A real snapshot cut inside "strings": refused, then analysed with --partial.
zcat "$shared/fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz" >"$tmp/full.heapsnapshot"
size=$(stat -c %s "$tmp/full.heapsnapshot")
head -c $((size - 2000)) "$tmp/full.heapsnapshot" >"$tmp/cut.heapsnapshot"
expect_status 2 "$bin" heap summary "$tmp/cut.heapsnapshot"
grep -q 'ends inside "strings".*--partial' "$tmp/err" || fail "$(cat "$tmp/err")"
expect_status 0 "$bin" heap summary --partial --json "$tmp/cut.heapsnapshot"
grep -q '"missing"' "$tmp/out" || fail "partial JSON does not say what is missing"
grep -q 'warning: partial analysis' "$tmp/err" || fail "no partial warning"

# JSON shapes other tools read.
expect_status 0 "$bin" heap summary --json "$shared/fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const k of ["node_count", "edge_count", "total_size", "statistics", "classes"]) if (!(k in j)) throw k;
  const c = j.classes[0];
  for (const k of ["name", "count", "self_size", "retained_size", "distance"]) if (!(k in c)) throw k;
  if (j.total_size !== 352312 || j.node_count !== 16929) throw "values";
  if (j.classes[0].name !== "(system)" || j.classes[0].retained_size !== 187564) throw "top class";' "$tmp/out"
expect_status 0 "$bin" heap dominators --json --top 5 "$shared/fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (j.objects.length !== 5) throw "count";
  for (const o of j.objects) for (const k of ["id", "name", "self_size", "retained_size", "dominator_id"]) if (!(k in o)) throw k;
  for (let i = 1; i < 5; i++) if (j.objects[i].retained_size > j.objects[i - 1].retained_size) throw "order";' "$tmp/out"
expect_status 0 "$bin" heap info --json "$shared/fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"
grep -q '"node_fields"' "$tmp/out" || fail "info --json"

# Text output speaks DevTools' words and sizes in units.
expect_status 0 "$bin" heap summary "$shared/fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"
grep -q 'Retained size' "$tmp/out" && grep -q 'Shallow size' "$tmp/out" && grep -q 'kB' "$tmp/out" || fail "text summary"
echo "cli basics: ok"
