'use strict';
// A leak whose retaining path carries markup: every request adds an entry to
// an array stored under a property named like an HTML injection. The report
// must show that name as text.
//   node xss-leak.js --port N
const http = require('http');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const registry = { '<img src=x onerror=alert(1)>': [] };

http.createServer((req, res) => {
  registry['<img src=x onerror=alert(1)>'].push({ url: req.url, at: Date.now(), pad: 'x'.repeat(200) + req.url });
  res.end('ok');
}).listen(port, '127.0.0.1');
