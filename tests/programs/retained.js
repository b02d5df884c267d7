'use strict';
// Known retention for `oomkit heap retainers` tests:
//   - Held: a module-level registry Map, reached from global as
//     global.registry.byName, 1 entry;
//   - Job: 2,000 of them, each kept only by the closure of a pending timer:
//     their shortest paths run through Node's timer list (folded in output);
//   - Pairing: the value of a WeakMap entry whose key global.pairKey holds:
//     two paths, through the key and through the WeakMap's table; the
//     table's ranks last.
// usage: node retained.js OUT.heapsnapshot
const v8 = require('v8');
class Held { constructor() { this.blob = 'x'.repeat(50000) + Math.random(); } }
class Job { constructor(i) { this.i = i; } }
class Pairing { constructor() { this.n = 1; } }
globalThis.registry = { byName: new Map([['main', new Held()]]) };
for (let i = 0; i < 2000; i++) {
  const job = new Job(i);
  setTimeout(() => job.i, 3600000).unref();
}
globalThis.pairKey = { key: true };
globalThis.pairs = new WeakMap([[globalThis.pairKey, new Pairing()]]);
v8.writeHeapSnapshot(process.argv[2]);
