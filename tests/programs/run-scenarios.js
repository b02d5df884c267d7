'use strict';
// Programs for `oomkit run`'s end-to-end tests; the first argument picks one.
//   leak         grows a Map of 1 KB strings until V8's heap limit kills it
//   exit3        prints a line and exits with status 3
//   ignore-term  ignores SIGTERM, prints "ready", waits
//   sleep        prints "ready", waits (to be killed)
//   flood N      writes N MB to stdout as fast as it can: lines numbered, some
//                looking like V8's ("[1:0x1] ..."), some without a newline
//   worker-oom   a worker thread leaks until its heap limit; the process lives on
const mode = process.argv[2];
if (mode === 'leak') {
  // About 20 MB a second: a 64 MB heap lasts a few seconds, long enough for
  // samples and a snapshot before the end.
  const keep = new Map();
  let i = 0;
  const grow = () => {
    for (let k = 0; k < 200; k++, i++) keep.set(i, 'x'.repeat(1024) + i);
    setTimeout(grow, 10);
  };
  grow();
} else if (mode === 'exit3') {
  console.log('exiting with 3');
  process.exit(3);
} else if (mode === 'ignore-term') {
  process.on('SIGTERM', () => console.log('SIGTERM ignored'));
  console.log('ready');
  setInterval(() => {}, 1000);
} else if (mode === 'busy') {
  // Samples for a while, then blocks its event loop for 4 s, then exits.
  console.log('ready');
  setTimeout(() => {
    console.log('busy');
    const end = Date.now() + 4000;
    while (Date.now() < end) {}
    console.log('done');
  }, 1500);
} else if (mode === 'sleep') {
  console.log('ready');
  setInterval(() => {}, 1000);
} else if (mode === 'flood') {
  const mb = Number(process.argv[3] || 100);
  const total = mb * 1000 * 1000;
  let written = 0, n = 0;
  const chunk = () => {
    let s = '';
    while (s.length < 65536) {
      n++;
      s += n % 10 === 0 ? `[1:0x1] ${n} looks like a trace line\n` : n % 7 === 0 ? `progress ${n}\r` : `line ${n} ${'y'.repeat(40)}\n`;
    }
    if (written + s.length > total) s = s.slice(0, total - written);
    written += s.length;
    const more = process.stdout.write(s);
    if (written >= total) return;
    if (more) setImmediate(chunk);
    else process.stdout.once('drain', chunk);
  };
  chunk();
} else if (mode === 'worker-oom') {
  const { Worker } = require('worker_threads');
  const w = new Worker(
    "const keep = []; setInterval(() => { for (let i = 0; i < 20000; i++) keep.push({ i, s: 'w'.repeat(64) + i }); }, 1);",
    { eval: true, resourceLimits: { maxOldGenerationSizeMb: 24 } });
  w.on('error', (e) => console.log('worker error event: ' + e.code + ' - ' + e.message));
  w.on('exit', (code) => {
    console.log('worker exited with ' + code + '; the process lives on');
    setTimeout(() => console.log('main done'), 300);
  });
} else {
  console.error('unknown mode ' + mode);
  process.exit(2);
}
