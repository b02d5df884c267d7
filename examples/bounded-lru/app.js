'use strict';
// A bounded cache: the answers of the last 10,000 distinct requests, about
// 1 kB each, kept in an LRU that drops the oldest. Memory grows until the
// cache is full, then stays: high, but bounded.
//   node app.js [--port 3000]
const http = require('http');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]) || 3000;

class Lru {
  constructor(max) { this.max = max; this.map = new Map(); }
  get(key) {
    const v = this.map.get(key);
    if (v !== undefined) { this.map.delete(key); this.map.set(key, v); }
    return v;
  }
  set(key, value) {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value);
  }
}
const rendered = new Lru(10000);

http.createServer((req, res) => {
  let body = rendered.get(req.url);
  if (body === undefined) {
    body = JSON.stringify({ url: req.url, rows: Array.from({ length: 24 }, (_, i) => `row ${i} of ${req.url}`) });
    rendered.set(req.url, body);
  }
  res.setHeader('content-type', 'application/json');
  res.end(body);
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/`));
