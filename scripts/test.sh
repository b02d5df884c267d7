#!/usr/bin/env bash
# Every test: unit and end-to-end tests in a release build, the same again in
# an ASan+UBSan build (but for the DevTools-oracle comparisons, which only
# need one build), and a short libFuzzer run of the snapshot reader.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
jobs=$(nproc)
"$root/scripts/build.sh" release
(cd "$root/build" && ctest --output-on-failure -j "$jobs")
"$root/scripts/build.sh" asan
(cd "$root/build-asan" && ctest --output-on-failure -j "$jobs" -LE oracle)
"$root/scripts/build.sh" fuzz
# The corpus grows in a scratch folder; a crashing input is kept in $artifacts
# and its path printed, so it can become a test.
corpus=$(mktemp -d); artifacts=$(mktemp -d)
cp "$root"/tests/fuzz-corpus/* "$corpus"/
if ! "$root/build-fuzz/snapshot_reader_fuzz" -max_total_time="${OOMKIT_FUZZ_SECONDS:-60}" -max_len=4096 \
    -artifact_prefix="$artifacts/" "$corpus" >"$artifacts/log" 2>&1; then
  grep -E 'ERROR|what\(\)|SUMMARY' "$artifacts/log" | head -n 5
  echo "fuzz: the snapshot reader crashed; input kept in: $(ls "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* 2>/dev/null)"
  exit 1
fi
rm -rf "$corpus" "$artifacts"
echo "fuzz: snapshot reader ran clean"
