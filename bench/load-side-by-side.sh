#!/usr/bin/env bash
# load-side-by-side.sh   (SERVER=nginx DUR=10 REPS=4 CONNS="50 100" PEERS="wrk h2load")
# `oomkit load` and a peer at the same moment, each against its own server: two nginx instances
# (../shared/bench/load/nginx.conf, one worker each, the second on port 18433) or, with SERVER=node, two copies
# of the shared Node test server (GET /; PEERS defaults to "wrk autocannon" then), on core 0; the two
# generators on core 1. Every process is started with setsid, so each is its own autogroup: the kernel gives the two nginx an
# equal share of core 0 and the two generators an equal share of core 1. Which nginx each tool drives swaps every
# rep. Prints req/s of each and the ratio oomkit / peer per rep, and the medians.
#
# Why: alternating runs (load-compare.sh) against a saturated nginx measured the same tool 30 % apart from one
# run to the next, more than the differences between tools. Side by side, both tools see the same host at the
# same moment, each with half of each core. PEERS=oomkit is the A/A control: the method's own spread.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
server=${SERVER:-nginx}
dur=${DUR:-10}; reps=${REPS:-4}; conns=${CONNS:-50 100}
if [ "$server" = node ]; then peer_tools=${PEERS:-wrk autocannon}; else peer_tools=${PEERS:-wrk h2load}; fi
peers="$work/load-peers"  # autocannon, as load-compare.sh installs it
if [[ " $peer_tools " == *" autocannon "* ]] && [ ! -f "$peers/node_modules/autocannon/autocannon.js" ]; then
  rm -rf "$peers"; mkdir -p "$peers"; cp "$shared/bench/load/package.json" "$shared/bench/load/package-lock.json" "$peers/"
  (cd "$peers" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
for t in wrk h2load nginx taskset curl; do command -v $t >/dev/null || { echo "missing $t (apt-get install wrk nghttp2-client nginx-light curl)" >&2; exit 2; }; done
out="$work/load-side-by-side-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"
hz=$(getconf CLK_TCK)
masters=() dirs=()
cleanup() { for p in "${masters[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "${dirs[@]}"; }
trap cleanup EXIT

declare -A worker url
for port in 18432 18433; do
  if [ "$server" = node ]; then
    node_server_up "$port" "$out/node-$port.log"
    masters+=("$node_server_pid") worker[$port]=$node_server_pid url[$port]=$node_url
  else
    nginx_up "$port" "$out"
    masters+=("$nginx_master") dirs+=("$nginx_dir") worker[$port]=$nginx_worker url[$port]=$nginx_url
  fi
done

command_of() {  # command_of TOOL CONNS URL -> the command in $cmd
  case $1 in
    wrk) cmd=(wrk -t1 -c"$2" -d"${dur}s" --timeout 10s "$3") ;;
    h2load) cmd=(h2load --h1 -t1 -c"$2" -D "$dur" "$3") ;;
    autocannon) cmd=(node "$peers/node_modules/autocannon/autocannon.js" -c "$2" -d "$dur" -t 10 -j "$3") ;;
    oomkit) cmd=("$root/build/oomkit" load "$3" -c "$2" -d "${dur}s" --json --no-progress) ;;
  esac
}

: >"$out/pairs.txt"
for c in $conns; do
  for peer in $peer_tools; do
    for rep in $(seq "$reps"); do
      if ((rep % 2)); then ports=(18432 18433); else ports=(18433 18432); fi  # [oomkit's, the peer's]
      declare -A t0 raw
      for side in 0 1; do t0[$side]=$(ticks "${worker[${ports[$side]}]}"); done
      for side in 0 1; do
        tool=oomkit; [ "$side" = 1 ] && tool=$peer
        raw[$side]="$out/c$c-$peer-r$rep-$side-$tool.txt"
        command_of "$tool" "$c" "${url[${ports[$side]}]}"
        setsid timeout -k 5 $((dur + 30)) /usr/bin/time -f '%e %U %S %M' -o "${raw[$side]}.time" taskset -c 1 "${cmd[@]}" \
          >"${raw[$side]}" 2>&1 &
      done
      wait $(jobs -p | tail -2) 2>/dev/null || true
      line=()
      for side in 0 1; do
        tool=oomkit; [ "$side" = 1 ] && tool=$peer
        t1=$(ticks "${worker[${ports[$side]}]}")
        line+=("$(node "$root/bench/load-result.js" "$tool" "${raw[$side]}" "${raw[$side]}.time" "$((t1 - ${t0[$side]}))" "$hz" "$server" "$c")")
      done
      echo "$rep ${ports[0]} ${line[0]} ${line[1]}" >>"$out/pairs.txt"
      tail -1 "$out/pairs.txt" >&2
      unset t0 raw
      sleep 1
    done
  done
done

echo "| conns | peer | rep | oomkit on | oomkit req/s | peer req/s | oomkit / peer | generator CPU us/req: oomkit, peer | server CPU us/req: oomkit's, peer's |"
echo "|---|---|---|---|---|---|---|---|---|"
node - "$out/pairs.txt" <<'JS'
// pairs.txt: rep port  phase tool conns req/s done cpu_s rss srv_s  (oomkit's, then the peer's)
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const fmt = (x) => Number(x).toLocaleString('en-US');
const groups = {};
for (const r of rows) {
  const [rep, port] = r, o = r.slice(2, 10), p = r.slice(10, 18);
  const ratio = +o[3] / +p[3];
  const cpu = (x) => ((+x[5] * 1e6) / +x[4]).toFixed(2);
  const srv = (x) => ((+x[7] * 1e6) / +x[4]).toFixed(2);
  console.log(`| ${o[2]} | ${p[1]} | ${rep} | :${port} | ${fmt(o[3])} | ${fmt(p[3])} | ${ratio.toFixed(3)} | ${cpu(o)}, ${cpu(p)} | ${srv(o)}, ${srv(p)} |`);
  (groups[`${o[2]} ${p[1]}`] ||= []).push(ratio);
}
// Reps 2k-1 and 2k put each tool once on each server: the geometric mean of the pair cancels a difference
// between the two server processes (one Node instance can cost a few % more per request than the other).
for (const [k, v] of Object.entries(groups)) {
  const pairs = [];
  for (let i = 0; i + 1 < v.length; i += 2) pairs.push(Math.sqrt(v[i] * v[i + 1]).toFixed(3));
  console.log(`| ${k.replace(' ', ' | ')} | median | | | | **${med(v).toFixed(3)}** (${Math.min(...v).toFixed(3)}-${Math.max(...v).toFixed(3)}); per swapped pair: ${pairs.join(', ')} | | |`);
}
JS
echo "  (runs: $out)" >&2
