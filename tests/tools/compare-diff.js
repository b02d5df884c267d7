'use strict';
// compare-diff.js DEVTOOLS.json OOMKIT.json
// Checks that `oomkit heap diff --json` equals DevTools' Comparison view
// (devtools-diff.mjs): the same changed classes, each with the same # New,
// # Deleted, # Delta, Alloc. size, Freed size and Size delta. Classes that
// changed only in retained size are oomkit's addition and are skipped.
// Prints the differences and exits 1 when there is any.
const fs = require('fs');
const [devtoolsPath, oursPath] = process.argv.slice(2);
const dt = JSON.parse(fs.readFileSync(devtoolsPath, 'utf8')).classes;
const ours = JSON.parse(fs.readFileSync(oursPath, 'utf8')).classes.filter((c) => c.new || c.deleted);
const fields = ['new', 'deleted', 'delta', 'alloc_size', 'freed_size', 'size_delta'];
const key = (c) => JSON.stringify([c.name, ...fields.map((f) => c[f])]);
const count = (rows) => rows.reduce((m, r) => m.set(key(r), (m.get(key(r)) || 0) + 1), new Map());
const a = count(dt), b = count(ours);
const problems = [];
for (const [k, n] of a) if ((b.get(k) || 0) !== n) problems.push(`DevTools has ${k}, oomkit does not`);
for (const [k, n] of b) if ((a.get(k) || 0) !== n) problems.push(`oomkit has ${k}, DevTools does not`);
if (problems.length) {
  console.log(problems.slice(0, 40).join('\n'));
  process.exit(1);
}
console.log(`equal: ${dt.length} changed classes`);
