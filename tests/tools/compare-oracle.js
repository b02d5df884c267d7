'use strict';
// compare-oracle.js ORACLE.json OOMKIT.json
// Checks that `oomkit heap summary --json` equals DevTools' own numbers
// (../shared/oracle/devtools-parse.mjs): node and edge counts, total size,
// statistics, and count/self/retained size/distance of every class.
// Prints the differences and exits 1 when there is any.
const fs = require('fs');
const [oraclePath, oursPath] = process.argv.slice(2);
const o = JSON.parse(fs.readFileSync(oraclePath, 'utf8'));
const m = JSON.parse(fs.readFileSync(oursPath, 'utf8'));
const problems = [];
for (const k of ['node_count', 'edge_count', 'total_size'])
  if (o[k] !== m[k]) problems.push(`${k}: DevTools ${o[k]}, oomkit ${m[k]}`);
const os = o.statistics, ms = m.statistics;
const pairs = [['total', os.total, ms.total], ['native', os.native.total, ms.native],
  ['typed_arrays', os.native.typedArrays, ms.typed_arrays], ['v8heap', os.v8heap.total, ms.v8heap],
  ['code', os.v8heap.code, ms.code], ['js_arrays', os.v8heap.jsArrays, ms.js_arrays],
  ['strings', os.v8heap.strings, ms.strings], ['system', os.v8heap.system, ms.system]];
for (const [k, a, b] of pairs) if (a !== b) problems.push(`statistics.${k}: DevTools ${a}, oomkit ${b}`);
const key = (r) => JSON.stringify([r.name, r.count, r.self_size, r.retained_size, r.distance]);
const count = (rows) => rows.reduce((m, r) => m.set(key(r), (m.get(key(r)) || 0) + 1), new Map());
const a = count(o.top_by_retained_size), b = count(m.classes);
for (const [k, n] of a) if ((b.get(k) || 0) < n) problems.push(`class only in DevTools: ${k}`);
for (const [k, n] of b) if ((a.get(k) || 0) < n) problems.push(`class only in oomkit: ${k}`);
if (o.top_by_retained_size.length !== m.classes.length)
  problems.push(`class rows: DevTools ${o.top_by_retained_size.length}, oomkit ${m.classes.length}`);
if (problems.length) {
  console.log(problems.slice(0, 40).join('\n'));
  process.exit(1);
}
console.log(`equal: ${m.node_count} nodes, ${m.edge_count} edges, ${m.total_size} bytes, ${m.classes.length} classes`);
