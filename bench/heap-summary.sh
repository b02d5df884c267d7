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
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${OOMKIT_SHARED_DIR:-$root/../shared}
work=${OOMKIT_BENCH_DIR:-$HOME/.cache/oomkit-bench}
runs=${RUNS:-3}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(200MB)
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "install the 'time' package (apt-get install time)" >&2; exit 2; }
[ -x "$root/build/oomkit" ] || "$root/scripts/build.sh" release >/dev/null
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$root/build/CMakeCache.txt" || echo "warning: build/ is not a Release build" >&2
oracle=${OOMKIT_ORACLE_DIR:-$HOME/.cache/oomkit-oracle}
if [ ! -f "$oracle/devtools-worker.bundle.mjs" ]; then
  rm -rf "$oracle"; cp -r "$shared/oracle" "$oracle"; chmod -R u+w "$oracle"
  (cd "$oracle" && npm ci --silent --no-audit --no-fund >/dev/null && node build-devtools.mjs 2>/dev/null)
fi
tools=(oomkit devtools)
if [ "${MEMLAB:-0}" = 1 ]; then
  peers=${OOMKIT_PEERS_DIR:-$HOME/.cache/oomkit-peers}
  if [ ! -d "$peers/node_modules/memlab" ]; then
    rm -rf "$peers"; cp -r "$shared/bench/peers" "$peers"; chmod -R u+w "$peers"
    (cd "$peers" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null)
  fi
  tools+=(memlab)
fi
gen() {  # gen SIZE -> path of the snapshot
  local dir="$work/snap-$1"
  if [ ! -s "$dir/single.heapsnapshot" ]; then
    cp "$shared/bench/make-snapshots.js" "$work/"
    (cd "$work" && node --max-old-space-size=20000 make-snapshots.js --size "$1" --out "$dir" >&2)
  fi
  echo "$dir/single.heapsnapshot"
}
measure() {  # measure LABEL CMD... -> "wall cpu rss_kb"
  local label=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" ||
    { echo "$label failed: $(tail -3 "$work/stderr.txt")" >&2; return 1; }
  awk '{printf "%.2f %.2f %d\n", $1, $2 + $3, $4}' "$work/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "| file | tool | wall s | CPU s | peak RSS | MB/s |"
echo "|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  snap=$(gen "$size")
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
  for tool in "${tools[@]}"; do
    w=$(cut -d' ' -f1 "$work/$tool.txt" | median); c=$(cut -d' ' -f2 "$work/$tool.txt" | median)
    r=$(cut -d' ' -f3 "$work/$tool.txt" | median)
    printf '| %s (%s MB) | %s | %s | %s | %.2f GiB | %.0f |\n' "$size" "$mb" "$tool" "$w" "$c" \
      "$(echo "$r / 1048576" | bc -l)" "$(echo "$mb / $w" | bc -l)"
    eval "${tool}_w=$w ${tool}_r=$r ${tool}_c=$c"
  done
  for peer in "${tools[@]:1}"; do
    printf '| %s | ratio %s/oomkit | %.1fx | %.1fx | %.1fx | |\n' "$size" "$peer" \
      "$(eval echo "\$${peer}_w / \$oomkit_w" | bc -l)" "$(eval echo "\$${peer}_c / \$oomkit_c" | bc -l)" \
      "$(eval echo "\$${peer}_r / \$oomkit_r" | bc -l)"
  done
  echo "  ($size, $runs runs each, medians; numbers: $same)" >&2
done
