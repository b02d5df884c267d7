// load-result.js TOOL RAW TIMEFILE SERVER_TICKS HZ PHASE CONNS
// One run of a load generator (wrk, h2load, autocannon or oomkit load --json), read from its own output
// and /usr/bin/time's: prints "phase tool conns req/s completed generator_cpu_s generator_rss_kb
// server_cpu_s". Refuses (exit 1) a run with any error or non-2xx response: it does not count.
// Shared by load-compare.sh and load-side-by-side.sh.
const fs = require('fs');
const [tool, raw, timef, srvTicks, hz, phase, c] = process.argv.slice(2);
const txt = fs.readFileSync(raw, 'utf8');
const [wall, user, sys, rss] = fs.readFileSync(timef, 'utf8').trim().split('\n').pop().split(' ').map(Number);
let rps = NaN, done = NaN, bad = 0;
if (tool === 'wrk') {
  rps = +txt.match(/Requests\/sec:\s+([\d.]+)/)[1]; done = +txt.match(/(\d+) requests in/)[1];
  const m = txt.match(/Non-2xx or 3xx responses: (\d+)/); bad = m ? +m[1] : 0;
  const e = txt.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/); if (e) bad += +e[1] + +e[2] + +e[3] + +e[4];
}
if (tool === 'h2load') {
  rps = +txt.match(/finished in [\d.]+s, ([\d.]+) req\/s/)[1]; done = +txt.match(/(\d+) done/)[1];
  const r = txt.match(/(\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/); bad = +r[2] + +r[3] + +r[4];
}
if (tool === 'autocannon') {
  const j = JSON.parse(txt.split('\n').find((l) => l.startsWith('{'))); rps = j.requests.total / j.duration; done = j.requests.total;
  bad = j.errors + j.non2xx + j.timeouts;
}
if (tool === 'oomkit') { const j = JSON.parse(txt); rps = j.rate.completed_per_s; done = j.requests.completed; bad = j.errors.total; }
if (bad > 0) { console.error(`${tool}: ${bad} errors or non-2xx responses in ${raw}: the run does not count`); process.exit(1); }
console.log([phase, tool, c, rps.toFixed(0), done, (user + sys).toFixed(2), rss, (srvTicks / hz).toFixed(2)].join(' '));
