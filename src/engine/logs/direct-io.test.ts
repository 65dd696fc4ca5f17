import * as arrow from 'apache-arrow';
import { closeSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/temp-dirs.js';
import type { ResultFrame } from '../runtime/index.js';
import { BLOCK, DirectIO } from './direct-io.js';
import { readPartition, SegmentWriter } from './partitions.js';

const tmp = tempDirs('joey-dio-');

function frame(n: number, from: number, time: number): ResultFrame {
  return {
    numRows: n,
    time,
    columns: new Map([
      ['in.x', { kind: 'tensor', type: 'float32', data: new Float32Array(n * 3).map((_, i) => from + i / 3), shape: [3] }],
      ['out.y', { kind: 'tensor', type: 'float32', data: new Float32Array(n).map((_, i) => from + i), shape: [1] }],
      ['metadata.pipeline_version', { kind: 'values', data: ['v1'], constant: true }],
    ]),
  } as ResultFrame;
}
const ys = (t: arrow.Table) => Array.from({ length: t.numRows }, (_, i) => (t.getChild('out.y')!.get(i) as arrow.Vector).get(0) as number);
const row = (t: arrow.Table, i: number) =>
  Object.fromEntries(t.schema.fields.map((f) => [f.name, ((v) => (v instanceof arrow.Vector ? Array.from(v as Iterable<unknown>) : v))(t.getChild(f.name)!.get(i))]));
const only = (dir: string) => path.join(dir, 'p', readdirSync(path.join(dir, 'p'))[0]!);

// Sizes that stay inside the first block, cross block boundaries, and one append larger than the 4 MiB staging
// buffer (written in several pieces).
const APPENDS: [number, number][] = [[1, 1000], [7, 1001], [300, 1002], [1, 1003], [400_000, 1004], [33, 1005]];

describe('direct I/O log segments', () => {
  // /tmp on this machine is ext4, which takes O_DIRECT; where a filesystem refuses it (tmpfs), the writer falls
  // back to the page cache and the same files come out — the comparisons below hold either way.
  const direct = DirectIO.probe(tmp()) !== undefined;

  it('hold the same rows as buffered writes: readable while open (the padding reads as the end of the stream), trimmed once sealed', async () => {
    const [a, b] = [tmp(), tmp()];
    const viaDirect = new SegmentWriter(a, true, 64 << 20, true);
    const buffered = new SegmentWriter(b, true, 64 << 20, false);
    let rows = 0;
    for (const [n, t] of APPENDS) {
      viaDirect.write('p', [frame(n, rows, t)]);
      buffered.write('p', [frame(n, rows, t)]);
      rows += n;
      await Promise.all([viaDirect.sync('p'), buffered.sync('p')]);
      const [fa, fb] = [only(a), only(b)];
      if (direct) expect(statSync(fa).size % BLOCK).toBe(0);
      // The open segment reads back every row so far, zero padding or not.
      const read = readPartition(fa);
      expect(read.numRows).toBe(rows);
      expect(row(read, rows - 1)).toEqual(row(readPartition(fb), rows - 1));
    }
    const openSize = statSync(only(a)).size;
    await Promise.all([viaDirect.close(), buffered.close()]);
    expect(readdirSync(path.join(a, 'p'))).toEqual(readdirSync(path.join(b, 'p')));
    // Sealed: the padding is cut off. (The files differ by their dictionary ids, so their contents are compared.)
    if (direct) expect(openSize - statSync(only(a)).size).toBeLessThan(BLOCK);
    const [ta, tb] = [readPartition(only(a)), readPartition(only(b))];
    expect(ta.numRows).toBe(rows);
    expect(Buffer.compare(arrow.tableToIPC(ta), arrow.tableToIPC(tb))).toBe(0);
  }, 60_000);

  it.runIf(direct)('bytes are visible once committed: a process killed before, or with its write half done, leaves none of them', async () => {
    const dir = tmp();
    const dio = DirectIO.probe(dir)!;
    const file = path.join(dir, 'seg.arrows');
    const f = dio.open(file);
    // The Arrow stream of two record batches: a small one, then one larger than a staging buffer.
    const table = (n: number, from: number) => new arrow.Table({ y: arrow.vectorFromArray(Float64Array.from({ length: n }, (_, i) => from + i)) });
    const sink = new (class extends arrow.AsyncByteQueue {
      out: Uint8Array[] = [];
      override write(v: Uint8Array) {
        this.out.push(v);
      }
    })();
    const w = new arrow.RecordBatchStreamWriter({ autoDestroy: false });
    w.reset(sink, table(1, 0).schema);
    const chunks = (t: arrow.Table): Uint8Array[] => {
      w.write(t.batches[0]!);
      return sink.out.splice(0);
    };
    const first = Array.from({ length: 50 }, (_, i) => i);
    const values = (t: arrow.Table) => Array.from(t.getChild('y') ?? []);
    dio.append(f, chunks(table(50, 0)));
    await dio.commit(f, true);
    expect(values(readPartition(file))).toEqual(first);
    // Appended and written, not committed: what a kill before the commit leaves on disk.
    dio.append(f, chunks(table(1_000_000, 50)));
    await f.writes;
    const written = readFileSync(file);
    expect(written.length).toBeGreaterThan(4 << 20);
    expect(values(readPartition(file))).toEqual(first);
    // A write cut anywhere (whole blocks of it done, zeros after): still only the committed rows.
    for (const cut of [BLOCK, 2 * BLOCK, Math.floor(written.length / 2 / BLOCK) * BLOCK, written.length - BLOCK]) {
      writeFileSync(file, Buffer.concat([written.subarray(0, cut), Buffer.alloc(written.length - cut)]));
      expect(values(readPartition(file))).toEqual(first);
    }
    writeFileSync(file, written);
    await dio.commit(f, true);
    expect(readPartition(file).numRows).toBe(1_000_050);
    await dio.seal(f, true);
    closeSync(f.fd);
    expect(statSync(file).size).toBe(f.length);
    expect(values(readPartition(file)).slice(-2)).toEqual([1_000_048, 1_000_049]);
  });
});
