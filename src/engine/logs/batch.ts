import * as arrow from 'apache-arrow';
import { columnVector, fillTime, type ResultFrame } from '../runtime/encode.js';
import type { Column } from '../runtime/frame.js';

/**
 * Log record batches built straight over the frames' typed arrays (no per-row work, no copies for a batch of one
 * frame). Per-request constants (`metadata.*`) are dictionary-encoded: one dictionary entry per request and an
 * int16 index per row instead of the repeated string/list in every row — about half the bytes of a
 * ccfraud log row. `readPartition` turns them back into plain columns.
 */

/** Same columns, kinds, types and shapes: frames that can share one record batch. */
export function frameLayout(f: ResultFrame): string {
  let s = '';
  for (const [k, c] of f.columns) {
    s += `${k}:${c.kind === 'tensor' ? `${c.type}[${c.shape.join(',')}]${c.fixed ? 'f' : ''}` : c.constant ? 'const' : 'values'};`;
  }
  return s;
}

const constValue = (c: Column): unknown => (c as { data: unknown[] }).data[0];

/** A dictionary value type for a constant column, or undefined to store it expanded. */
function constType(values: unknown[]): arrow.DataType | undefined {
  if (values.every((v) => typeof v === 'string')) return new arrow.Utf8();
  if (values.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number'))) return new arrow.List(new arrow.Field('item', new arrow.Float64(), false));
  return undefined;
}

/**
 * One record batch over `frames` (all with the same layout). `dictTypes` keeps one Dictionary type per column for
 * the life of a segment file, so every batch of the file has the same schema.
 */
export function logBatch(frames: ResultFrame[], dictTypes: Map<string, arrow.Dictionary>): arrow.RecordBatch {
  const first = frames[0]!;
  const n = frames.reduce((a, f) => a + f.numRows, 0);
  const starts: number[] = [];
  for (let at = 0, i = 0; i < frames.length; at += frames[i]!.numRows, i++) starts.push(at);
  const times = new BigInt64Array(n);
  frames.forEach((f, i) => fillTime(times, f.time, starts[i]!, starts[i]! + f.numRows));
  const vectors: Record<string, arrow.Vector> = {
    time: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: n, data: times })),
  };
  for (const [name, c0] of first.columns) {
    const cols = frames.map((f) => f.columns.get(name)!);
    if (c0.kind === 'values' && c0.constant) {
      const v = constantDict(name, cols.map(constValue), frames, n, dictTypes);
      if (v) {
        vectors[name] = v;
        continue;
      }
    }
    if (frames.length > 1) vectors[name] = columnVector(concatColumn(cols, frames), n);
    // A constant arrives from the engine thread as one value: give it its rows back (still marked constant).
    else if (c0.kind === 'values' && c0.constant && c0.data.length !== n) vectors[name] = columnVector({ ...c0, data: new Array(n).fill(c0.data[0]) }, n);
    else vectors[name] = columnVector(c0, n);
  }
  // One chunk per column (the usual case): the batch is built from their data directly, which costs a fraction of
  // a Table (it would first re-chunk the columns into common batches).
  const all = Object.values(vectors);
  if (all.every((v) => v.data.length === 1)) return new arrow.RecordBatch(Object.fromEntries(Object.entries(vectors).map(([k, v]) => [k, v.data[0]!])));
  const table = new arrow.Table(vectors);
  return table.batches.length === 1 ? table.batches[0]! : new arrow.RecordBatch(table.schema, table.batches[0]!.data);
}

function constantDict(name: string, perFrame: unknown[], frames: ResultFrame[], n: number, dictTypes: Map<string, arrow.Dictionary>): arrow.Vector | undefined {
  const keys = new Map<string, number>();
  const distinct: unknown[] = [];
  const idx = new Int16Array(n); // at most one entry per request: a coalesced batch holds at most 8192 requests
  let at = 0;
  perFrame.forEach((v, i) => {
    const key = JSON.stringify(v) ?? 'null';
    let k = keys.get(key);
    if (k === undefined) {
      keys.set(key, (k = distinct.length));
      distinct.push(v);
    }
    idx.fill(k, at, at + frames[i]!.numRows);
    at += frames[i]!.numRows;
  });
  const valueType = constType(distinct);
  if (!valueType) return undefined;
  const dictKey = `${name}:${valueType}`;
  let type = dictTypes.get(dictKey);
  if (!type) dictTypes.set(dictKey, (type = new arrow.Dictionary(valueType, new arrow.Int16())));
  // The same values as the segment's previous batch: the same dictionary object, which the stream writer does not
  // write again (pipeline_version and last_model rarely change; only the indices are written per batch).
  const key = distinct.map((v) => JSON.stringify(v)).join('\n');
  let last = lastDictionary.get(type);
  if (last?.key !== key) lastDictionary.set(type, (last = { key, values: dictionaryValues(distinct, valueType) }));
  return arrow.makeVector(arrow.makeData({ type, length: n, data: idx, dictionary: last.values }));
}

/** Per segment (its Dictionary types are its own): the last dictionary written for a column. */
const lastDictionary = new WeakMap<arrow.Dictionary, { key: string; values: arrow.Vector }>();

/** The dictionary of a constant column, built straight from its values (an Arrow builder costs more than the batch). */
function dictionaryValues(values: unknown[], type: arrow.DataType): arrow.Vector {
  const offsets = new Int32Array(values.length + 1);
  if (arrow.DataType.isUtf8(type)) {
    const parts = values.map((v) => Buffer.from(v as string, 'utf8'));
    parts.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
    return arrow.makeVector(arrow.makeData({ type, length: values.length, valueOffsets: offsets, data: Buffer.concat(parts) }));
  }
  const lists = values as number[][];
  lists.forEach((l, i) => (offsets[i + 1] = offsets[i]! + l.length));
  const child = arrow.makeData({ type: new arrow.Float64(), length: offsets[values.length]!, data: Float64Array.from(lists.flat()) });
  return arrow.makeVector(arrow.makeData({ type: type as arrow.List<arrow.Float64>, length: values.length, valueOffsets: offsets, child }));
}

/** Concatenates one column of several frames (small requests coalesced into one batch per flush). */
function concatColumn(cols: Column[], frames: ResultFrame[]): Column {
  const c0 = cols[0]!;
  if (c0.kind === 'tensor') {
    const total = cols.reduce((a, c) => a + c.data.length, 0);
    const out = new (c0.data.constructor as new (n: number) => Float32Array)(total);
    let at = 0;
    for (const c of cols) {
      out.set(c.data as Float32Array, at);
      at += c.data.length;
    }
    return { kind: 'tensor', type: c0.type, data: out, shape: c0.shape, ...(c0.fixed ? { fixed: true } : {}) };
  }
  const data: unknown[] = [];
  cols.forEach((c, i) => {
    const vals = (c as { data: unknown[] }).data;
    if ((c as { constant?: boolean }).constant && vals.length !== frames[i]!.numRows) for (let r = 0; r < frames[i]!.numRows; r++) data.push(vals[0]);
    else for (const v of vals) data.push(v);
  });
  return { kind: 'values', data };
}

/** A column read back from a log file: dictionary-encoded constants become plain columns again. */
export function plainVector(v: arrow.Vector): arrow.Vector {
  if (!arrow.DataType.isDictionary(v.type)) return v;
  const valueType = (v.type as arrow.Dictionary).dictionary;
  const datas = v.data.map((d) => {
    const dict = d.dictionary!;
    const values = Array.from({ length: dict.length }, (_, i) => dict.get(i));
    const idx = d.values as Int16Array | Int32Array;
    const rows = new Array<unknown>(d.length);
    for (let i = 0; i < d.length; i++) {
      const x = values[idx[d.offset + i]!];
      rows[i] = x instanceof arrow.Vector ? Array.from(x as Iterable<unknown>) : x;
    }
    return arrow.vectorFromArray(rows, valueType).data[0]!;
  });
  return new arrow.Vector(datas);
}
