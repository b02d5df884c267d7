#!/usr/bin/env bash
# heap-ab.sh OLD_BINARY NEW_BINARY FILE [RUNS]   (RUNS: 6 by default)
# Two builds of oomkit on one snapshot, alternating (old, new, old, new, ...), so that the host's slow
# and fast spells fall on both: `heap summary --json` each run, the outputs compared, then per build the
# median, min and max of wall time and the median CPU time and peak RSS. This is how a change to the heap
# engine is judged against the build before it (bench/README.md quotes these runs).
# Keep a build to compare against with e.g.: cp build/oomkit /tmp/oomkit-before
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ $# -ge 3 ] || { sed -n 2,7p "$0" >&2; exit 2; }
old=$1 new=$2 file=$3 n=${4:-6}
: >"$work/ab-old.txt"; : >"$work/ab-new.txt"
"$old" heap summary --json --no-progress "$file" >"$work/ab-old.json"
"$new" heap summary --json --no-progress "$file" >"$work/ab-new.json"
cmp -s "$work/ab-old.json" "$work/ab-new.json" || { echo "the two builds print different summaries" >&2; exit 1; }
for ((i = 0; i < n; i++)); do
  measure old "$old" heap summary --json --no-progress "$file" >>"$work/ab-old.txt"
  measure new "$new" heap summary --json --no-progress "$file" >>"$work/ab-new.txt"
done
for b in old new; do
  f="$work/ab-$b.txt"
  printf '%s: wall median %s min %s max %s s, CPU median %s s, peak RSS median %s KiB  (%s)\n' "$b" \
    "$(cut -d' ' -f1 "$f" | median)" "$(cut -d' ' -f1 "$f" | sort -n | head -1)" \
    "$(cut -d' ' -f1 "$f" | sort -n | tail -1)" "$(cut -d' ' -f2 "$f" | median)" "$(cut -d' ' -f3 "$f" | median)" \
    "$(cut -d' ' -f1 "$f" | tr '\n' ' ' | sed 's/ $//')"
done
