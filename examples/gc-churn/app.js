'use strict';
// Allocation churn without a leak: each request builds a view of a catalogue
// and keeps it among the last 1,000 views (for a "viewed lately" list).
// Memory is bounded, but every view lives through a young-generation GC or
// two, is copied and promoted, and dies in the old generation: the collector
// runs all the time, and GC takes a large share of the CPU at any rate.
//   node app.js [--port 3000]
const http = require('http');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]) || 3000;
const catalogue = Array.from({ length: 120 }, (_, i) => ({ sku: `sku-${i}`, price: i * 1.5, tags: ['a', 'b', 'c'] }));
const recent = new Array(1000);  // a ring of the last views
let next = 0;

http.createServer((req, res) => {
  const view = catalogue.map((item) => ({ ...item, label: `${item.sku}: ${item.price.toFixed(2)}`, viewedAt: Date.now() }));
  recent[next] = view;
  next = (next + 1) % recent.length;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ items: view.length, viewedLately: recent.length }));
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/`));
