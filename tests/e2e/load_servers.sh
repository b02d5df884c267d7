#!/usr/bin/env bash
# oomkit load against real servers that behave well and badly
# (tests/programs/load-servers.js, loopback only): keep-alive, chunked,
# Connection: close, close-delimited bodies, slow answers, resets, garbage,
# silence, half a body, two answers to one request, non-2xx. Every request is
# accounted for (sent = completed + failed + in flight at stop), each failure
# lands in its class, and every run ends on time. Each run is bounded: at
# most a few seconds, a few connections.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

node "$src/tests/programs/load-servers.js" >"$tmp/ports" &
server_pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/ports" && break; sleep 0.1; done
read -r _ http raw <"$tmp/ports"
H="http://127.0.0.1:$http"; R="http://127.0.0.1:$raw"

# check NAME FILE EXPR: EXPR is JavaScript over the summary `j`; the helper
# also asserts the accounting identity on every summary.
check() {
  local name=$1 file=$2 expr=$3
  node - "$file" "$expr" <<'JS' || fail "$name: $(cat "$file")"
const j = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const r = j.requests, e = j.errors;
if (r.sent !== r.completed + r.failed + r.in_flight_at_stop) { console.error('accounting'); process.exit(1); }
const ok = Function('j', 'r', 'e', `return (${process.argv[3]});`)(j, r, e);
if (!ok) { console.error('expected: ' + process.argv[3]); process.exit(1); }
JS
}
# run NAME MAX_SECONDS ARGS...: the run must end within MAX_SECONDS.
run() {
  local name=$1 max=$2; shift 2
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$bin" load "$@" --json >"$tmp/$name.json" 2>"$tmp/$name.err" || rc=$?
  t1=$(date +%s.%N)
  echo "$rc" >"$tmp/$name.rc"
  awk -v a="$t0" -v b="$t1" -v m="$max" 'BEGIN { exit !(b - a <= m) }' || fail "$name took $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}') s (bound $max s)"
}

run keepalive 5 "$H/" -c 4 -d 1s
check keepalive "$tmp/keepalive.json" 'r.completed > 100 && r.failed === 0 && j.connections_opened === 4 && j.status_codes["200"] === r.completed && j.latency_us.p50 > 0'

# The closed loop polls while answers keep coming (--poll-interval, 50us by
# default); the runs above and below take that path. The blocking wait, the
# open loop's default, serves the same traffic the same way.
run keepalive_blocking 5 "$H/" -c 4 -d 1s --poll-interval 0
check keepalive_blocking "$tmp/keepalive_blocking.json" 'r.completed > 100 && r.failed === 0 && j.poll_interval_us === 0'
check keepalive_polls "$tmp/keepalive.json" 'j.poll_interval_us === 50'

run chunked 5 "$H/chunked" -c 4 -d 1s
check chunked "$tmp/chunked.json" 'r.completed > 100 && r.failed === 0 && j.connections_opened === 4'

run close 5 "$H/close" -c 4 -d 1s
check close "$tmp/close.json" 'r.completed > 20 && r.failed === 0 && j.closed_by_server >= r.completed - 4 && j.connections_opened >= r.completed'

run eof 5 "$R/eof" -c 4 -d 1s
check eof "$tmp/eof.json" 'r.completed > 20 && r.failed === 0 && j.status_codes["200"] === r.completed'

# 4 connections, 200 ms per answer, 2 s: about 40 answers, at most 4 unanswered.
run slow 5 "$H/slow?ms=200" -c 4 -d 2s
check slow "$tmp/slow.json" 'r.completed >= 30 && r.completed <= 44 && r.in_flight_at_stop <= 4 && j.latency_us.p50 >= 200000'

run reset 5 "$R/reset" -c 2 -d 1s
check reset "$tmp/reset.json" 'r.completed === 0 && e.reset > 0 && r.failed === e.reset + e.closed'

run malformed 5 "$R/malformed" -c 2 -d 1s
check malformed "$tmp/malformed.json" 'r.completed === 0 && e.malformed > 0 && r.failed === e.malformed'

run twice 5 "$R/twice" -c 2 -d 1s
check twice "$tmp/twice.json" 'r.completed > 0 && j.unsolicited > 0'

# A server that never answers: the per-request timeout closes the socket and
# counts it; the run still ends on time.
run hang_timeout 4 "$R/hang" -c 2 -d 2s --timeout 300ms
check hang_timeout "$tmp/hang_timeout.json" 'r.completed === 0 && e.timeout >= 8 && r.in_flight_at_stop <= 2'
run partial 4 "$R/partial" -c 2 -d 2s --timeout 300ms
check partial "$tmp/partial.json" 'r.completed === 0 && e.timeout >= 8'
# Without a timeout in reach, the requests are in flight at the stop.
run hang 4 "$R/hang" -c 3 -d 1500ms
check hang "$tmp/hang.json" 'r.sent === 3 && r.in_flight_at_stop === 3 && j.duration_s >= 1.4 && j.duration_s <= 1.7'

# The open loop against a server that never answers: every connection stuck,
# the rest of the schedule is due but never sent, and it says so.
run open_hang 4 "$R/hang" -c 2 --rate 100 -d 2s
check open_hang "$tmp/open_hang.json" 'r.sent === 2 && r.due === 200 && r.dropped === 198 && r.in_flight_at_stop === 2'

# Non-2xx is an error class by code, and --max-error-rate gates on it.
run status 5 "$H/status/503" -c 2 -d 1s --max-error-rate 1%
[ "$(cat "$tmp/status.rc")" = 1 ] || fail "status 503 with --max-error-rate: exit $(cat "$tmp/status.rc")"
check status "$tmp/status.json" 'e.non_2xx["503"] === r.completed && e.total === r.completed && j.thresholds.passed === false'
run under_threshold 5 "$H/" -c 2 -d 1s --max-error-rate 1% --max-p99 5s
[ "$(cat "$tmp/under_threshold.rc")" = 0 ] || fail "healthy run under thresholds: exit $(cat "$tmp/under_threshold.rc")"

# -n: exactly that many, closed loop and open loop.
run count 10 "$H/" -c 8 -n 1000
check count "$tmp/count.json" 'r.sent === 1000 && r.completed === 1000'
run count_open 10 "$H/" -c 8 -n 500 --rate 1000
check count_open "$tmp/count_open.json" 'r.sent === 500 && r.completed === 500 && r.dropped === 0 && j.poll_interval_us === 0'
run count_open_polling 10 "$H/" -c 8 -n 500 --rate 1000 --poll-interval 100us
check count_open_polling "$tmp/count_open_polling.json" 'r.sent === 500 && r.completed === 500 && r.dropped === 0 && j.poll_interval_us === 100'

# Unique ids reach the server in the query and the header; weights hold;
# --reconnect-every churns connections.
curl_stats() { node -e "require('http').get('$H/__stats', r => { let b=''; r.on('data', d => b += d); r.on('end', () => console.log(b)); })"; }
before=$(curl_stats)
run ids 10 "$H/a#3" "$H/b" -c 4 -n 2000 --unique-ids --reconnect-every 10
after=$(curl_stats)
node - "$before" "$after" "$tmp/ids.json" <<'JS' || fail "ids/weights/reconnect: $before -> $after"
const [b, a] = [JSON.parse(process.argv[2]), JSON.parse(process.argv[3])];
const j = JSON.parse(require('fs').readFileSync(process.argv[4], 'utf8'));
const da = a.hits['/a'] - (b.hits['/a'] || 0), db = a.hits['/b'] - (b.hits['/b'] || 0);
if (da !== 1500 || db !== 500) { console.error('weights', da, db); process.exit(1); }
if (a.ids - b.ids !== 2000 || a.headerIds - b.headerIds !== 2000) { console.error('ids', a.ids - b.ids); process.exit(1); }
if (j.connections_opened < 200 || a.sockets - b.sockets < 200) { console.error('reconnects', j.connections_opened); process.exit(1); }
JS

# Nobody listening: exit 2, and one line that says so.
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
run refused 5 "http://127.0.0.1:$port/" -c 2 -d 1s
[ "$(cat "$tmp/refused.rc")" = 2 ] || fail "refused: exit $(cat "$tmp/refused.rc")"
grep -q "no connection could be made.*refused" "$tmp/refused.err" || fail "refused message: $(cat "$tmp/refused.err")"

# The timeline: one line a second, never over an existing file.
"$bin" load "$H/" -c 2 -d 3s --timeline "$tmp/t.ndjson" >/dev/null
[ "$(wc -l <"$tmp/t.ndjson")" = 3 ] || fail "timeline lines: $(wc -l <"$tmp/t.ndjson")"
node -e "for (const l of require('fs').readFileSync('$tmp/t.ndjson','utf8').trim().split('\n')) { const x = JSON.parse(l); if (!(x.ts > 1.7e12 && x.sent > 0 && x.latency_us.p99 > 0)) process.exit(1); }" || fail "timeline content"
cp "$tmp/t.ndjson" "$tmp/t.keep"
rc=0; "$bin" load "$H/" -c 2 -d 1s --timeline "$tmp/t.ndjson" >/dev/null 2>"$tmp/exists.err" || rc=$?
[ $rc = 2 ] && grep -q "never writes over a file" "$tmp/exists.err" && cmp -s "$tmp/t.ndjson" "$tmp/t.keep" || fail "timeline overwrite: exit $rc"

# Ctrl-C: the run stops at once, still prints its summary, and exits 130.
"$bin" load "$H/" -c 2 -d 30s --json >"$tmp/int.json" &
gen=$!
sleep 1
kill -INT $gen
rc=0; wait $gen || rc=$?
[ $rc = 130 ] || fail "SIGINT: exit $rc"
check interrupted "$tmp/int.json" 'j.interrupted === true && j.duration_s < 3 && r.completed > 0'

# Usage errors: one line, exit 2.
for args in "https://127.0.0.1/ -d 1s" "$H/ -d 1x" "$H/" "$H/ -d 1s --rate 10 --steps 1:1s" "$H/ -d 1s -H nocolon" "$H/ -d 1s --poll-interval 20ms"; do
  rc=0; "$bin" load $args >/dev/null 2>"$tmp/usage.err" || rc=$?
  [ $rc = 2 ] && [ "$(wc -l <"$tmp/usage.err")" = 1 ] || fail "usage '$args': exit $rc: $(cat "$tmp/usage.err")"
done
echo "load_servers: ok"
