#!/usr/bin/env bash
# heap-compare.sh [SIZE...]   (default: 200MB)
# Measures the multi-snapshot commands against their peers on the triplet of ../shared/bench/make-snapshots.js
# (baseline/target/final of one process), in one run, alternating the tools:
#   - `oomkit heap diff BASELINE FINAL` vs the DevTools worker code's Comparison view
#     (tests/tools/devtools-diff.mjs over ../shared/oracle); also checks both give the same rows;
#   - `oomkit heap leaks BASELINE TARGET FINAL` vs `memlab find-leaks --trace-all-objects` (memlab's default
#     filter finds nothing in Node snapshots: see ../shared/research/peer-baseline.md, section 5).
# Prints wall time, CPU time, peak RSS and MB/s (all files read) per tool, medians of RUNS runs, and ratios.
# Needs: /usr/bin/time, node, npm. Snapshots are cached in $OOMKIT_BENCH_DIR.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(200MB)
install_oracle
install_memlab

echo "| files | tool | wall s | CPU s | peak RSS | MB/s |"
echo "|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  dir=$(gen "$size" --triplet)
  b="$dir/baseline.heapsnapshot" t="$dir/target.heapsnapshot" f="$dir/final.heapsnapshot"
  pair_mb=$(( ($(stat -L -c %s "$b") + $(stat -L -c %s "$f")) / 1000000 ))
  triplet_mb=$(( pair_mb + $(stat -L -c %s "$t") / 1000000 ))
  for tool in oomkit-diff devtools-diff oomkit-leaks memlab-find-leaks; do : >"$work/$tool.txt"; done
  for ((i = 0; i < runs; i++)); do
    measure oomkit-diff "$root/build/oomkit" heap diff --json --no-progress "$b" "$f" >>"$work/oomkit-diff.txt"
    measure devtools-diff node --max-old-space-size=20000 "$root/tests/tools/devtools-diff.mjs" "$oracle" "$b" "$f" \
      "$work/devtools-diff.json" >>"$work/devtools-diff.txt"
    measure oomkit-leaks "$root/build/oomkit" heap leaks --json --no-progress "$b" "$t" "$f" >>"$work/oomkit-leaks.txt"
    rm -rf "$work/memlab-leaks"; mkdir -p "$work/memlab-leaks"
    measure memlab-find-leaks node --max-old-space-size=20000 "$peers/node_modules/@memlab/cli/bin/memlab.js" \
      find-leaks --baseline "$b" --target "$t" --final "$f" --trace-all-objects --work-dir "$work/memlab-leaks" \
      >>"$work/memlab-find-leaks.txt"
  done
  "$root/build/oomkit" heap diff --json --no-progress "$b" "$f" >"$work/oomkit-diff.json"
  same=$(node "$root/tests/tools/compare-diff.js" "$work/devtools-diff.json" "$work/oomkit-diff.json" | head -1)
  report "$size pair" "$pair_mb" oomkit-diff devtools-diff
  report "$size triplet" "$triplet_mb" oomkit-leaks memlab-find-leaks
  echo "  ($size, $runs runs each, medians; diff rows: $same)" >&2
done
