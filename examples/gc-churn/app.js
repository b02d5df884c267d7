'use strict';
// Allocation churn without a leak: each request builds a large throw-away
// structure (a deep copy of a catalogue, then a report of it). Nothing is
// kept, but the collector runs all the time.
//   node app.js [--port 3000]
const http = require('http');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]) || 3000;
const catalogue = Array.from({ length: 400 }, (_, i) => ({ sku: `sku-${i}`, price: i * 1.5, tags: ['a', 'b', 'c'] }));

http.createServer((req, res) => {
  const copy = JSON.parse(JSON.stringify(catalogue));
  const report = copy.map((item) => ({ ...item, label: `${item.sku}: ${item.price.toFixed(2)}` }));
  const total = report.reduce((sum, item) => sum + item.price, 0);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ items: report.length, total }));
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/`));
