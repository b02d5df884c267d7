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
measure() {  # measure LABEL CMD... -> "wall cpu rss_kb sys" (cpu = user + sys; sys: the kernel's share)
  local label=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" ||
    { echo "$label failed: $(tail -3 "$work/stderr.txt")" >&2; return 1; }
  awk '{printf "%.2f %.2f %d %.2f\n", $1, $2 + $3, $4, $3}' "$work/time.txt"
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
ticks() {  # ticks PID -> the process's CPU time (utime + stime) in clock ticks; 0 when it is gone
  [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12+$13}' || echo 0
}
# nginx_up PORT LOGDIR: ../shared/bench/load/nginx.conf on 127.0.0.1:PORT, one worker, on core 0, its own
# session; sets nginx_master, nginx_worker, nginx_dir (remove it after) and nginx_url.
nginx_up() {
  local port=$1 logdir=$2
  # nginx's worker runs as nobody: its files go where nobody can read them.
  nginx_dir=$(mktemp -d /tmp/oomkit-nginx.XXXXXX); chmod 755 "$nginx_dir"; mkdir -p "$nginx_dir/www" "$nginx_dir/tmp"
  printf '%s' '{"ok":true,"service":"bench","msg":"hello world"}' >"$nginx_dir/www/index.json"
  sed "s/127.0.0.1:18432/127.0.0.1:$port/" "$shared/bench/load/nginx.conf" >"$nginx_dir/nginx.conf"
  chmod -R a+rX "$nginx_dir"
  setsid taskset -c 0 nginx -p "$nginx_dir/" -c "$nginx_dir/nginx.conf" -e stderr -g 'daemon off;' >"$logdir/nginx-$port.log" 2>&1 &
  for _ in $(seq 50); do [ -s "$nginx_dir/nginx.pid" ] && break; sleep 0.1; done; sleep 0.3
  nginx_master=$(cat "$nginx_dir/nginx.pid")
  nginx_worker=$(awk '{print $1}' "/proc/$nginx_master/task/$nginx_master/children")
  nginx_url=http://127.0.0.1:$port/index.json
  curl -fsS -o /dev/null "$nginx_url" || { echo "nginx does not serve $nginx_url (see $logdir/nginx-$port.log)" >&2; exit 1; }
}
# node_server_up PORT LOG [ENV=VALUE...]: the shared Node test server on core 0, its own session, its JIT
# warmed up by 3 s of wrk from core 1 (not counted); sets node_server_pid and node_url.
node_server_up() {
  local port=$1 log=$2; shift 2
  setsid env PORT="$port" "$@" taskset -c 0 node "$shared/bench/load/server.js" >"$log" 2>&1 &
  for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
  node_server_pid=$(awk '/listening/ {print $4}' "$log")
  node_url=http://127.0.0.1:$port/
  curl -fsS -o /dev/null "$node_url" || { echo "the Node server does not answer $node_url" >&2; exit 1; }
  taskset -c 1 wrk -t1 -c50 -d3s "$node_url" >/dev/null
}
