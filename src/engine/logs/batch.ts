import * as arrow from 'apache-arrow';
import { columnVector, frameTimes, type ResultFrame } from '../runtime/encode.js';
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

export const constValue = (c: Column): unknown => (c as { data: unknown[] }).data[0];

/** How a constant column's values are dictionary-encoded (undefined: stored expanded). */
export type ConstKind = 'utf8' | 'list';

export function constKind(values: unknown[]): ConstKind | undefined {
  if (values.every((v) => typeof v === 'string')) return 'utf8';
  if (values.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number'))) return 'list';
  return undefined;
}

const KIND_TYPE: Record<ConstKind, () => arrow.DataType> = {
  utf8: () => new arrow.Utf8(),
  list: () => new arrow.List(new arrow.Field('item', new arrow.Float64(), false)),
};

/** One record batch over `frames` (all with the same layout), its constants encoded with the segment's `dicts`. */
export function logBatch(frames: ResultFrame[], dicts: Dictionaries): arrow.RecordBatch {
  const first = frames[0]!;
  const n = frames.reduce((a, f) => a + f.numRows, 0);
  const times = frameTimes(frames, new BigInt64Array(n));
  const vectors: Record<string, arrow.Vector> = {
    time: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: n, data: times })),
  };
  for (const [name, c0] of first.columns) {
    const cols = frames.map((f) => f.columns.get(name)!);
    if (c0.kind === 'values' && c0.constant) {
      const v = constantDict(name, cols.map(constValue), frames, n, dicts);
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

/**
 * A segment's dictionary-encoded columns: one Dictionary type per column for the life of the segment file (so every
 * batch of the file has the same schema), and the dictionary last written for each. The same values as that one
 * give back the same dictionary object, which the stream writer does not write again (pipeline_version and
 * last_model rarely change; only the indices are written per batch).
 */
export class Dictionaries {
  private readonly types = new Map<string, arrow.Dictionary>();
  private readonly last = new Map<arrow.Dictionary, { key: string; distinct: unknown[]; values?: arrow.Vector }>();

  /** The column's Dictionary type for `kind` values (undefined when not in the schema and not `create`). */
  type(name: string, kind: ConstKind, create: boolean): arrow.Dictionary | undefined {
    const key = `${name}:${kind}`;
    let type = this.types.get(key);
    // Ids numbered per segment (not apache-arrow's process-wide counter): the same rows make the same file.
    if (!type && create) this.types.set(key, (type = new arrow.Dictionary(KIND_TYPE[kind](), new arrow.Int16(), this.types.size)));
    return type;
  }

  /**
   * Whether the dictionary last used for `type` is the one keyed `key`: then it is not written again — by
   * apache-arrow's writer only if that writer has seen it as a vector (`byArrow`), not when it went out without one.
   */
  isCurrent(type: arrow.Dictionary, key: string, byArrow = false): boolean {
    const last = this.last.get(type);
    return last?.key === key && (!byArrow || last.values !== undefined);
  }

  /** Makes `distinct` (keyed by `key`) the dictionary last used for `type`. */
  use(type: arrow.Dictionary, distinct: unknown[], key: string): void {
    if (!this.isCurrent(type, key)) this.last.set(type, { key, distinct });
  }

  /** The dictionary for `distinct` (keyed by `key`): the same object as last time when they are the same values. */
  values(type: arrow.Dictionary, distinct: unknown[], key: string): arrow.Vector {
    this.use(type, distinct, key);
    const last = this.last.get(type)!;
    return (last.values ??= dictionaryValues(last.distinct, type.dictionary));
  }
}

/** One constant column of `frames` as dictionary indices (int16: at most one entry per request, ≤ 8192 per batch). */
export function distinctConstants(perFrame: unknown[], frames: ResultFrame[], idx: Int16Array): { distinct: unknown[]; key: string } {
  if (perFrame.length === 1) {
    idx.fill(0, 0, frames[0]!.numRows);
    return { distinct: perFrame, key: JSON.stringify(perFrame[0]) ?? 'null' };
  }
  const keys = new Map<string, number>();
  const distinct: unknown[] = [];
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
  return { distinct, key: [...keys.keys()].join('\n') };
}

function constantDict(name: string, perFrame: unknown[], frames: ResultFrame[], n: number, dicts: Dictionaries): arrow.Vector | undefined {
  const idx = new Int16Array(n);
  const { distinct, key } = distinctConstants(perFrame, frames, idx);
  const kind = constKind(distinct);
  if (!kind) return undefined;
  const type = dicts.type(name, kind, true)!;
  return arrow.makeVector(arrow.makeData({ type, length: n, data: idx, dictionary: dicts.values(type, distinct, key) }));
}

/** The buffers of a dictionary (as apache-arrow lays them out): offsets, then UTF-8 bytes or the lists' float64s. */
export function dictionaryBuffers(values: unknown[], kind: ConstKind): { offsets: Int32Array; data: Uint8Array | Float64Array } {
  const offsets = new Int32Array(values.length + 1);
  if (kind === 'utf8') {
    const parts = values.map((v) => Buffer.from(v as string, 'utf8'));
    parts.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
    return { offsets, data: Buffer.concat(parts) };
  }
  const lists = values as number[][];
  lists.forEach((l, i) => (offsets[i + 1] = offsets[i]! + l.length));
  return { offsets, data: Float64Array.from(lists.length === 1 ? lists[0]! : lists.flat()) };
}

/** The dictionary of a constant column, built straight from its values (an Arrow builder costs more than the batch). */
function dictionaryValues(values: unknown[], type: arrow.DataType): arrow.Vector {
  if (arrow.DataType.isUtf8(type)) {
    const { offsets, data } = dictionaryBuffers(values, 'utf8');
    return arrow.makeVector(arrow.makeData({ type, length: values.length, valueOffsets: offsets, data: data as Uint8Array }));
  }
  const { offsets, data } = dictionaryBuffers(values, 'list');
  const child = arrow.makeData({ type: new arrow.Float64(), length: data.length, data: data as Float64Array });
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
