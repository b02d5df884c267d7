#!/usr/bin/env bash
# heap-summary.sh [SIZE...]   (default: 200MB; e.g. 200MB 1GB 3GB)
# Measures `oomkit heap summary` (parse + dominators + retained sizes + aggregation) against the DevTools
# heap-snapshot worker code (../shared/oracle) on snapshots of ../shared/bench/make-snapshots.js, in one run,
# alternating the tools (oomkit, DevTools, oomkit, DevTools, ...). Prints wall time, CPU time, peak RSS and
# MB/s per run, then the medians and the ratios; also checks that both give the same numbers.
# MEMLAB=1 adds memlab 2.0.5 (`memlab analyze object-size`: parse, paths, dominators, retained sizes),
# installed from ../shared/bench/peers into ~/.cache/oomkit-peers.
# Needs: /usr/bin/time (Debian package `time`), node, npm. Snapshots are cached in $OOMKIT_BENCH_DIR.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(200MB)
install_oracle
tools=(oomkit devtools)
if [ "${MEMLAB:-0}" = 1 ]; then install_memlab; tools+=(memlab); fi

echo "| file | tool | wall s | CPU s | peak RSS | MB/s |"
echo "|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  snap="$(gen "$size")/single.heapsnapshot"
  mb=$(( $(stat -L -c %s "$snap") / 1000000 ))
  for tool in "${tools[@]}"; do : >"$work/$tool.txt"; done
  for ((i = 0; i < runs; i++)); do
    measure oomkit "$root/build/oomkit" heap summary --json --no-progress "$snap" >>"$work/oomkit.txt"
    measure devtools node --max-old-space-size=20000 "$oracle/devtools-parse.mjs" "$snap" --top 1000000 \
      --json "$work/devtools.json" >>"$work/devtools.txt"
    if [ "${MEMLAB:-0}" = 1 ]; then
      rm -rf "$work/memlab-work"; mkdir -p "$work/memlab-work"
      measure memlab node --max-old-space-size=20000 "$peers/node_modules/@memlab/cli/bin/memlab.js" analyze \
        object-size --snapshot "$snap" --work-dir "$work/memlab-work" >>"$work/memlab.txt"
    fi
  done
  "$root/build/oomkit" heap summary --json --no-progress "$snap" >"$work/oomkit.json"
  same=$(node "$root/tests/tools/compare-oracle.js" "$work/devtools.json" "$work/oomkit.json" | head -1)
  report "$size" "$mb" "${tools[@]}"
  echo "  ($size, $runs runs each, medians; numbers: $same)" >&2
  # Most of oomkit's kernel time is fresh pages (bench/README.md, "Fresh pages"): how the host backs
  # them changes from run to run, and this shows by how much.
  echo "  (oomkit's kernel time per run: $(cut -d' ' -f4 "$work/oomkit.txt" | tr '\n' ' ')s; median $(cut -d' ' -f4 "$work/oomkit.txt" | median) s of $(cut -d' ' -f2 "$work/oomkit.txt" | median) s CPU)" >&2
done
