# Shared by the bench scripts: where things live, the peers' installs, the
# generator's snapshots (cached), and one timed run. Source it after
# `set -euo pipefail`.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${OOMKIT_SHARED_DIR:-$root/../shared}
work=${OOMKIT_BENCH_DIR:-$HOME/.cache/oomkit-bench}
runs=${RUNS:-3}
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "install the 'time' package (apt-get install time)" >&2; exit 2; }
[ -x "$root/build/oomkit" ] || "$root/scripts/build.sh" release >/dev/null
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$root/build/CMakeCache.txt" || echo "warning: build/ is not a Release build" >&2

install_oracle() {  # the DevTools worker code (../shared/oracle), built once into $oracle
  oracle=${OOMKIT_ORACLE_DIR:-$HOME/.cache/oomkit-oracle}
  if [ ! -f "$oracle/devtools-worker.bundle.mjs" ]; then
    rm -rf "$oracle"; cp -r "$shared/oracle" "$oracle"; chmod -R u+w "$oracle"
    (cd "$oracle" && npm ci --silent --no-audit --no-fund >/dev/null && node build-devtools.mjs 2>/dev/null)
  fi
}
install_memlab() {  # memlab and the other peers of ../shared/bench/peers, into $peers
  peers=${OOMKIT_PEERS_DIR:-$HOME/.cache/oomkit-peers}
  if [ ! -d "$peers/node_modules/memlab" ]; then
    rm -rf "$peers"; cp -r "$shared/bench/peers" "$peers"; chmod -R u+w "$peers"
    (cd "$peers" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null)
  fi
}
gen() {  # gen SIZE [--triplet] -> the folder of the generator's snapshots
  local dir="$work/snap-$1${2:+-triplet}"
  if [ ! -s "$dir/single.heapsnapshot" ]; then
    cp "$shared/bench/make-snapshots.js" "$work/"
    (cd "$work" && node --max-old-space-size=20000 make-snapshots.js --size "$1" ${2:+"$2"} --out "$dir" >&2)
  fi
  echo "$dir"
}
measure() {  # measure LABEL CMD... -> "wall cpu rss_kb"
  local label=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" ||
    { echo "$label failed: $(tail -3 "$work/stderr.txt")" >&2; return 1; }
  awk '{printf "%.2f %.2f %d\n", $1, $2 + $3, $4}' "$work/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# report LABEL MB TOOL... : one table row per tool from $work/TOOL.txt (medians), then the
# ratios of each other tool to the first.
report() {
  local label=$1 mb=$2; shift 2
  local first=$1 tool w c r
  for tool in "$@"; do
    w=$(cut -d' ' -f1 "$work/$tool.txt" | median); c=$(cut -d' ' -f2 "$work/$tool.txt" | median)
    r=$(cut -d' ' -f3 "$work/$tool.txt" | median)
    printf '| %s (%s MB) | %s | %s | %s | %.2f GiB | %.0f |\n' "$label" "$mb" "$tool" "$w" "$c" \
      "$(echo "$r / 1048576" | bc -l)" "$(echo "$mb / $w" | bc -l)"
    eval "${tool//-/_}_w=$w ${tool//-/_}_r=$r ${tool//-/_}_c=$c"
  done
  for tool in "${@:2}"; do
    local p=${tool//-/_} f=${first//-/_}
    printf '| %s | ratio %s/%s | %.1fx | %.1fx | %.1fx | |\n' "$label" "$tool" "$first" \
      "$(eval echo "\$${p}_w / \$${f}_w" | bc -l)" "$(eval echo "\$${p}_c / \$${f}_c" | bc -l)" \
      "$(eval echo "\$${p}_r / \$${f}_r" | bc -l)"
  done
}
