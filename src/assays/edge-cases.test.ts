import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableToIPC, tableFromIPC, tableFromArrays, vectorFromArray, Table, List, Field, Float16, Float32, Float64, Int32, Int64 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { JoeyError } from '../model/index.js';
import {
  columnValues,
  computeAssay,
  countBins,
  parseIoPath,
  providedEdges,
  quantileEdges,
  readValuesFile,
  summarizeBaseline,
  sortFloat64,
  summarizeWindow,
} from './index.js';

const expectJoeyError = (fn: () => unknown, code: string, re: RegExp) => {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(JoeyError);
  expect((err as JoeyError).code).toBe(code);
  expect((err as JoeyError).message).toMatch(re);
};

describe('bin membership', () => {
  it('puts an edge value in the bin it closes; min in bin 1, max in the last regular bin', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5]);
    expect(countBins(sorted, [1, 3, 5])).toEqual([0, 3, 2, 0]);
    expect(countBins(Float64Array.from([0.5, 1, 5, 5.5]), [1, 3, 5])).toEqual([1, 1, 1, 1]);
  });

  it('keeps the bins between tied quantile edges empty (ties go to the lowest bin)', () => {
    const values = [1, 2, 2, 2, 2, 2, 2, 3, 4, 5];
    const b = summarizeBaseline(values, { binMode: 'quantile', numBins: 5, aggregation: 'density', metric: 'psi' });
    expect(b.edges).toEqual([1, 2, 2, 2, 3, 5, Infinity]);
    expect(b.counts).toEqual([0, 7, 0, 0, 1, 2, 0]);
  });

  it('quantile edges are baseline values at rank round(k·n/N)', () => {
    const sorted = Float64Array.from({ length: 501 }, (_, i) => i + 1);
    expect(quantileEdges(sorted, 5).edges).toEqual([1, 100, 200, 301, 401, 501]);
    expect(quantileEdges(sorted, 10).edges[5]).toBe(251); // 250.5 rounds up
    expect(quantileEdges(Float64Array.from([7]), 3).edges).toEqual([7, 7, 7, 7]);
    expect(quantileEdges(Float64Array.from([1, 2, 3]), 3).names).toEqual(['left_outlier', 'q_33.33', 'q_66.67', 'q_100']);
  });
});

describe('edge cases', () => {
  it('all-equal baseline: every bin but the first is empty; equal values score 0, others land in outlier bins', () => {
    const base = [3, 3, 3, 3];
    const same = computeAssay(base, [3, 3]);
    expect(same.baseline.edges).toEqual([3, 3, 3, 3, 3, 3, Infinity]);
    expect(same.score).toBe(0);
    expect(same.status).toBe('Ok');
    const shifted = computeAssay(base, [2, 4, 4], { binMode: 'equal' });
    expect(shifted.window.counts).toEqual([1, 0, 0, 0, 0, 0, 2]);
    expect(Number.isFinite(shifted.score)).toBe(true);
    expect(shifted.status).toBe('Alert');
  });

  it('empty window or baseline → JoeyError, not NaN', () => {
    expectJoeyError(() => computeAssay([1, 2, 3], []), 'assay_empty_window', /window has no values/);
    expectJoeyError(() => computeAssay([], [1]), 'assay_empty_baseline', /baseline has no values/);
    expectJoeyError(() => computeAssay([NaN, Infinity], [1]), 'assay_empty_baseline', /no finite values \(2 NaN\/Infinity dropped\)/);
  });

  it('NaN and ±Infinity are dropped and counted, never scored', () => {
    const r = computeAssay([1, 2, NaN, 3, 4, 5, Infinity], [1, 2, -Infinity, 3, NaN]);
    expect(r.baseline.dropped).toBe(2);
    expect(r.window.dropped).toBe(2);
    expect(r.baseline.count).toBe(5);
    expect(r.window.count).toBe(3);
    expect(Number.isFinite(r.score)).toBe(true);
    expect(r.scores.every(Number.isFinite)).toBe(true);
  });

  it('provided edges must be finite and strictly increasing', () => {
    expectJoeyError(() => providedEdges([1, 3, 2], 0), 'assay_edges', /strictly increasing: 3 then 2/);
    expectJoeyError(() => providedEdges([1, 1], 0), 'assay_edges', /strictly increasing/);
    expectJoeyError(() => providedEdges([1, NaN], 0), 'assay_edges', /not a finite number/);
    expectJoeyError(() => providedEdges([], 0), 'assay_edges', /needs edges/);
    expectJoeyError(() => providedEdges([0.5, 2], 1, 2), 'assay_edges', /must be above the baseline min/);
    expectJoeyError(() => providedEdges([1, 2, 3], 0, 5), 'assay_edges', /needs 5 upper edges or 6 edges/);
    // N upper edges: the first bin starts at the baseline min
    expect(providedEdges([2, 4], 1, 2).edges).toEqual([1, 2, 4]);
    expect(providedEdges([0, 2, 4], 1).names).toEqual(['left_outlier', 'e_2.00e0', 'e_4.00e0']);
  });

  it('bins, thresholds and weights are validated', () => {
    expectJoeyError(() => computeAssay([1, 2], [1], { numBins: 0 }), 'assay_bins', /whole number/);
    expectJoeyError(() => computeAssay([1, 2], [1], { thresholds: { alert: 0.1, warning: 0.2 } }), 'assay_thresholds', /above the alert/);
    expectJoeyError(() => computeAssay([1, 2], [1], { weights: [1, 1] }), 'assay_weights', /one value per bin .*\(7\)/);
    expectJoeyError(() => computeAssay([1, 2], [1], { weights: [0, 0, 0, 0, 0, 0, 0] }), 'assay_weights', /all zero/);
  });

  it('weights scale the per-bin scores; equal weights change nothing', () => {
    const b = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const w = [1, 1, 1, 2, 8, 9, 9, 10, 11, 12];
    const plain = computeAssay(b, w);
    const equal = computeAssay(b, w, { weights: [2, 2, 2, 2, 2, 2, 2] });
    expect(equal.weighted).toBe(true);
    expect(equal.score).toBeCloseTo(plain.score, 14);
    const tilted = computeAssay(b, w, { weights: [0, 0, 0, 0, 0, 0, 7] });
    expect(tilted.score).toBeCloseTo(plain.scores[6]! * 7, 12);
  });

  it('status: Warning between the thresholds, Alert at or above alert', () => {
    const base = Array.from({ length: 100 }, (_, i) => i);
    const drift = base.map((v) => v + 12);
    const r = computeAssay(base, drift, { thresholds: { warning: 0.01, alert: 10 } });
    expect(r.status).toBe('Warning');
    expect(computeAssay(base, drift, { thresholds: { alert: r.score } }).status).toBe('Alert');
    expect(computeAssay(base, drift, { thresholds: { alert: r.score * 2 } }).status).toBe('Ok');
  });

  it('a window is binned with the frozen baseline edges', () => {
    const b = summarizeBaseline([0, 10], { binMode: 'equal', numBins: 2, aggregation: 'cumulative', metric: 'maxdiff' });
    const w = summarizeWindow([5, 5, 20], b);
    expect(w.edges).toEqual([0, 5, 10, Infinity]);
    expect(w.counts).toEqual([0, 2, 0, 1]);
    expect(w.aggregatedValues).toEqual([0, 2 / 3, 2 / 3, 1]);
  });
});

describe('iopath', () => {
  it('parses input/output field index', () => {
    expect(parseIoPath('output dense_1 0')).toEqual({ direction: 'output', field: 'dense_1', index: 0, column: 'out.dense_1' });
    expect(parseIoPath(' input tensor 3 ').column).toBe('in.tensor');
    expectJoeyError(() => parseIoPath('output dense_1'), 'assay_iopath', /must look like/);
    expectJoeyError(() => parseIoPath('middle x 0'), 'assay_iopath', /must look like/);
  });
});

describe('readValuesFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'joey-assay-read-'));
  const write = (name: string, data: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };

  it('reads JSON arrays, one-element lists and nulls', async () => {
    expect(Array.from(await readValuesFile(write('a.json', '[1, 2.5, [3], null]')))).toEqual([1, 2.5, 3, NaN]);
    await expect(readValuesFile(write('b.json', '[1, "x"]'))).rejects.toThrow(/element 1 is "x", not a number/);
    await expect(readValuesFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read .*ENOENT/);
  });

  it('reads one-column CSV with or without a header, or picks --column', async () => {
    expect(Array.from(await readValuesFile(write('a.csv', 'price\n1\n2\nNaN\n')))).toEqual([1, 2, NaN]);
    expect(Array.from(await readValuesFile(write('b.csv', '1\n2\n3')))).toEqual([1, 2, 3]);
    expect(Array.from(await readValuesFile(write('c.csv', 'a,b\n1,10\n2,20'), { column: 'b' }))).toEqual([10, 20]);
    await expect(readValuesFile(write('d.csv', 'a,b\n1,10'))).rejects.toThrow(/pick one with --column/);
    await expect(readValuesFile(write('e.csv', 'a\n1\nabc'))).rejects.toThrow(/line 3: "abc" is not a number/);
  });

  it('reads Arrow files: one numeric column, a picked column, or a list column element', async () => {
    const one = tableFromArrays({ v: Float64Array.from([1, 2, 3]) });
    expect(Array.from(await readValuesFile(write('a.arrow', tableToIPC(one, 'file'))))).toEqual([1, 2, 3]);
    const two = tableFromArrays({ a: Float64Array.from([1]), b: Int32Array.from([7]) });
    expect(Array.from(await readValuesFile(write('b.arrow', tableToIPC(two, 'stream')), { column: 'b' }))).toEqual([7]);
    await expect(readValuesFile(write('c.arrow', tableToIPC(two, 'file')))).rejects.toThrow(/has 2 columns/);
    const listType = new List(new Field('item', new Float32(), true));
    const lists = new Table({ 'out.variable': vectorFromArray([[1.5, 9], [2.5, 8]], listType) });
    expect(Array.from(await readValuesFile(write('d.arrow', tableToIPC(lists, 'file'))))).toEqual([1.5, 2.5]);
    expect(Array.from(await readValuesFile(write('d.arrow', tableToIPC(lists, 'file')), { index: 1 }))).toEqual([9, 8]);
  });
});

describe('sortFloat64 (radix sort)', () => {
  it('sorts like the built-in sort: negatives, zeros, tiny and huge magnitudes, float32 ties', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const values = Array.from({ length: 50_000 }, (_, i) => {
      const r = rand();
      if (i % 7 === 0) return Math.fround((r - 0.5) * 1e6);
      if (i % 11 === 0) return (r - 0.5) * 1e-300;
      if (i % 13 === 0) return i % 2 ? 0 : -0;
      return (r - 0.3) * 10 ** Math.floor(rand() * 40 - 20);
    });
    const mine = sortFloat64(Float64Array.from(values));
    const ref = Float64Array.from(values).sort();
    expect(Array.from(mine)).toEqual(Array.from(ref));
  });
});

describe('columnValues (buffer fast path vs per-row values)', () => {
  const listType = new List(new Field('inner', new Float32(), true));
  const rows = [[1.5, 9], null, [2.5], [], [null, 4], [3.25, 7]];
  const expected0 = [1.5, NaN, 2.5, NaN, NaN, 3.25];
  const expected1 = [9, NaN, NaN, NaN, 4, 7];

  it('lists with null rows, short rows and null elements; slices; several chunks', () => {
    const v = vectorFromArray(rows, listType);
    expect(Array.from(columnValues(v, 0, 'c'))).toEqual(expected0);
    expect(Array.from(columnValues(v, 1, 'c'))).toEqual(expected1);
    expect(Array.from(columnValues(v.slice(2, 5), 1, 'c'))).toEqual(expected1.slice(2, 5));
    const two = new Table({ c: v }).concat(new Table({ c: vectorFromArray(rows.slice(0, 2), listType) }));
    expect(Array.from(columnValues(two.getChild('c')!, 0, 'c'))).toEqual([...expected0, 1.5, NaN]);
    const roundTrip = tableFromIPC(tableToIPC(new Table({ c: v }))).getChild('c')!;
    expect(Array.from(columnValues(roundTrip, 1, 'c'))).toEqual(expected1);
  });

  it('plain numeric columns, 64-bit integers and half floats', () => {
    expect(Array.from(columnValues(vectorFromArray([1, null, 3], new Float64()), 0, 'c'))).toEqual([1, NaN, 3]);
    expect(Array.from(columnValues(vectorFromArray([5, 6], new Int32()), 0, 'c'))).toEqual([5, 6]);
    expect(Array.from(columnValues(vectorFromArray([5n, 6n], new Int64()), 0, 'c'))).toEqual([5, 6]);
    expect(Array.from(columnValues(vectorFromArray([0.5, 2], new Float16()), 0, 'c'))).toEqual([0.5, 2]);
  });
});
