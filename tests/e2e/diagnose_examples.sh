#!/usr/bin/env bash
# oomkit diagnose on the six bundled examples, one per verdict, with real
# node servers and oomkit's own load: each gets its verdict, its culprit
# (class and retaining path), an allocation site in its own code when it
# leaks, a fix, the exit code (1 for a leak, 0 otherwise) and a report.
# Under ASan+UBSan (OOMKIT_SANITIZED=1) only two run: the sanitizers check
# oomkit's code, which is the same for all six.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"; }

# example  verdict  exit  culprit-class  path-contains  rate  requests-a-phase
# gc-churn's JS thread is the busiest: at 1,000 req/s it falls behind once
# the first snapshot has made its GCs costlier.
cases=(
  "leaky-cache        js-heap-leak         1 RequestContext  sessionCache 2000 8000"
  "listener-leak      js-heap-leak         1 onConfigChanged _events      2000 8000"
  "buffer-slice-leak  external-memory-leak 1 Buffer          seenHeaders  2000 8000"
  "gc-churn           gc-churn-no-leak     0 -               -             500 2000"
  "bounded-lru        bounded-high-usage   0 Map             rendered     2000 8000"
  "healthy            healthy              0 -               -            2000 8000"
)
[ "${OOMKIT_SANITIZED:-0}" = 1 ] && cases=("${cases[0]}" "${cases[5]}")
for c in "${cases[@]}"; do
  read -r example verdict want_rc class path rate requests <<<"$c"
  port=$(free_port)
  out="$tmp/$example"
  rc=0
  load=(--load "http://127.0.0.1:$port/" --unique-ids --rate "$rate" -n "$requests")
  # The healthy one takes its load from a spec file instead of flags.
  if [ "$example" = healthy ]; then
    echo "{\"urls\": [\"http://127.0.0.1:$port/\"], \"unique_ids\": true, \"rate\": $rate, \"requests\": $requests, \"method\": \"GET\"}" >"$tmp/spec.json"
    load=(--load-spec "$tmp/spec.json")
  fi
  timeout 300 "$bin" diagnose "${load[@]}" --out "$out" \
    -- node "$src/examples/$example/app.js" --port "$port" >"$tmp/$example.txt" 2>"$tmp/$example.err" || rc=$?
  [ "$rc" = "$want_rc" ] || fail "$example: exit $rc, not $want_rc: $(cat "$tmp/$example.txt") $(tail -5 "$tmp/$example.err")"
  grep -q "^verdict: $verdict " "$tmp/$example.txt" || fail "$example: not $verdict: $(cat "$tmp/$example.txt")"
  [ -s "$out/report.html" ] || fail "$example: no report.html"
  node -e "
    const r = require('$out/report.json'), v = r.verdict, want = { cls: '$class', path: '$path' };
    const problems = [];
    if (v.kind !== '$verdict') problems.push('kind ' + v.kind);
    if (!r.run.completed) problems.push('the run did not complete: ' + r.run.stopped_at);
    if (r.snapshots.length !== 3) problems.push(r.snapshots.length + ' snapshots');
    if (!v.fix) problems.push('no fix');
    if (want.cls !== '-' && !(v.culprit.class || '').includes(want.cls)) problems.push('culprit class ' + v.culprit.class);
    if (want.path !== '-' && !(v.culprit.path || '').includes(want.path)) problems.push('culprit path ' + v.culprit.path);
    if ($want_rc === 1) {
      if (!(v.growth_per_1000_requests > 0)) problems.push('growth ' + v.growth_per_1000_requests);
      if (!(v.culprit.allocation_site || '').includes('examples/$example/app.js')) problems.push('allocation site ' + v.culprit.allocation_site);
    } else if (v.growth_per_1000_requests !== null) problems.push('a growth without a leak');
    // GC's share comes from the warm-up, before the first snapshot, over the JS thread's busy time.
    const warm = r.phases.find((p) => p.name === 'warm-up');
    if (!(warm && warm.main_thread_cpu_ms > 200 && warm.main_thread_waiting_ms >= 0)) problems.push('warm-up ' + JSON.stringify(warm));
    const share = v.evidence.map((e) => e.match(/^GC pauses took ([0-9.]+) % of the JS thread's busy time in the warm-up \\(([0-9]+) ms of ([0-9]+) ms/)).find(Boolean);
    if (!share) problems.push('no GC share: ' + JSON.stringify(v.evidence));
    else if (warm) {
      // oomkit's own GCs (gc() before readings, snapshots, profile fetches)
      // are not the app's: V8 names their reasons, and they are left out.
      const ours = (e) => /^(testing|heap profiler|sampling profiler)/.test(e.reason);
      const misread = r.gc_events.filter((e) => ours(e) !== e.induced);
      if (misread.length) problems.push('induced flags ' + JSON.stringify(misread.slice(0, 3)));
      if (!r.gc_events.some(ours)) problems.push('no GC of oomkit\'s in gc_events');
      const apps = r.gc_events.filter((e) => !ours(e) && e.ts >= warm.start && e.ts <= warm.end).reduce((ms, e) => ms + e.pause_ms, 0);
      const busy = warm.main_thread_cpu_ms + warm.main_thread_waiting_ms;
      if (Math.abs(+share[2] - apps) > 1 || Math.abs(+share[3] - busy) > 1 || Math.abs(+share[1] - 100 * apps / busy) > 0.1)
        problems.push('GC share ' + share[0] + ', not ' + apps.toFixed(1) + ' ms of ' + busy.toFixed(1));
    }
    const load = r.phases.filter((p) => p.name === 'load 1' || p.name === 'load 2');
    // Every request scheduled is sent or dropped. A slower machine may drop
    // some (the open loop keeps its schedule); the verdict must say so then.
    const fellBehind = load.some((p) => p.dropped > 0 || p.latency_us.p50 > 1e6);
    if (load.length !== 2 || load.some((p) => p.sent + p.dropped !== $requests || p.completed + p.errors + p.unanswered !== p.sent || p.completed < $requests / 2))
      problems.push('load phases ' + JSON.stringify(load));
    if (fellBehind !== v.evidence.some((e) => e.startsWith('the app did not keep up with ' + ($rate).toLocaleString('en-US') + ' req/s')))
      problems.push('fell behind ' + fellBehind + ', evidence ' + JSON.stringify(v.evidence));
    if (problems.length) { console.error(problems.join('; ')); process.exit(1); }
  " || fail "$example: report.json: $(cat "$tmp/$example.txt")"
  echo "ok: $example: $verdict"
done

# Death on the way: a small heap and a fast leak end in V8's OOM during the
# first load phase; the verdict comes from what survived (the crash, gc.log,
# the snapshot near the limit, the last sampling profile) and says so.
port=$(free_port); rc=0
timeout 300 "$bin" diagnose --load "http://127.0.0.1:$port/" --rate 2000 --heap-limit 32 --out "$tmp/oom" \
  -- node "$src/examples/listener-leak/app.js" --port "$port" >"$tmp/oom.txt" 2>"$tmp/oom.err" || rc=$?
[ $rc = 1 ] || fail "oom: exit $rc: $(cat "$tmp/oom.txt") $(tail -5 "$tmp/oom.err")"
node -e "
  const r = require('$tmp/oom/report.json'), v = r.verdict, problems = [];
  if (v.kind !== 'js-heap-leak') problems.push('kind ' + v.kind);
  if (!r.run.died || r.run.exit_kind !== 'v8-heap-oom') problems.push('run ' + JSON.stringify(r.run));
  if (!v.headline.includes('diagnosed from what survived')) problems.push('headline ' + v.headline);
  if (!(v.culprit.path || '').includes('_events')) problems.push('culprit path ' + v.culprit.path);
  if (!(v.culprit.allocation_site || '').includes('listener-leak/app.js')) problems.push('allocation site ' + v.culprit.allocation_site);
  if (r.files.snapshots.length < 2) problems.push('snapshots ' + r.files.snapshots);
  if (problems.length) { console.error(problems.join('; ')); process.exit(1); }
" || fail "oom: report.json: $(cat "$tmp/oom.txt")"
echo "ok: an OOM on the way"

# Without --load: the app's own traffic, watched for --duration; the growth per minute.
rc=0
timeout 120 "$bin" diagnose --duration 12s --out "$tmp/watch" -- node "$src/tests/programs/self-traffic.js" \
  >"$tmp/watch.txt" 2>"$tmp/watch.err" || rc=$?
[ $rc = 1 ] || fail "watch: exit $rc: $(cat "$tmp/watch.txt") $(tail -5 "$tmp/watch.err")"
node -e "
  const r = require('$tmp/watch/report.json'), v = r.verdict, problems = [];
  if (v.kind !== 'js-heap-leak') problems.push('kind ' + v.kind);
  if (v.culprit.class !== 'JobRecord' || !(v.culprit.path || '').includes('auditLog')) problems.push('culprit ' + JSON.stringify(v.culprit));
  if (v.growth_per_1000_requests !== null || !(v.growth_per_minute > 0)) problems.push('growth ' + v.growth_per_1000_requests + ' ' + v.growth_per_minute);
  if (r.phases.some((p) => p.load)) problems.push('a load phase without --load');
  if (problems.length) { console.error(problems.join('; ')); process.exit(1); }
" || fail "watch: report.json: $(cat "$tmp/watch.txt")"
echo "ok: watching the app's own traffic"

# A command that is not node (npm start): the flags go through NODE_OPTIONS,
# and the commands to the app's node, not npm's.
if [ "${OOMKIT_SANITIZED:-0}" != 1 ]; then
  port=$(free_port); mkdir -p "$tmp/npmapp"
  echo "{\"name\": \"npmapp\", \"version\": \"1.0.0\", \"scripts\": {\"start\": \"node $src/examples/leaky-cache/app.js --port $port\"}}" \
    >"$tmp/npmapp/package.json"
  rc=0
  (cd "$tmp/npmapp" && timeout 300 "$bin" diagnose --load "http://127.0.0.1:$port/" --unique-ids --rate 2000 -n 8000 --out "$tmp/npm" \
    -- npm start >"$tmp/npm.txt" 2>"$tmp/npm.err") || rc=$?
  [ $rc = 1 ] && grep -q "^verdict: js-heap-leak " "$tmp/npm.txt" || fail "npm start: exit $rc: $(cat "$tmp/npm.txt") $(tail -5 "$tmp/npm.err")"
  node -e "
    const r = require('$tmp/npm/report.json');
    if (r.verdict.culprit.class !== 'RequestContext' || !r.run.completed) { console.error(JSON.stringify(r.verdict)); process.exit(1); }
  " || fail "npm start: report.json"
  # The app's node, below npm and sh, stops with them (it kept running, port
  # and all, when only npm was signalled).
  app_running() {
    local f
    for f in /proc/[0-9]*/cmdline; do
      [ "$(tr '\0' ' ' <"$f" 2>/dev/null)" = "node $src/examples/leaky-cache/app.js --port $port " ] && return 0
    done
    return 1
  }
  for _ in $(seq 50); do app_running || break; sleep 0.1; done
  ! app_running || fail "npm start: the app's node still runs after the diagnosis"
  echo "ok: npm start"
fi

# Nothing is written over: the same --out again is refused, with exit 2.
rc=0; "$bin" diagnose --load http://127.0.0.1:1/ --out "$out" -- node -e 0 >/dev/null 2>"$tmp/again.err" || rc=$?
[ $rc = 2 ] && grep -q "exists" "$tmp/again.err" || fail "an existing --out: exit $rc: $(cat "$tmp/again.err")"
# An app that never answers: exit 2 and a report that says why.
rc=0; timeout 120 "$bin" diagnose --load "http://127.0.0.1:$(free_port)/" --ready-timeout 5s --out "$tmp/silent" -- node -e "setTimeout(() => {}, 60000)" \
  >"$tmp/silent.txt" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q "did not answer" "$tmp/silent.txt" || fail "a silent app: exit $rc: $(cat "$tmp/silent.txt")"
# An app that ends by itself before anything is measured (no memory failure): no verdict, exit 2 (it said
# "healthy" with exit 0 before). One that dies of OOM as early still gets its verdict. (Release build only:
# 25 s of the sanitized run for a branch in the verdict's code.)
if [ "${OOMKIT_SANITIZED:-0}" != 1 ]; then
  rc=0; timeout 120 "$bin" diagnose --out "$tmp/ends" -- node -e 0 >"$tmp/ends.txt" 2>&1 || rc=$?
  [ $rc = 2 ] && grep -q "the run failed: .*(by itself, with status 0): nothing was measured" "$tmp/ends.txt" &&
    node -e "const r = require('$tmp/ends/report.json'); process.exit(r.status === 2 ? 0 : 1)" ||
    fail "an app that ends at once: exit $rc: $(cat "$tmp/ends.txt")"
  rc=0; timeout 120 "$bin" diagnose --heap-limit 32 --out "$tmp/early-oom" -- node -e \
    "a = []; setInterval(() => { for (let i = 0; i < 50; i++) a.push(new Array(1e4).fill(i)) }, 10)" \
    >"$tmp/early-oom.txt" 2>&1 || rc=$?
  [ $rc != 2 ] && grep -q "^verdict: " "$tmp/early-oom.txt" && grep -q "\[v8-heap-oom\]" "$tmp/early-oom.txt" ||
    fail "an app that dies of OOM in its warm-up: exit $rc: $(cat "$tmp/early-oom.txt")"
fi
# A load spec that is not JSON: exit 2, one line naming the file and the byte.
printf '{"urls": [' >"$tmp/bad.json"
rc=0; "$bin" diagnose --load-spec "$tmp/bad.json" -- node -e 0 >/dev/null 2>"$tmp/bad.err" || rc=$?
[ $rc = 2 ] && grep -q "bad.json: byte 10: not JSON" "$tmp/bad.err" && [ "$(wc -l <"$tmp/bad.err")" = 1 ] ||
  fail "a bad load spec: exit $rc: $(cat "$tmp/bad.err")"
# Counts past what they can hold are refused, not cast (undefined behaviour before).
for spec in '{"requests": 1e300}' '{"connections": 1e10}' '{"requests": -3}'; do
  printf '%s' "$spec" >"$tmp/count.json"
  rc=0; "$bin" diagnose --load-spec "$tmp/count.json" -- node -e 0 >/dev/null 2>"$tmp/count.err" || rc=$?
  [ $rc = 2 ] && grep -q "count.json: \"[a-z]*\" is not a count" "$tmp/count.err" && [ "$(wc -l <"$tmp/count.err")" = 1 ] ||
    fail "load spec $spec: exit $rc: $(cat "$tmp/count.err")"
done
echo "ok: refusals"
