/**
 * Engine store figures, each against a baseline measured in the same run:
 *  - a lookup by name (what every API call and inference request does) through the store's
 *    generation-checked cache — a filtered list, and a secondary-index lookup — vs scanning the collection
 *    directory (readdir + read + parse every file);
 *  - a durable put (lock + temp + fsync + rename + fsync dir + generation bump) vs the bare
 *    temp + fsync + rename of the same bytes.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, indexKey } from '../src/engine/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'joey-bench-engine-'));
const store = await Store.open(dir);
const N = 200;
await store.withLock(() => {
  for (let i = 0; i < N; i++) store.putUnlocked('pipelines', String(i), { id: i, name: `pipe-${i}`, workspace_id: 1, labels: { 'joey.dev/managed-by': 'joey' }, tags: [] });
});

function time(label: string, iters: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(50, iters); i++) fn(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn(i);
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / iters;
  process.stdout.write(`  ${label}: ${us.toFixed(1)} µs/op\n`);
  return us;
}

process.stdout.write(`lookup by name among ${N} documents\n`);
const coll = join(dir, 'collections', 'pipelines');
const scan = time('baseline: scan the directory', 200, (i) => {
  const want = `pipe-${i % N}`;
  for (const f of readdirSync(coll)) {
    const d = JSON.parse(readFileSync(join(coll, f), 'utf8')) as { name: string };
    if (d.name === want) break;
  }
});
const cached = time('store.list(filter) with the cache', 2000, (i) => {
  store.list<{ name: string }>('pipelines', (d) => d.name === `pipe-${i % N}`);
});
const get = time('store.get(id) with the cache', 20000, (i) => {
  store.get('pipelines', String(i % N));
});
store.defineIndex<{ workspace_id: number; name: string }>('pipelines', 'name', (d) => indexKey(d.workspace_id, d.name));
const indexed = time('store.lookup(index) with the cache', 20000, (i) => {
  store.lookup('pipelines', 'name', indexKey(1, `pipe-${i % N}`));
});
process.stdout.write(`  ratio scan/cached-list = ${(scan / cached).toFixed(1)}x, scan/get = ${(scan / get).toFixed(0)}x, cached-list/lookup = ${(cached / indexed).toFixed(1)}x\n`);

process.stdout.write('durable writes (1 KiB documents)\n');
const payload = JSON.stringify({ blob: 'x'.repeat(1000) });
const bareDir = join(dir, 'bare');
await store.put('bench', 'warm', {});
const { mkdirSync } = await import('node:fs');
mkdirSync(bareDir);
const W = 200;
let t0 = process.hrtime.bigint();
for (let i = 0; i < W; i++) {
  const tmp = join(bareDir, `t${i}.tmp`);
  const fd = openSync(tmp, 'w');
  writeSync(fd, payload);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, join(bareDir, `d${i}.json`));
  const dfd = openSync(bareDir, 'r');
  fsyncSync(dfd);
  closeSync(dfd);
}
const bare = Number(process.hrtime.bigint() - t0) / 1e3 / W;
process.stdout.write(`  baseline: temp + fsync + rename + fsync(dir): ${bare.toFixed(0)} µs/op\n`);
t0 = process.hrtime.bigint();
for (let i = 0; i < W; i++) await store.put('bench', String(i), { blob: 'x'.repeat(1000) });
const put = Number(process.hrtime.bigint() - t0) / 1e3 / W;
process.stdout.write(`  store.put (lock + same + generation): ${put.toFixed(0)} µs/op\n`);
process.stdout.write(`  ratio put/baseline = ${(put / bare).toFixed(2)}x\n`);
