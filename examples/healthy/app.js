'use strict';
// A healthy service: it allocates per request what the request needs and
// keeps nothing.
//   node app.js [--port 3000]
const http = require('http');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]) || 3000;
let served = 0;

http.createServer((req, res) => {
  served++;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: true, served, url: req.url }));
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/`));
