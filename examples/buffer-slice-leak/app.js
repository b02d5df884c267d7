'use strict';
// A Buffer-slice leak: each request reads an 8 kB frame and keeps only its
// 16-byte header in a list of recent headers. A slice is a view: it keeps the
// whole 8 kB frame alive, outside the JavaScript heap (process.memoryUsage()
// .arrayBuffers grows while heapUsed barely moves).
//   node app.js [--port 3000]
const http = require('http');
const crypto = require('crypto');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]) || 3000;
const seenHeaders = [];

function readFrame() {
  const frame = Buffer.alloc(8192);
  crypto.randomFillSync(frame, 0, 64);
  return frame;
}

http.createServer((req, res) => {
  const frame = readFrame();
  seenHeaders.push(frame.subarray(0, 16));  // the leak: Buffer.from(frame.subarray(0, 16)) would copy
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ header: frame.subarray(0, 16).toString('hex'), seen: seenHeaders.length }));
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/`));
