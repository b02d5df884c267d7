#!/usr/bin/env bash
# oomkit profile on a real Node heap profile: the top allocation site, and a
# pprof file that `go tool pprof` reads back with the same figures it printed
# for this profile when converted by another tool (samples/node20).
set -euo pipefail
bin=${OOMKIT_BIN:?}; shared=${OOMKIT_SHARED_DIR:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
prof="$shared/samples/node20/heap-prof.heapprofile"
"$bin" profile --json "$prof" --pprof "$tmp/p.pb.gz" >"$tmp/p.json"
node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));
  if (j.sites[0].function !== "makeSessions" || j.samples !== 207) process.exit(1)' "$tmp/p.json" || fail "top site"
set +e; "$bin" profile "$prof" --pprof "$tmp/p.pb.gz" >/dev/null 2>&1; s=$?; set -e
[ "$s" -eq 2 ] || fail "overwrote an existing file"
command -v go >/dev/null || { echo "go is not installed (scripts/install-deps.sh installs it)"; exit 1; }
go tool pprof -top -sample_index=space "$tmp/p.pb.gz" 2>/dev/null >"$tmp/top.txt"
for f in makeSessions makeStrings createUnsafeBuffer; do
  want=$(grep -m1 " $f\$" "$shared/samples/node20/heap-prof.go-tool-pprof-top.txt" | awk '{print $1, $4}')
  got=$(grep -m1 " $f\$" "$tmp/top.txt" | awk '{print $1, $4}')
  [ -n "$want" ] && [ "$want" = "$got" ] || fail "$f: go tool pprof says '$got', expected '$want'"
done
# A profile of our own, made by real Node now.
cat >"$tmp/app.js" <<'JS'
globalThis.kept = [];  // --heap-prof keeps only what is alive at exit
function hoard() { for (let i = 0; i < 200000; i++) globalThis.kept.push({ i, s: 'x'.repeat(20) + i }); }
hoard();
JS
(cd "$tmp" && node --heap-prof --heap-prof-dir="$tmp/prof" app.js)
# Everything it keeps is allocated under hoard(): its total is (nearly) all of it.
"$bin" profile --json "$tmp"/prof/*.heapprofile | node -e 'const j=JSON.parse(require("fs").readFileSync(0));
  const h = j.sites.find((s) => s.function === "hoard");
  if (!h || h.total_size < 0.9 * j.total_size || j.sites.some((s) => s.function === "(root)")) {
    console.log(JSON.stringify(j.sites.slice(0, 4))); process.exit(1); }' || fail "own profile"
echo "profile: ok"
