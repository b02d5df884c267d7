#!/usr/bin/env bash
# gc-log.sh [MB]   (default 1000)
# `oomkit gc` on a big --trace-gc log, on one core (taskset -c 0), against the simplest honest peer,
# `grep -c 'Mark-Compact'`, over the same file in the same run, tools alternating. The log is every
# *.stdout.txt of ../shared/samples (real Node 16-26 output: plain, verbose and NVP lines, several
# isolates) concatenated until it reaches the size; cached in $OOMKIT_BENCH_DIR.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mb=${1:-1000}
log="$work/gc-$mb.log"
if [ ! -s "$log" ]; then
  cat "$shared"/samples/node*/*.stdout.txt >"$work/gc-unit.log"
  : >"$log"
  while [ "$(stat -c %s "$log")" -lt $((mb * 1000000)) ]; do cat "$work/gc-unit.log" >>"$log"; done
fi
size=$(( $(stat -c %s "$log") / 1000000 ))
: >"$work/oomkit-gc.txt"; : >"$work/grep.txt"
for ((i = 0; i < runs; i++)); do
  measure oomkit-gc taskset -c 0 "$root/build/oomkit" gc --json "$log" >>"$work/oomkit-gc.txt"
  # (GNU grep stops at the first match when its output is /dev/null: write the count to a file)
  measure grep taskset -c 0 sh -c 'grep -c Mark-Compact "$1" >"$2"' sh "$log" "$work/grep-count.txt" >>"$work/grep.txt"
done
echo "| file | tool | wall s | CPU s | peak RSS | MB/s |"
echo "|---|---|---|---|---|---|"
report "gc log" "$size" oomkit-gc grep
echo "  ($runs runs each, medians, one core)" >&2
