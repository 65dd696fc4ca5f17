/**
 * Inference throughput of joey's in-process runtime against a bare onnxruntime-node session doing the same
 * end-to-end work without joey, and HTTP batch-1 latency against the in-process call.
 *   npx tsx bench/inference.ts
 *
 * joey: Arrow IPC request → decode → ccfraud.onnx (one model step) → one validation (`> 0.9` on the output, which
 *       joey evaluates without polars; same flags) → encode Arrow IPC, with every row appended to the inference log
 *       store (the final flush, with fsync, is inside the timing).
 * bare: Arrow IPC request → the tensor column's Float32Array → session.run → an Arrow IPC answer with the same
 *       time / in.tensor / out.dense_1 columns.
 * Targets: joey ≥ 0.7× the bare rows/s at batch 10,000; HTTP batch-1 p50 < 2 ms over the in-process call.
 * Also printed: the disk's ceiling for joey's log volume (plain appends + fsync of as many bytes per row, measured
 * in the same run), since at batch 10,000 durable logging of every input row is bound by it on a shared machine.
 */
import * as arrow from 'apache-arrow';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { Engine } from '../src/engine/index.js';
import { startServer } from '../src/engine/http/server.js';
import { InferenceLogStore } from '../src/engine/logs/index.js';
import { EngineRuntime, PipelineExecutor } from '../src/engine/runtime/index.js';

const FX = join(import.meta.dirname, '..', 'test', 'fixtures', 'runtime');
const MODEL = join(FX, 'ccfraud.onnx');
const VALIDATION = 'pl.col("out.dense_1").list.get(0) > 0.9';
const tmp = mkdtempSync(join(tmpdir(), 'joey-bench-infer-'));

const data = arrow.tableFromIPC(readFileSync(join(FX, 'cc_data_10k.arrow')));
const batchBytes = (n: number): Uint8Array => arrow.tableToIPC(data.slice(0, n), 'file');

// ------------------------------------------------------------------------------------------------ bare baseline
const session = await ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1, interOpNumThreads: 1 });
async function bare(bytes: Uint8Array): Promise<Uint8Array> {
  const t = arrow.tableFromIPC(bytes);
  const vec = t.getChild('tensor')!;
  const n = t.numRows;
  const values = vec.data.length === 1 ? (vec.data[0]!.children[0]!.values as Float32Array).subarray(0, n * 29) : Float32Array.from(vec.toArray().flatMap((r: arrow.Vector) => Array.from(r.toArray() as Float32Array)));
  const out = await session.run({ dense_input: new ort.Tensor('float32', values, [n, 29]) });
  const y = out.dense_1!.data as Float32Array;
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i);
  const child = arrow.makeData({ type: new arrow.Float32(), length: n, data: y });
  const list = arrow.makeData({ type: new arrow.List(new arrow.Field('item', new arrow.Float32(), false)), length: n, valueOffsets: offsets, child });
  const time = arrow.makeData({ type: new arrow.TimestampMillisecond(), length: n, data: new BigInt64Array(n).fill(BigInt(Date.now())) });
  // A fresh vector over the same values: apache-arrow serializes it much faster than the decoded one.
  const inT = arrow.makeData({ type: new arrow.FixedSizeList(29, new arrow.Field('item', new arrow.Float32(), false)), length: n, child: arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values }) });
  return arrow.tableToIPC(new arrow.Table({ time: arrow.makeVector(time), 'in.tensor': arrow.makeVector(inT), 'out.dense_1': arrow.makeVector(list) }), 'file');
}

// ------------------------------------------------------------------------------------------------ joey in-process
const logs = new InferenceLogStore(join(tmp, 'logs'));
const executor = await PipelineExecutor.create(
  { name: 'bench/ccfraud', version: 'v1', steps: [{ model: 'ccfraud' }], validations: { fraud: VALIDATION } },
  [{ name: 'ccfraud', version: 'v1', sha: 'bench', path: MODEL, tensorFields: ['tensor'] }],
  { sink: logs },
);
const joey = async (bytes: Uint8Array) => (await executor.inferBody(bytes, 'arrow')).body;
// The same pipeline without the log sink: what the executor itself costs, apart from log I/O.
const unlogged = await PipelineExecutor.create(
  { name: 'bench/ccfraud', version: 'v1', steps: [{ model: 'ccfraud' }], validations: { fraud: VALIDATION } },
  [{ name: 'ccfraud', version: 'v1', sha: 'bench', path: MODEL, tensorFields: ['tensor'] }],
);
const joeyNoLog = async (bytes: Uint8Array) => (await unlogged.inferBody(bytes, 'arrow')).body;

/** Bytes of all log files under a directory. */
function dirBytes(dir: string): number {
  let b = 0;
  mkdirSync(dir, { recursive: true });
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) b += statSync(join(e.parentPath ?? e.path, e.name)).size;
  return b;
}

/**
 * The disk's own limit for the same log volume, measured now: rows/s at which plain appends of `bytesPerRow × n`
 * bytes per request (one fsync per 16 MiB, like joey's group commit) go to a file in the same directory.
 */
function diskCeiling(bytesPerRow: number, n: number, budgetMs: number): number {
  const buf = new Uint8Array(Math.round(bytesPerRow * n)).map((_, i) => i * 31);
  const file = join(tmp, 'ceiling.bin');
  const fd = openSync(file, 'w');
  const t0 = performance.now();
  let calls = 0;
  let unsynced = 0;
  while (performance.now() - t0 < budgetMs) {
    for (let at = 0; at < buf.length; ) at += writeSync(fd, buf, at);
    calls++;
    if ((unsynced += buf.length) >= 16 << 20) {
      fsyncSync(fd);
      unsynced = 0;
    }
  }
  fsyncSync(fd);
  const rate = (calls * n) / ((performance.now() - t0) / 1000);
  closeSync(fd);
  unlinkSync(file);
  return rate;
}

/** rows/s over a time budget (the log flush is part of joey's time). */
async function rate(fn: (b: Uint8Array) => Promise<unknown>, bytes: Uint8Array, rows: number, budgetMs: number, flush?: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(bytes);
  await flush?.();
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < budgetMs) {
    await fn(bytes);
    calls++;
  }
  await flush?.();
  lastRows = calls * rows;
  return (calls * rows) / ((performance.now() - t0) / 1000);
}
let lastRows = 0;

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));
console.log('batch     bare rows/s   joey rows/s   joey/bare   joey w/o logging   ratio   log MB/s');
const ratios: Record<number, number> = {};
let logBytes = 0;
let logRows = 0;
let ceiling = 0;
let bare10k = 0;
for (const n of [1, 100, 10_000]) {
  const bytes = batchBytes(n);
  const budget = n === 10_000 ? 4000 : 2500;
  // Alternate and keep the best of three rounds each: the machine is shared and its load moves a lot.
  const ROUNDS = 3;
  let b = 0;
  let j = 0;
  let u = 0;
  for (let round = 0; round < ROUNDS; round++) {
    b = Math.max(b, await rate(bare, bytes, n, budget / 3));
    const before = dirBytes(join(tmp, 'logs'));
    const jr = await rate(joey, bytes, n, budget / 3, () => logs.flush());
    logBytes += dirBytes(join(tmp, 'logs')) - before;
    logRows += lastRows;
    j = Math.max(j, jr);
    u = Math.max(u, await rate(joeyNoLog, bytes, n, budget / 3));
    if (n === 10_000) ceiling = Math.max(ceiling, diskCeiling(logBytes / logRows, n, budget / 3));
  }
  if (n === 10_000) bare10k = b;
  ratios[n] = j / b;
  const logMBs = (j * (bytes.byteLength / n)) / 1e6; // input bytes logged per second (outputs and metadata add a little)
  console.log(
    `${String(n).padEnd(9)} ${fmt(b).padStart(11)}   ${fmt(j).padStart(11)}   ${(j / b).toFixed(2)}x`.padEnd(50) +
      `${fmt(u).padStart(11)}        ${(u / b).toFixed(2)}x   ${logMBs.toFixed(0)}`,
  );
}
console.log(`target: ≥ 0.70x at batch 10,000 → ${ratios[10_000]! >= 0.7 ? 'met' : 'NOT met'} (${ratios[10_000]!.toFixed(2)}x)`);
const perRow = logBytes / logRows;
console.log(
  `log volume ~${perRow.toFixed(0)} B/row; this disk, right now, appends and fsyncs that at ${fmt(ceiling)} rows/s ` +
    `(${((ceiling * perRow) / 1e6).toFixed(0)} MB/s) = ${(ceiling / bare10k).toFixed(2)}x bare: joey at batch 10,000 reaches ${((ratios[10_000]! * bare10k) / ceiling).toFixed(2)}x of that ceiling`,
);

// ------------------------------------------------------------------------------------------------ HTTP batch 1
const engine = await Engine.open({ stateDir: join(tmp, 'state') });
const rt = EngineRuntime.of(engine);
const ws = await engine.workspaces.create({ name: 'bench', owner: 'admin' });
await engine.models.upload(readFileSync(MODEL), { workspaceId: ws.id, name: 'ccfraud', tensorFields: ['tensor'] });
const p = await engine.pipelines.apply({ workspaceId: ws.id, name: 'ccfraud', steps: [{ model: 'ccfraud' }], validations: { fraud: VALIDATION } });
const d = await engine.deployments.deploy({ pipelineId: p.pipeline.id });
const { token } = await engine.tokens.create({ user: 'admin', admin: true });
const server = await startServer(engine, { port: 0 });
const url = `${server.url}/v1/api/pipelines/infer/${d.name}-${d.id}/${d.name}`;
const one = readFileSync(join(FX, 'smoke_test.df.json'), 'utf8');

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
async function latencies(fn: () => Promise<unknown>, n: number): Promise<number[]> {
  for (let i = 0; i < 30; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}
const inproc = await latencies(() => rt.infer(engine.deployments.get(d.id), { body: one, format: 'json' }), 400);
const overHttp = await latencies(async () => {
  const res = await fetch(url, { method: 'POST', body: one, headers: { 'content-type': 'application/json; format=pandas-records', authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}, 400);
const [ip50, ip99, hp50, hp99] = [pct(inproc, 0.5), pct(inproc, 0.99), pct(overHttp, 0.5), pct(overHttp, 0.99)];
console.log(`\nbatch-1 latency   p50        p99`);
console.log(`in-process        ${ip50.toFixed(3)} ms   ${ip99.toFixed(3)} ms`);
console.log(`HTTP              ${hp50.toFixed(3)} ms   ${hp99.toFixed(3)} ms   (${(hp50 / ip50).toFixed(2)}x in-process p50)`);
console.log(`HTTP p50 overhead ${(hp50 - ip50).toFixed(3)} ms (target < 2 ms → ${hp50 - ip50 < 2 ? 'met' : 'NOT met'})`);

await server.close();
await rt.close();
await engine.close();
await logs.close();
rmSync(tmp, { recursive: true, force: true });
