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
corpus=$(mktemp -d)
cp "$root"/tests/fuzz-corpus/* "$corpus"/
"$root/build-fuzz/snapshot_reader_fuzz" -max_total_time="${OOMKIT_FUZZ_SECONDS:-60}" -max_len=4096 \
  -print_final_stats=0 "$corpus" 2>&1 | tail -n 3
rm -rf "$corpus"
echo "fuzz: snapshot reader ran clean"
