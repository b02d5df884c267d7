// devtools-diff.mjs ORACLE_DIR BASE CURRENT OUT.json
// The Comparison view as DevTools computes it: loads both snapshots with the
// heap-snapshot worker bundled in ORACLE_DIR (../shared/oracle, installed and
// built), names the base's plain objects after the current snapshot's
// interfaces (as the panel does), and writes the per-class diff:
// {classes: [{name, new, deleted, delta, alloc_size, freed_size, size_delta}]}.
import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';

const [oracleDir, basePath, currentPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: devtools-diff.mjs ORACLE_DIR BASE CURRENT OUT.json');
  process.exit(2);
}
const DT = await import(path.resolve(oracleDir, 'devtools-worker.bundle.mjs'));

async function open(file) {
  const loader = new DT.HeapSnapshotLoader.HeapSnapshotLoader();
  for await (const chunk of fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) loader.write(chunk);
  loader.close();
  await loader.parsingComplete;
  // Both halves of the worker on this thread.
  const { port1, port2 } = new MessageChannel();
  new DT.HeapSnapshot.SecondaryInitManager(port2);
  const snapshot = await loader.buildSnapshot(port1);
  port1.close();
  port2.close();
  return snapshot;
}

const t0 = performance.now();
const current = await open(currentPath);
const base = await open(basePath);
const baseAggregates = base.aggregatesForDiff(current.interfaceDefinitions());
const diff = current.calculateSnapshotDiff('base', baseAggregates);
const seconds = (performance.now() - t0) / 1000;
const classes = Object.values(diff).map((d) => ({
  name: d.name, new: d.addedCount, deleted: d.removedCount, delta: d.countDelta,
  alloc_size: d.addedSize, freed_size: d.removedSize, size_delta: d.sizeDelta,
}));
fs.writeFileSync(outPath, JSON.stringify({ seconds, classes }));
console.error(`devtools-diff: ${classes.length} changed classes in ${seconds.toFixed(2)} s`);
