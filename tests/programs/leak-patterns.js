'use strict';
// Small versions of the leaks Node services have, one per --pattern, made by
// real Node for the leak tests; --pattern healthy does the same work without
// leaking (bounded cache, listeners removed, promises settled and forgotten,
// timers cleared, a fixed-size log ring).
//
//   node leak-patterns.js --pattern map|listeners|promises|closures|logs|all|healthy --out DIR [--requests N]
//        [--snapshots K]
// writes DIR/baseline.heapsnapshot, DIR/target.heapsnapshot and
// DIR/final.heapsnapshot from one process, serving N requests before each;
// with --snapshots K (K != 3), DIR/snapshot-1.heapsnapshot ... snapshot-K.
const v8 = require('v8');
const path = require('path');
const { EventEmitter } = require('events');

const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const pattern = arg('--pattern', 'all');
const out = arg('--out', '.');
const requests = Number(arg('--requests', '3000'));
const snapshots = Number(arg('--snapshots', '3'));
const on = (p) => pattern === p || pattern === 'all';

// Module-level state, as a service keeps it.
const sessionCache = new Map();            // map: keyed by request id, never evicted
const configBus = new EventEmitter();      // listeners: one added per request, never removed
configBus.setMaxListeners(0);
const inflight = new Set();                // promises: added, never deleted
const deferred = [];                       // closures: each keeps a big array alive
const accessLog = [];                      // logs: grows forever
// Healthy counterparts.
const recent = new Map();                  // at most 200 entries
const ring = new Array(256).fill('');      // fixed-size log
let ringAt = 0;

async function handle(i) {
  const reqId = `req-${i}-${(i * 2654435761 >>> 0).toString(16)}`;
  const ctx = { reqId, startedAt: Date.now(), headers: { 'x-request-id': reqId, accept: 'application/json' } };
  if (pattern === 'healthy') {
    recent.set(reqId, ctx);
    if (recent.size > 200) recent.delete(recent.keys().next().value);
    const listener = () => ctx.reqId;
    configBus.on('config', listener);
    configBus.off('config', listener);
    const p = new Promise((resolve) => setImmediate(resolve, i));
    inflight.add(p);
    p.finally(() => inflight.delete(p));
    const t = setTimeout(() => ctx.reqId, 60000);
    clearTimeout(t);
    ring[ringAt++ % ring.length] = `${new Date(1700000000000 + i).toISOString()} GET /api ${reqId} 200`;
    return p;
  }
  if (on('map')) sessionCache.set(reqId, ctx);
  if (on('listeners')) configBus.on('config', function onConfig(cfg) { ctx.cfg = cfg; });
  if (on('promises') && i % 2 === 0) inflight.add(new Promise(() => {}).then(() => ctx.reqId));
  if (on('closures') && i % 10 === 0) {
    const big = new Array(1000).fill(i);
    deferred.push(function flushLater() { return big.length; });
  }
  if (on('logs')) accessLog.push(`${new Date(1700000000000 + i).toISOString()} GET /api/orders ${reqId} 200 ${i % 97}ms`);
}

async function main() {
  let i = 0;
  const names = snapshots === 3 ? ['baseline', 'target', 'final']
    : Array.from({ length: snapshots }, (_, k) => `snapshot-${k + 1}`);
  for (const name of names) {
    for (let k = 0; k < requests; k++) await handle(i++);
    await new Promise((resolve) => setImmediate(resolve));
    v8.writeHeapSnapshot(path.join(out, `${name}.heapsnapshot`));
  }
}
main();
