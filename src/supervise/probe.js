// oomkit's probe, preloaded into every node process that `oomkit run`
// starts (--require). It sends one JSON line per sample to oomkit over the
// unix socket named by OOMKIT_PROBE_SOCKET, and nothing else: it never
// prints, never keeps the process alive (its socket and timer are unref'd),
// and never throws into the application.
//
// Under `oomkit diagnose` (OOMKIT_PROBE_COMMANDS=1) it also answers
// commands, one JSON line each, {id, cmd}: "measure" (optionally after full
// GCs) and "snapshot" (v8.writeHeapSnapshot to a path oomkit names); the
// answer is {reply: id, ...}, with performance.timeOrigin, where the times
// of the GC trace start.
'use strict';
(() => {
  const path = process.env.OOMKIT_PROBE_SOCKET;
  if (!path) return;
  let v8, net, perf;
  try {
    v8 = require('v8');
    net = require('net');
    perf = require('perf_hooks');
  } catch (_) {
    return;
  }
  // --trace-gc cannot go through NODE_OPTIONS: the probe turns it on itself
  // when oomkit asks (a command that is not node, like npm run build).
  if (process.env.OOMKIT_TRACE_GC === '1') {
    try { v8.setFlagsFromString('--trace-gc'); } catch (_) {}
  }
  const every = Math.max(50, Number(process.env.OOMKIT_PROBE_MS) || 500);
  let isMain = true;
  try { isMain = require('worker_threads').isMainThread; } catch (_) {}
  if (!isMain) return;  // one probe per process: workers share its RSS
  let delay = null;
  try {
    delay = perf.monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
  } catch (_) {}
  const socket = net.connect(path);
  socket.on('error', () => {});
  socket.unref();
  const argv = process.argv.slice(1, 3).join(' ');
  socket.write(JSON.stringify({ hello: 1, pid: process.pid, ppid: process.ppid, node: process.versions.node, argv }) + '\n');
  const sample = () => {
    try {
      const m = process.memoryUsage();
      const h = v8.getHeapStatistics();
      const line = {
        pid: process.pid,
        t: Date.now(),
        rss: m.rss,
        heap_used: m.heapUsed,
        heap_total: m.heapTotal,
        heap_limit: h.heap_size_limit,
        external: m.external,
        array_buffers: m.arrayBuffers,
        loop_delay_p99_ms: delay ? delay.percentile(99) / 1e6 : null,
        loop_delay_max_ms: delay ? delay.max / 1e6 : null,
      };
      if (delay) delay.reset();
      socket.write(JSON.stringify(line) + '\n');
    } catch (_) {}
  };
  sample();
  setInterval(sample, every).unref();
  process.on('exit', sample);

  if (process.env.OOMKIT_PROBE_COMMANDS !== '1') return;
  // --expose-gc gives global.gc; through NODE_OPTIONS it may be refused, and
  // then V8's flag is set from inside and gc() taken from a new context.
  let fullGc = typeof global.gc === 'function' ? global.gc : null;
  if (!fullGc) {
    try {
      v8.setFlagsFromString('--expose-gc');
      fullGc = require('vm').runInNewContext('gc');
    } catch (_) {}
  }
  const measure = () => {
    const m = process.memoryUsage();
    return { pid: process.pid, t: Date.now(), rss: m.rss, heap_used: m.heapUsed, heap_total: m.heapTotal,
             external: m.external, array_buffers: m.arrayBuffers,
             time_origin: perf.performance.timeOrigin };
  };
  const answer = (c) => {
    const r = { reply: c.id };
    try {
      if (c.cmd === 'measure') {
        // Two full GCs: the second frees what the first's finalizers released.
        if (c.gc && fullGc) { fullGc(); fullGc(); r.forced_gc = true; }
        Object.assign(r, measure());
      } else if (c.cmd === 'snapshot') {
        r.path = v8.writeHeapSnapshot(c.path);
        Object.assign(r, measure());
      } else {
        r.error = 'unknown command ' + c.cmd;
      }
    } catch (e) {
      r.error = String(e && e.message || e);
    }
    socket.write(JSON.stringify(r) + '\n');
  };
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString('utf8');
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let c = null;
      try { c = JSON.parse(line); } catch (_) {}
      if (c && typeof c.id === 'number') answer(c);
    }
  });
})();
