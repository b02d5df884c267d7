'use strict';
// A small service with the leak people hit most: a module-level cache keyed
// by request id that nothing ever evicts. It also keeps a bounded LRU (not a
// leak) so that a good tool can tell the two apart.
//
//   node app.js --requests 20000 --snapshot out.heapsnapshot
// simulates that many requests in-process, then writes a heap snapshot
// (v8.writeHeapSnapshot) and exits. --snapshot a,b,c writes one snapshot
// after each batch of --requests requests (a baseline, then growth). Without --snapshot it serves HTTP on
// --port (default 3000) and every GET /req leaks one entry.
const http = require('http');
const v8 = require('v8');

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

// The leak: one entry per request, never deleted.
const sessionCache = new Map();

// Not a leak: at most 500 entries.
class BoundedLru {
  constructor(max) { this.max = max; this.map = new Map(); }
  set(k, v) {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value);
  }
}
const recentUsers = new BoundedLru(500);

class RequestContext {
  constructor(id) {
    this.id = id;
    this.startedAt = Date.now();
    this.headers = { 'user-agent': 'load/1.0', accept: 'application/json', 'x-request-id': `req-${id}` };
    this.payload = new Array(32).fill(id);
  }
}

function handle(id) {
  const ctx = new RequestContext(id);
  sessionCache.set(`req-${id}`, ctx);
  recentUsers.set(`user-${id % 2000}`, { lastSeen: id });
  return JSON.stringify({ ok: true, id });
}

const snapshot = arg('--snapshot');
if (snapshot) {
  const requests = Number(arg('--requests', '20000'));
  let id = 0;
  for (const file of snapshot.split(',')) {
    for (let i = 0; i < requests; i++) handle(id++);
    v8.writeHeapSnapshot(file);
  }
} else {
  let next = 0;
  http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(handle(next++));
  }).listen(Number(arg('--port', '3000')), '127.0.0.1');
}
