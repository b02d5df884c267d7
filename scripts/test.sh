#!/usr/bin/env bash
# Every test: unit and end-to-end tests in a release build, the same again in
# an ASan+UBSan build (but for the DevTools-oracle comparisons, which only
# need one build), and short libFuzzer runs of the snapshot reader, the GC
# log reader and the diagnostic-report reader.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" test
jobs=$(nproc)
"$root/scripts/build.sh" release
(cd "$root/build" && ctest --output-on-failure -j "$jobs")
"$root/scripts/build.sh" asan  # the fuzzers too
(cd "$root/build-asan" && ctest --output-on-failure -j "$jobs" -LE oracle)
# Each fuzzer's corpus grows in a scratch folder; a crashing input is kept
# and its path printed, so it can become a test.
fuzz() {  # fuzz TARGET SECONDS MAX_LEN SEED...
  local target=$1 seconds=$2 max_len=$3 corpus artifacts
  shift 3
  corpus=$(mktemp -d); artifacts=$(mktemp -d)
  local i=0 seed
  for seed in "$@"; do cp "$seed" "$corpus/$((i++))-$(basename "$seed")"; done  # names repeat across versions
  if ! "$root/build-asan/$target" -max_total_time="$seconds" -max_len="$max_len" -artifact_prefix="$artifacts/" "$corpus" \
      >"$artifacts/log" 2>&1; then
    grep -E 'ERROR|what\(\)|SUMMARY' "$artifacts/log" | head -n 5
    echo "fuzz: $target crashed; input kept in: $(ls "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* 2>/dev/null)"
    exit 1
  fi
  rm -rf "$corpus" "$artifacts"
  echo "fuzz: $target ran clean"
}
shared=${OOMKIT_SHARED_DIR:-$root/../shared}
# A fuzzer takes one core: the snapshot reader's runs beside the three others
# in turn (105 s of fuzzing in 60 s of the run).
fuzz snapshot_reader_fuzz "${OOMKIT_FUZZ_SECONDS:-45}" 4096 "$root"/tests/fuzz-corpus/*.heapsnapshot &
reader_fuzz=$!
trap 'kill "$reader_fuzz" 2>/dev/null || true' EXIT
# Seeds: real Node output, read from ../shared by path.
fuzz gc_log_fuzz "${OOMKIT_FUZZ_GC_SECONDS:-25}" 8192 "$shared"/samples/node*/*.stdout.txt "$shared"/samples/node*/*oom*.stderr.txt
fuzz node_report_fuzz "${OOMKIT_FUZZ_REPORT_SECONDS:-20}" 65536 "$shared"/samples/node*/report*.json \
  "$shared"/samples/node20/heap-prof.heapprofile
# URLs, durations, rate profiles and the stdout splitter; seeds: real trace output and the test programs.
fuzz load_spec_fuzz "${OOMKIT_FUZZ_LOAD_SECONDS:-15}" 4096 "$shared"/samples/node20/leak.trace-gc.stdout.txt \
  "$shared"/samples/node26/leak.trace-gc.stdout.txt "$root"/tests/programs/run-scenarios.js
wait "$reader_fuzz"  # its exit status is the script's when it failed
