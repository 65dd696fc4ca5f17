import * as arrow from 'apache-arrow';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/temp-dirs.js';
import type { ResultFrame } from '../runtime/index.js';
import { exportLogs, InferenceLogStore, parseSize } from './index.js';

const tmp = tempDirs('joey-logs-');

/** An inference result like the executor's: `n` rows with values from `from`, at `time`. */
function result(n: number, from: number, time: number, version = 'v1'): ResultFrame {
  const data = new Float32Array(n * 2).map((_, i) => from + Math.floor(i / 2));
  return {
    numRows: n,
    time,
    columns: new Map([
      ['in.tensor', { kind: 'tensor', type: 'float32', data, shape: [2] }],
      ['out.y', { kind: 'tensor', type: 'float32', data: new Float32Array(n).map((_, i) => from + i), shape: [1] }],
      ['anomaly.count', { kind: 'tensor', type: 'int8', data: new Int8Array(n), shape: [] }],
      ['metadata.pipeline_version', { kind: 'values', data: new Array(n).fill(version), constant: true }],
      ['metadata.elapsed', { kind: 'values', data: new Array(n).fill([10, 20]), constant: true }],
    ]),
  } as ResultFrame;
}
const ys = (t: arrow.Table) => Array.from({ length: t.numRows }, (_, i) => (t.getChild('out.y')!.get(i) as arrow.Vector).get(0) as number);

describe('InferenceLogStore', () => {
  it('newest first with a default limit of 100; start/end oldest first; dataset selection', async () => {
    const store = new InferenceLogStore(tmp(), { flushIntervalMs: 5 });
    await store.append('fraud/ccfraud', result(60, 0, 1000));
    await store.append('fraud/ccfraud', result(60, 60, 2000));
    void store.append('fraud/ccfraud', result(10, 120, 3000));
    await store.flush();
    const newest = store.read('fraud/ccfraud');
    expect(newest.table.numRows).toBe(100);
    expect(newest.truncated).toBe(true);
    expect(ys(newest.table).slice(0, 3)).toEqual([129, 128, 127]);
    expect(newest.table.schema.fields.map((f) => f.name)).toEqual(['time', 'in.tensor', 'out.y', 'anomaly.count']);
    const ranged = store.read('fraud/ccfraud', { start: 1500, end: new Date(3000) });
    expect(ranged.table.numRows).toBe(60);
    expect(ys(ranged.table).slice(0, 2)).toEqual([60, 61]);
    expect(ranged.truncated).toBe(false);
    const meta = store.read('fraud/ccfraud', { limit: 1, dataset: ['time', 'metadata'] }).table;
    expect(meta.schema.fields.map((f) => f.name)).toEqual(['time', 'metadata.pipeline_version', 'metadata.elapsed']);
    expect(Array.from((meta.getChild('metadata.elapsed')!.get(0) as arrow.Vector).toArray())).toEqual([10, 20]);
    expect(() => store.read('fraud/ccfraud', { start: 1 })).toThrow(/both start and end/);
    expect(store.pipelines()).toEqual(['fraud/ccfraud']);
  });

  it('with the writer thread (worker: true) the same rows are logged; reads need no thread', async () => {
    const dir = tmp();
    const store = new InferenceLogStore(dir, { worker: true, flushIntervalMs: 5 });
    const big = result(9000, 0, 1000); // written at once (no copy kept)
    const small = result(3, 9000, 2000); // kept as a copy until the flush
    await Promise.all([store.append('ws/p', big), store.append('ws/p', small)]);
    expect(ys(store.read('ws/p', { limit: 2 }).table)).toEqual([9002, 9001]);
    await store.close();
    const reader = new InferenceLogStore(dir);
    const t = reader.read('ws/p', { start: 0, end: 3000 }).table;
    expect(t.numRows).toBe(9003);
    expect(ys(t).slice(8999, 9001)).toEqual([8999, 9000]);
  });

  it('never keeps the caller\'s memory: a request buffer reused after append does not change what is logged', async () => {
    const store = new InferenceLogStore(tmp(), { flushIntervalMs: 50 });
    const body = new Float32Array(64).fill(7); // a request body; the tensor is a view into it
    const r = result(3, 0, 1000);
    r.columns.set('in.tensor', { kind: 'tensor', type: 'float32', data: body.subarray(8, 14), shape: [2] });
    const ack = store.append('p', r);
    body.fill(-1); // the caller reuses its buffer before the rows are written
    await ack;
    const t = store.read('p', { start: 0, end: 2000 }).table;
    expect(Array.from(t.getChild('in.tensor')!.get(0) as arrow.Vector)).toEqual([7, 7]);
  });

  it('logs that span pipeline versions with different columns read back as one table', async () => {
    const store = new InferenceLogStore(tmp());
    const r2 = result(3, 100, 2000, 'v2');
    r2.columns.set('anomaly.fraud', { kind: 'tensor', type: 'bool', data: Uint8Array.of(1, 0, 1), shape: [] });
    void store.append('p', result(2, 0, 1000));
    void store.append('p', r2);
    await store.flush();
    const t = store.read('p', { start: 0, end: 5000 }).table;
    expect(t.numRows).toBe(5);
    expect(Array.from({ length: 5 }, (_, i) => t.getChild('anomaly.fraud')!.get(i))).toEqual([null, null, true, false, true]);
  });

  it('batches writes: many appends go to one stream segment, coalesced into few record batches; close seals it', async () => {
    const dir = tmp();
    const store = new InferenceLogStore(dir, { flushIntervalMs: 50 });
    const acks = Array.from({ length: 200 }, (_, i) => store.append('p', result(1, i, 1000 + i)));
    await Promise.all(acks);
    expect(readdirSync(path.join(dir, 'p'))).toEqual(['000000000001.arrows']);
    const open = [...arrow.RecordBatchReader.from(readFileSync(path.join(dir, 'p', '000000000001.arrows')))];
    expect(open.length).toBeLessThan(10);
    expect(store.read('p', { limit: 1000 }).table.numRows).toBe(200);
    await store.close();
    expect(readdirSync(path.join(dir, 'p'))).toEqual(['000000000001-1000-1199-200.arrows']);
    const t = store.read('p', { start: 1100, end: 1105 }).table;
    expect(ys(t)).toEqual([100, 101, 102, 103, 104]);
    // Per-request constants are stored dictionary-encoded and read back as plain columns.
    const meta = store.read('p', { limit: 2, dataset: ['metadata'] }).table;
    expect(String(meta.getChild('metadata.pipeline_version')!.type)).toBe('Utf8');
    expect(meta.getChild('metadata.pipeline_version')!.get(1)).toBe('v1');
    expect(Array.from((meta.getChild('metadata.elapsed')!.get(0) as arrow.Vector).toArray())).toEqual([10, 20]);
  });

  it('full segments are sealed after their last fsync; a new pipeline version starts a new segment', async () => {
    const dir = tmp();
    const store = new InferenceLogStore(dir, { segmentBytes: 1, flushIntervalMs: 5 });
    await store.append('p', result(10, 0, 1000));
    await store.append('p', result(10, 10, 2000));
    const r3 = result(5, 20, 3000, 'v2');
    r3.columns.set('anomaly.fraud', { kind: 'tensor', type: 'bool', data: new Uint8Array(5), shape: [] });
    await store.append('p', r3);
    await store.flush();
    expect(readdirSync(path.join(dir, 'p')).sort()).toEqual(['000000000001-1000-1000-10.arrows', '000000000002-2000-2000-10.arrows', '000000000003-3000-3000-5.arrows']);
    expect(ys(store.read('p', { start: 1500, end: 3500 }).table)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    expect(store.read('p', { limit: 25, dataset: ['metadata.pipeline_version'] }).table.getChild('metadata.pipeline_version')!.get(0)).toBe('v2');
  });

  it('constants that are not strings or number lists (an A/B split) are stored per row and read back', async () => {
    const store = new InferenceLogStore(tmp(), { flushIntervalMs: 5 });
    const r = result(3, 0, 1000);
    r.columns.set('out._model_split', { kind: 'values', data: new Array(3).fill(['{"name":"a"}']), constant: true });
    await store.append('p', r);
    const t = store.read('p', { dataset: ['out._model_split'] }).table;
    expect(Array.from({ length: 3 }, (_, i) => Array.from(t.getChild('out._model_split')!.get(i) as arrow.Vector))).toEqual([['{"name":"a"}'], ['{"name":"a"}'], ['{"name":"a"}']]);
  });

  it('reads partitions written by earlier versions (Arrow IPC files) together with stream segments', async () => {
    const dir = tmp();
    const legacy = new arrow.Table({
      time: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: 2, data: BigInt64Array.of(500n, 501n) })),
      'out.y': arrow.vectorFromArray([[7], [8]], new arrow.List(new arrow.Field('item', new arrow.Float32(), false))),
    });
    const pdir = path.join(dir, 'ws', 'p');
    mkdirSync(pdir, { recursive: true });
    writeFileSync(path.join(pdir, '000000000003-500-501-2.arrow'), arrow.tableToIPC(legacy, 'file'));
    const store = new InferenceLogStore(dir);
    await store.append('ws/p', result(2, 100, 1000));
    expect(readdirSync(pdir).sort()).toEqual(['000000000003-500-501-2.arrow', '000000000004.arrows']);
    expect(ys(store.read('ws/p').table)).toEqual([101, 100, 8, 7]);
    expect(ys(store.read('ws/p', { start: 0, end: 2000 }).table)).toEqual([7, 8, 100, 101]);
    expect(store.pipelines()).toEqual(['ws/p']);
  });

  it('a torn last record batch (killed mid-append) is ignored; the acknowledged rows read back', async () => {
    const dir = tmp();
    // Through the page cache, so the file ends where the rows end (direct I/O's padding: direct-io.test.ts).
    const store = new InferenceLogStore(dir, { worker: false, directIO: false });
    await store.append('p', result(3, 0, 1000));
    const file = path.join(dir, 'p', '000000000001.arrows');
    const good = readFileSync(file);
    await store.append('p', result(3, 3, 2000));
    const both = readFileSync(file);
    // Every cut inside the second append's bytes leaves exactly the first three rows.
    for (const cut of [good.length + 3, good.length + 20, Math.floor((good.length + both.length) / 2), both.length - 1]) {
      writeFileSync(file, both.subarray(0, cut));
      expect(ys(store.read('p', { limit: 100 }).table)).toEqual([2, 1, 0]);
    }
  });

  it('backpressure: past the high-water mark the caller waits until the writer catches up', async () => {
    const store = new InferenceLogStore(tmp(), { maxPendingBytes: 1000, flushIntervalMs: 5 });
    expect(store.backpressure()).toBeUndefined();
    const ack = store.append('p', result(100, 0, 1000));
    const wait = store.backpressure();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    await ack;
    expect(store.backpressure()).toBeUndefined();
    expect(store.read('p').table.numRows).toBe(100);
  });

  it('a writer killed with SIGKILL loses no acknowledged rows, and the store still opens', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'testdata/writer-child.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (b: Buffer) => {
        const m = /acked (\d+)\n(?![\s\S]*acked)/.exec(b.toString());
        if (m) acked = Math.max(acked, Number(m[1]));
        if (acked >= 500) child.kill('SIGKILL');
      });
    });
    expect(child.signalCode).toBe('SIGKILL');
    const store = new InferenceLogStore(dir);
    const t = store.read('ws/p', { limit: 1_000_000 }).table;
    expect(t.numRows).toBeGreaterThanOrEqual(acked);
    // Every acknowledged row is there, exactly once.
    const seen = new Set(Array.from({ length: t.numRows }, (_, i) => t.getChild('in.x')!.get(i) as number));
    expect(seen.size).toBe(t.numRows);
    for (let v = 0; v < acked; v++) expect(seen.has(v)).toBe(true);
    // New writes after the crash continue the partition sequence.
    await store.append('ws/p', result(1, -1, Date.now()));
    expect(store.read('ws/p', { limit: 1 }).table.numRows).toBe(1);
  }, 30_000);

  it('export splits by pipeline version and by size', async () => {
    const store = new InferenceLogStore(tmp());
    void store.append('p', result(40, 0, 1000, 'v1'));
    void store.append('p', result(40, 40, 2000, 'v2'));
    await store.flush();
    const out = tmp();
    const json = exportLogs(store, 'p', { directory: out, start: 0, end: 10_000, sizeLimit: '2KiB' });
    expect(json.rows).toBe(80);
    expect(json.files.length).toBeGreaterThan(2);
    const lines = json.files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
    expect(lines.map((l) => l['out.y'][0])).toEqual(Array.from({ length: 80 }, (_, i) => i));
    for (const f of json.files) {
      expect(statSync(f).size).toBeLessThanOrEqual(2048);
      const versions = new Set(readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l)['metadata.pipeline_version'] ?? 'x'));
      expect(versions.size).toBe(1);
    }
    const arr = exportLogs(store, 'p', { directory: out, arrow: true, filePrefix: 'a', start: 0, end: 10_000 });
    expect(arr.files.map((f) => path.basename(f))).toEqual(['a-1.arrow', 'a-2.arrow']);
    expect(arrow.tableFromIPC(readFileSync(arr.files[1]!)).numRows).toBe(40);
    expect(parseSize('10 MiB')).toBe(10 * 1024 * 1024);
    expect(parseSize('100MB')).toBe(100e6);
    expect(() => parseSize('ten')).toThrow(/invalid size/);
  });
});
