'use strict';
// Programs whose GC logs have a known verdict, for `oomkit gc` tests. Run
// with --trace-gc and a small --max-old-space-size:
//   leak     objects kept forever in a module-level array: dies of OOM
//   bounded  a cache that fills to 250,000 entries (~45 MB), then only replaces them
//   churn    a flat live set of 50,000 objects, replaced as fast as possible
//   idle     a timer doing a little work every 20 ms for the given time
//   buffers  1 MiB Buffers kept forever: external memory grows, the JS heap not
// usage: node --trace-gc --max-old-space-size=64 gc-scenarios.js MODE [SECONDS]
const mode = process.argv[2];
const seconds = Number(process.argv[3] || 3);
const end = Date.now() + seconds * 1000;
const kept = [];

function until(step, done) {
  (function tick() {
    if (Date.now() >= end) return done && done();
    step();
    setImmediate(tick);
  })();
}

if (mode === 'leak') {
  until(() => {
    for (let i = 0; i < 2000; i++) kept.push({ id: kept.length, at: Date.now(), tags: ['a', 'b'] });
  });
} else if (mode === 'bounded') {
  const cache = new Map();
  globalThis.cache = cache;  // alive to the end, as a service's would be
  let n = 0;
  until(() => {
    for (let i = 0; i < 5000; i++) {
      cache.set(n, { id: n, body: 'entry-' + n, at: Date.now() });
      if (cache.size > 250000) cache.delete(n - 250000);
      n++;
    }
  });
} else if (mode === 'churn') {
  const window = new Array(50000);
  let n = 0;
  until(() => {
    for (let i = 0; i < 20000; i++) window[n++ % window.length] = { id: n, payload: [n, n + 1, n + 2], s: 'x' + n };
  });
} else if (mode === 'idle') {
  const t = setInterval(() => {
    const scratch = [];
    for (let i = 0; i < 5000; i++) scratch.push({ i });  // a request's worth of temporaries
    kept.push(scratch.length);
    if (kept.length > 100) kept.shift();
  }, 20);
  setTimeout(() => clearInterval(t), seconds * 1000);
} else if (mode === 'buffers') {
  until(() => {
    if (kept.length < 400) kept.push(Buffer.alloc(1 << 20, kept.length & 255));
  });
} else {
  console.error('usage: gc-scenarios.js leak|bounded|churn|idle|buffers [SECONDS]');
  process.exit(2);
}
