#!/usr/bin/env bash
# load-compare.sh [nginx] [node] [rate]   (default: all three)
# `oomkit load` against wrk, h2load and autocannon, in one run, tools alternating (A B C A B C ...):
#   nginx: a fast server (Debian nginx-light, ../shared/bench/load/nginx.conf, one worker, a 49-byte file),
#          so the generator is the bottleneck: req/s and generator CPU per request, vs wrk and h2load;
#   node:  the shared Node test server (../shared/bench/load/server.js, GET /), vs wrk and autocannon:
#          req/s, and the server's own CPU per request under each tool's traffic;
#   rate:  oomkit's open loop at 10,000 req/s for 20 s against the Node server: arrivals per 10 ms at the
#          server (CV, empty windows), achieved rate.
# Server on core 0, generator on core 1 (taskset), loopback only, every run bounded (DUR s, default 10).
# Env: DUR=10 REPS=3 CONNS="50 100". Peers: apt wrk nghttp2-client nginx-light; npm autocannon 9.0.0
# (installed from ../shared/bench/load/package-lock.json into $OOMKIT_BENCH_DIR/load-peers).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
phases=${*:-nginx node rate}
dur=${DUR:-10}
reps=${REPS:-3}
conns=${CONNS:-50 100}
for t in wrk h2load nginx taskset; do command -v $t >/dev/null || { echo "missing $t (apt-get install wrk nghttp2-client nginx-light)" >&2; exit 2; }; done
peers="$work/load-peers"
if [ ! -f "$peers/node_modules/autocannon/autocannon.js" ]; then
  rm -rf "$peers"; mkdir -p "$peers"; cp "$shared/bench/load/package.json" "$shared/bench/load/package-lock.json" "$peers/"
  (cd "$peers" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
autocannon="$peers/node_modules/autocannon/autocannon.js"
out="$work/load-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"
node_pid= nginx_pid=
cleanup() { for p in $node_pid $nginx_pid; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start_nginx() {
  nginx_up 18432 "$out"; ngx=$nginx_dir nginx_pid=$nginx_master server_pid=$nginx_worker url=$nginx_url
}
start_node() {  # [env...]
  node_server_up 18431 "$out/node.log" "$@"; node_pid=$node_server_pid server_pid=$node_pid url=$node_url
}
stop_servers() { cleanup; wait 2>/dev/null || true; node_pid= nginx_pid=; sleep 0.5; }

# one PHASE TOOL CONNS REP: a run; appends "phase tool conns req/s done gen_cpu_s gen_rss_kb srv_cpu_s" to runs.txt
one() {
  local phase=$1 tool=$2 c=$3 rep=$4 raw="$out/$1-$2-c$3-r$4.txt" cmd
  case $tool in
    wrk) cmd=(wrk -t1 -c"$c" -d"${dur}s" --timeout 10s "$url") ;;
    h2load) cmd=(h2load --h1 -t1 -c"$c" -D "$dur" "$url") ;;
    autocannon) cmd=(node "$autocannon" -c "$c" -d "$dur" -t 10 -j "$url") ;;
    oomkit) cmd=("$root/build/oomkit" load "$url" -c "$c" -d "${dur}s" --json) ;;
  esac
  local t0; t0=$(ticks "$server_pid")
  timeout -k 5 $((dur + 30)) /usr/bin/time -f '%e %U %S %M' -o "$raw.time" taskset -c 1 "${cmd[@]}" >"$raw" 2>&1 || true
  local t1; t1=$(ticks "$server_pid")
  node "$root/bench/load-result.js" "$tool" "$raw" "$raw.time" "$((t1 - t0))" "$(getconf CLK_TCK)" "$phase" "$c" >>"$out/runs.txt"
  tail -1 "$out/runs.txt" >&2
}
trap 'cleanup; rm -rf "${ngx:-/nonexistent}"' EXIT

for phase in $phases; do
  case $phase in
    nginx) start_nginx; tools="wrk h2load oomkit" ;;
    node) start_node; tools="wrk autocannon oomkit" ;;
    rate)
      start_node ARRIVALS=1
      for rep in $(seq "$reps"); do
        curl -fsS "http://127.0.0.1:18431/__arrivals?reset=1" >/dev/null
        /usr/bin/time -f '%e %U %S %M' -o "$out/rate-$rep.time" taskset -c 1 "$root/build/oomkit" load "$url" --rate 10000 -d 20s -c 50 --json >"$out/rate-$rep.json"
        curl -fsS "http://127.0.0.1:18431/__arrivals" >"$out/rate-$rep.arrivals.json"
        node - "$out/rate-$rep.json" "$out/rate-$rep.arrivals.json" "$out/rate-$rep.time" <<'JS'
const fs = require('fs');
const j = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const a = JSON.parse(fs.readFileSync(process.argv[3], 'utf8')).counts.map((x) => x || 0);
const [, user, sys, rss] = fs.readFileSync(process.argv[4], 'utf8').trim().split(' ').map(Number);
const f = a.findIndex((x) => x > 0); let l = a.length - 1; while (a[l] === 0) l--;
const w = a.slice(f + 1, l); const mean = w.reduce((x, y) => x + y, 0) / w.length;
const cv = Math.sqrt(w.reduce((x, y) => x + (y - mean) ** 2, 0) / w.length) / mean;
console.log(`| 10,000 req/s, 20 s | ${j.requests.sent} sent, ${a.reduce((x, y) => x + y, 0)} arrived | ${(j.requests.sent / j.duration_s).toFixed(0)} req/s | CV ${cv.toFixed(3)} | ` +
  `${w.filter((x) => x === 0).length} empty of ${w.length} | late ${j.requests.late} | ${((user + sys) * 1e6 / j.requests.sent).toFixed(1)} us/req | ${(rss / 1024).toFixed(1)} MB |`);
JS
      done
      stop_servers; continue ;;
  esac
  for c in $conns; do
    for rep in $(seq "$reps"); do for tool in $tools; do one "$phase" "$tool" "$c" "$rep"; done; done
  done
  stop_servers
done

[ -s "$out/runs.txt" ] || exit 0
echo
echo "| server | conns | tool | req/s (median) | generator CPU us/req | generator RSS MB | server CPU us/req |"
echo "|---|---|---|---|---|---|---|"
node - "$out/runs.txt" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const groups = new Map();
for (const [phase, tool, c, rps, done, cpu, rss, srv] of rows) {
  const k = `${phase}|${c}|${tool}`;
  if (!groups.has(k)) groups.set(k, []);
  groups.get(k).push({ rps: +rps, us: (+cpu * 1e6) / +done, rss: +rss / 1024, srv: (+srv * 1e6) / +done });
}
const at = {};
for (const [k, v] of groups) {
  const [phase, c, tool] = k.split('|');
  const m = { rps: med(v.map((x) => x.rps)), us: med(v.map((x) => x.us)), rss: med(v.map((x) => x.rss)), srv: med(v.map((x) => x.srv)) };
  (at[`${phase}|${c}`] ||= {})[tool] = m;
  console.log(`| ${phase} | ${c} | ${tool} | ${Math.round(m.rps).toLocaleString('en')} | ${m.us.toFixed(2)} | ${m.rss.toFixed(1)} | ${m.srv.toFixed(2)} |`);
}
console.log('\n| server | conns | oomkit req/s / best peer | oomkit CPU us/req / wrk |');
console.log('|---|---|---|---|');
for (const [k, t] of Object.entries(at)) {
  if (!t.oomkit) continue;
  const best = Math.max(...Object.entries(t).filter(([n]) => n !== 'oomkit').map(([, m]) => m.rps));
  console.log(`| ${k.replace('|', ' | ')} | ${(t.oomkit.rps / best).toFixed(3)} | ${t.wrk ? (t.oomkit.us / t.wrk.us).toFixed(3) : '-'} |`);
}
JS
echo "  (raw runs: $out)" >&2
