import * as arrow from 'apache-arrow';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDirs } from '../../../test/temp-dirs.js';
import type { ResultFrame } from '../runtime/index.js';
import type { Column } from '../runtime/frame.js';
import { Dictionaries, logBatch } from './batch.js';
import { BatchMessages } from './batch-messages.js';
import { readPartition, SegmentWriter } from './partitions.js';

const tmp = tempDirs('joey-msgs-');
afterEach(() => vi.restoreAllMocks());

/** An inference result as the executor makes it: every kind of column the log writes without apache-arrow. */
function frame(n: number, seed: number, over: Record<string, Column> = {}): ResultFrame {
  const fixed = new Float32Array(n * 29).map((_, i) => Math.sin(seed + i));
  const columns = new Map<string, Column>([
    ['in.tensor', { kind: 'tensor', type: 'float32', data: fixed, shape: [29], fixed: true }],
    ['in.id', { kind: 'tensor', type: 'int64', data: BigInt64Array.from({ length: n }, (_, i) => BigInt(seed * 1e6 + i)), shape: [] }],
    ['out.dense_1', { kind: 'tensor', type: 'float32', data: new Float32Array(n).map((_, i) => ((seed + i) % 97) / 97), shape: [1] }],
    ['out.scores', { kind: 'tensor', type: 'float64', data: new Float64Array(n * 3).map((_, i) => i * 0.5), shape: [3] }],
    ['anomaly.count', { kind: 'tensor', type: 'int8', data: new Int8Array(n).map((_, i) => (i + seed) % 2), shape: [] }],
    ['anomaly.fraud', { kind: 'tensor', type: 'bool', data: new Uint8Array(n).map((_, i) => (i + seed) % 2), shape: [] }],
    ['metadata.pipeline_version', { kind: 'values', data: [seed < 5 ? 'v1' : 'v2'], constant: true }],
    ['metadata.elapsed', { kind: 'values', data: [[1000 + seed, 20_000 + seed]], constant: true }],
    ['metadata.last_model', { kind: 'values', data: ['{"model_name":"ccfraud","model_sha":"abc"}'], constant: true }],
  ]);
  for (const [k, c] of Object.entries(over)) columns.set(k, c);
  return { numRows: n, time: 1_700_000_000_000 + seed, columns };
}

/** The segment apache-arrow's stream writer makes of the same batches (a sealed segment has no end-of-stream marker). */
function reference(groups: ResultFrame[][]): Uint8Array {
  const dicts = new Dictionaries();
  const bytes = arrow.RecordBatchStreamWriter.writeAll(groups.map((g) => logBatch(g, dicts))).toUint8Array(true);
  return bytes.subarray(0, bytes.length - 8);
}

/** Writes each group as one batch (a group: frames the writer coalesces) and returns the one sealed segment. */
async function written(groups: ResultFrame[][], directIO: boolean): Promise<Uint8Array> {
  const dir = tmp();
  const w = new SegmentWriter(dir, true, 64 << 20, directIO);
  for (const g of groups) w.write('ws/p', g);
  await w.sync('ws/p');
  await w.close();
  const files = readdirSync(path.join(dir, 'ws', 'p'));
  expect(files).toHaveLength(1);
  return readFileSync(path.join(dir, 'ws', 'p', files[0]!));
}

/** Counts how the writer's batches went: proven (written without apache-arrow), checked against it, or neither. */
function countEncodings() {
  const counts = { proven: 0, checked: 0, arrow: 0 };
  const encode = BatchMessages.prototype.encode;
  vi.spyOn(BatchMessages.prototype, 'encode').mockImplementation(function (this: BatchMessages, frames) {
    const e = encode.call(this, frames);
    counts[e === undefined ? 'arrow' : e.proven ? 'proven' : 'checked']++;
    return e;
  });
  return counts;
}

describe('log batches written without apache-arrow', () => {
  // Row counts that leave bool bitmaps, int8 and float32 buffers unaligned; dictionaries that change (elapsed every
  // request, pipeline_version once) and coalesced requests whose constants differ.
  const groups: ResultFrame[][] = [
    [frame(10_000, 1)],
    [frame(9_999, 2)],
    [frame(1, 3), frame(7, 4), frame(100, 5)],
    [frame(13, 6)],
    [frame(13, 6), frame(13, 6)],
    [frame(4_097, 7)],
    [frame(2, 8), frame(3, 9)],
  ];

  for (const directIO of [true, false]) {
    it(`are byte for byte the segment apache-arrow writes (${directIO ? 'direct I/O' : 'page cache'})`, async () => {
      const counts = countEncodings();
      const bytes = await written(groups, directIO);
      expect(Buffer.from(bytes).equals(Buffer.from(reference(groups)))).toBe(true);
      // The first batch opens the segment; the second is checked against apache-arrow, and so is the third, the first
      // to change pipeline_version's dictionary; the rest go straight out.
      expect(counts).toEqual({ proven: groups.length - 3, checked: 2, arrow: 0 });
      const t = readPartition(writtenFile(bytes));
      expect(t.numRows).toBe(groups.flat().reduce((a, f) => a + f.numRows, 0));
    });
  }

  it('read back as the rows written: bools, int64, fixed and variable lists, dictionaries per request', async () => {
    const bytes = await written(groups, true);
    const t = readPartition(writtenFile(bytes));
    const frames = groups.flat();
    let at = 0;
    for (const f of frames) {
      for (const i of [0, f.numRows - 1]) {
        const r = at + i;
        expect(t.getChild('time')!.get(r)).toBe(f.time);
        expect(t.getChild('in.id')!.get(r)).toBe((f.columns.get('in.id')!.data as BigInt64Array)[i]);
        expect(Array.from(t.getChild('in.tensor')!.get(r) as arrow.Vector)).toEqual(Array.from((f.columns.get('in.tensor')!.data as Float32Array).subarray(i * 29, i * 29 + 29)));
        expect(Array.from(t.getChild('out.scores')!.get(r) as arrow.Vector)).toEqual([i * 1.5, i * 1.5 + 0.5, i * 1.5 + 1]);
        expect(t.getChild('anomaly.fraud')!.get(r)).toBe((i + Number(f.time % 1000)) % 2 === 1);
        expect(Array.from(t.getChild('metadata.elapsed')!.get(r) as arrow.Vector)).toEqual(f.columns.get('metadata.elapsed')!.data[0]);
        expect(t.getChild('metadata.pipeline_version')!.get(r)).toBe(f.columns.get('metadata.pipeline_version')!.data[0]);
      }
      at += f.numRows;
    }
  });

  it('stay in use when apache-arrow writes again a dictionary that went out without it', async () => {
    const counts = countEncodings();
    const model = (name: string): Column => ({ kind: 'values', data: [name], constant: true });
    // last_model changes once (checked), then again (written directly: apache-arrow's writer never saw that one);
    // then pipeline_version changes for the first time, so apache-arrow writes a batch — and last_model again.
    const seq = [frame(100, 1), frame(100, 2), frame(100, 3, { 'metadata.last_model': model('B') }), frame(100, 4, { 'metadata.last_model': model('C') }), frame(100, 5, { 'metadata.last_model': model('C') }), frame(100, 6, { 'metadata.last_model': model('C') })];
    const dir = tmp();
    const w = new SegmentWriter(dir, true, 64 << 20, true);
    for (const f of seq) w.write('ws/p', [f]);
    await w.sync('ws/p');
    await w.close();
    expect(counts).toEqual({ proven: 2, checked: 3, arrow: 0 });
    const t = readPartition(path.join(dir, 'ws', 'p', readdirSync(path.join(dir, 'ws', 'p'))[0]!));
    const at = (i: number, col: string) => t.getChild(col)!.get(i * 100 + 99);
    expect(seq.map((_, i) => at(i, 'metadata.last_model'))).toEqual([...Array(2).fill(seq[0]!.columns.get('metadata.last_model')!.data[0]), 'B', 'C', 'C', 'C']);
    expect(seq.map((_, i) => at(i, 'metadata.pipeline_version'))).toEqual(['v1', 'v1', 'v1', 'v1', 'v2', 'v2']);
  });

  it('leave frames with other columns to apache-arrow (ragged lists)', async () => {
    const counts = countEncodings();
    const names = (n: number): Column => ({ kind: 'values', data: Array.from({ length: n }, (_, i) => Array.from({ length: i % 3 }, (_, j) => i + j)) });
    const other = [[frame(50, 1, { 'in.name': names(50) })], [frame(60, 2, { 'in.name': names(60) })], [frame(70, 3, { 'in.name': names(70) })]];
    const bytes = await written(other, false);
    expect(Buffer.from(bytes).equals(Buffer.from(reference(other)))).toBe(true);
    expect(counts).toEqual({ proven: 0, checked: 0, arrow: 2 });
  });

  it('are never used for a layout whose check against apache-arrow failed', () => {
    const dicts = new Dictionaries();
    const plain = (n: number, seed: number) => {
      const f = frame(n, seed);
      for (const k of [...f.columns.keys()]) if (k.startsWith('metadata.')) f.columns.delete(k);
      return [f];
    };
    const messages = new BatchMessages(dicts);
    const first = messages.encode(plain(10, 1))!;
    expect(first.proven).toBe(false);
    messages.check(first, [new Uint8Array(first.chunks.reduce((a, c) => a + c.byteLength, 0))]);
    expect(messages.encode(plain(10, 2))).toBeUndefined();
    // A fresh segment checks again, and a matching check proves the layout.
    const again = new BatchMessages(new Dictionaries());
    const e = again.encode(plain(10, 1))!;
    again.check(e, [arrow.tableToIPC(new arrow.Table(logBatch(plain(10, 1), new Dictionaries())), 'stream')].map((b) => b.subarray(0, b.length - 8)));
    expect(again.encode(plain(10, 2))?.proven).toBe(true);
  });
});

/** A segment's bytes as a file readPartition can open. */
function writtenFile(bytes: Uint8Array): string {
  const file = path.join(tmp(), '000000000001.arrows');
  writeFileSync(file, bytes);
  return file;
}
