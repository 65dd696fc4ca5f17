import * as arrow from 'apache-arrow';
import { rowWidth, type Column, type Frame } from './frame.js';
import { tensorVector } from './validations.js';

/** An inference's answer: every row shares the request's `time` (epoch ms). */
export interface ResultFrame extends Frame {
  time: number;
  /** The `dataset` selection left `time` out. */
  omitTime?: boolean;
}

// ------------------------------------------------------------------------------------------------ Arrow

/** Arrow IPC (`file` or `stream`) of a result: `time` as timestamp[ms], tensors as lists, flags as bool. */
export function encodeArrow(result: ResultFrame, format: 'file' | 'stream' = 'file'): Uint8Array {
  return arrow.tableToIPC(toArrowTable(result), format);
}

export function toArrowTable(result: ResultFrame): arrow.Table {
  const n = result.numRows;
  const vectors: Record<string, arrow.Vector> = {};
  const times = fillTime(new BigInt64Array(n), result.time, 0, n);
  if (!result.omitTime) vectors.time = arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: n, data: times }));
  for (const [name, col] of result.columns) vectors[name] = columnVector(col, n);
  return new arrow.Table(vectors);
}

export function columnVector(col: Column, n: number): arrow.Vector {
  if (col.kind === 'tensor') {
    if (col.type === 'bool') return boolVector(col.data as Uint8Array);
    // Fresh vectors over the same typed arrays: apache-arrow writes these ~5x faster than the decoded input vectors.
    const v = isFixedSizeList(col) ? fixedSizeListVector(col, n) : tensorVector(col, n);
    if (v) return v;
    return arrow.vectorFromArray(rows(col, n));
  }
  if (col.arrow) return col.arrow;
  if (col.constant && n > 0) {
    const v = constantVector(col.data[0], n);
    if (v) return v;
  }
  const sample = col.data.find((v) => v !== null && v !== undefined);
  if (sample === undefined) return arrow.vectorFromArray(col.data, new arrow.Utf8());
  if (typeof sample === 'object' && !Array.isArray(sample)) {
    return arrow.vectorFromArray(col.data.map((v) => (v === null || v === undefined ? null : JSON.stringify(v))), new arrow.Utf8());
  }
  try {
    return arrow.vectorFromArray(col.data);
  } catch {
    return arrow.vectorFromArray(col.data.map((v) => (v === null || v === undefined ? null : JSON.stringify(v))), new arrow.Utf8());
  }
}

/** A tensor column encoded as a FixedSizeList: asked for (`fixed`), or decoded from one. */
export const isFixedSizeList = (col: Extract<Column, { kind: 'tensor' }>): boolean => !!col.fixed || (!!col.arrow && arrow.DataType.isFixedSizeList(col.arrow.type));

export const ARROW_LEAF: Record<string, () => arrow.DataType> = {
  float32: () => new arrow.Float32(),
  float64: () => new arrow.Float64(),
  int32: () => new arrow.Int32(),
  int64: () => new arrow.Int64(),
};

function fixedSizeListVector(col: Extract<Column, { kind: 'tensor' }>, n: number): arrow.Vector | undefined {
  const leafType = ARROW_LEAF[col.type];
  if (!leafType || col.shape.length !== 1) return undefined;
  const child = arrow.makeData({ type: leafType() as arrow.Float32, length: col.data.length, data: col.data as Float32Array });
  const type = new arrow.FixedSizeList(col.shape[0]!, new arrow.Field('item', child.type, false));
  return arrow.makeVector(arrow.makeData({ type, length: n, child }));
}

/**
 * Sets `times[from, to)` to the timestamp `ms`: one BigInt conversion, then `fillRepeated` over the same bytes seen
 * as float64 words (`fill` with a BigInt, or copies on the BigInt64Array itself, go element by element: ≈2.5×
 * slower at 10,000 rows; copyWithin moves bytes, not values, so the bits are kept).
 */
export function fillTime(times: BigInt64Array, ms: number, from: number, to: number): BigInt64Array {
  if (to <= from) return times;
  times[from] = BigInt(ms);
  const words = new Float64Array(times.buffer, times.byteOffset + from * 8, to - from);
  fillRepeated(words, words.subarray(0, 1));
  return times;
}

/** The `time` column of `frames` laid end to end: each frame's rows get its time. */
export function frameTimes(frames: ResultFrame[], times: BigInt64Array): BigInt64Array {
  for (let at = 0, i = 0; i < frames.length; at += frames[i]!.numRows, i++) fillTime(times, frames[i]!.time, at, at + frames[i]!.numRows);
  return times;
}

/** Fills `out` with copies of `unit` in O(log n) copies. */
function fillRepeated<T extends Uint8Array | Float64Array>(out: T, unit: T): void {
  if (unit.length === 0 || out.length === 0) return;
  out.set(unit, 0);
  let filled = unit.length;
  while (filled < out.length) {
    const k = Math.min(filled, out.length - filled);
    out.copyWithin(filled, 0, k);
    filled += k;
  }
}

function boolVector(flags: Uint8Array): arrow.Vector {
  return arrow.makeVector(arrow.makeData({ type: new arrow.Bool(), length: flags.length, data: packBits(flags, new Uint8Array((flags.length + 7) >> 3)) }));
}

/** Arrow's bit-packed bools: flag i (non-zero = true) as bit i%8 of byte i/8 of `bits` (≥ ⌈n/8⌉ bytes). */
export function packBits(flags: Uint8Array, bits: Uint8Array): Uint8Array {
  const n = flags.length;
  const whole = n >> 3;
  if (n & 7) bits[whole] = 0;
  // Eight flags per byte without a branch per flag (the bench's validation column is 10,000 of them per request).
  for (let j = 0, i = 0; j < whole; j++, i += 8) {
    bits[j] =
      +!!flags[i] | (+!!flags[i + 1] << 1) | (+!!flags[i + 2] << 2) | (+!!flags[i + 3] << 3) | (+!!flags[i + 4] << 4) | (+!!flags[i + 5] << 5) | (+!!flags[i + 6] << 6) | (+!!flags[i + 7] << 7);
  }
  for (let i = whole << 3; i < n; i++) if (flags[i]) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

/** The same string (Utf8) or list of numbers (List<Float64>) in every row, built without per-row objects. */
function constantVector(v: unknown, n: number): arrow.Vector | undefined {
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    const data = new Uint8Array(bytes.length * n);
    fillRepeated(data, bytes);
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = i * bytes.length;
    return arrow.makeVector(arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: offsets, data }));
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    const w = v.length;
    const values = new Float64Array(w * n);
    fillRepeated(values, Float64Array.from(v as number[]));
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = i * w;
    const child = arrow.makeData({ type: new arrow.Float64(), length: w * n, data: values });
    return arrow.makeVector(arrow.makeData({ type: new arrow.List(new arrow.Field('item', new arrow.Float64(), false)), length: n, valueOffsets: offsets, child }));
  }
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') {
    const inner = constantVector(v[0], n)!;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = i;
    return arrow.makeVector(arrow.makeData({ type: new arrow.List(new arrow.Field('item', new arrow.Utf8(), false)), length: n, valueOffsets: offsets, child: inner.data[0]! }));
  }
  return undefined;
}

function rows(col: Extract<Column, { kind: 'tensor' }>, n: number): unknown[] {
  const out: unknown[] = [];
  for (let r = 0; r < n; r++) out.push(cellNested(col, r));
  return out;
}

function cellNested(col: Extract<Column, { kind: 'tensor' }>, r: number): unknown {
  const w = rowWidth(col.shape);
  const flat = Array.from(col.data.subarray(r * w, r * w + w) as ArrayLike<number>, Number);
  const nest = (a: number[], shape: number[]): unknown[] => {
    if (shape.length <= 1) return a;
    const inner = rowWidth(shape.slice(1));
    return Array.from({ length: shape[0]! }, (_, i) => nest(a.slice(i * inner, (i + 1) * inner), shape.slice(1)));
  };
  return col.shape.length === 0 ? flat[0] : nest(flat, col.shape);
}

// ------------------------------------------------------------------------------------------------ JSON

/** Shortest decimal that reads back as the same float32 (what pyarrow and polars print: 0.0014974177). */
export function f32String(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  // Most float32 values need 8 or 9 digits: test those first, then search short representations upward.
  const s8 = v.toPrecision(8);
  if (Math.fround(Number(s8)) !== v) return String(Number(v.toPrecision(9)));
  const s7 = v.toPrecision(7);
  if (Math.fround(Number(s7)) !== v) return String(Number(s8));
  for (let p = 1; p < 7; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(s7));
}

type CellWriter = (row: number) => string;

function writerFor(col: Column, n: number): CellWriter {
  if (col.raw) {
    const raw = col.raw;
    return (r) => JSON.stringify(raw[r] ?? null);
  }
  if (col.kind === 'values') return (r) => jsonValue(col.data[r]);
  const w = rowWidth(col.shape);
  const num: (v: number | bigint) => string =
    col.type === 'float32' ? (v) => f32String(v as number)
    : col.type === 'bool' ? (v) => (v ? 'true' : 'false')
    : (v) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? String(Number(v)) : `"${v}"`) : Number.isFinite(v) ? String(v) : 'null');
  const data = col.data as ArrayLike<number | bigint>;
  if (col.shape.length === 0) return (r) => num(data[r]!);
  if (col.shape.length === 1) {
    return (r) => {
      let s = '[';
      for (let i = r * w, e = r * w + w; i < e; i++) s += (i > r * w ? ',' : '') + num(data[i]!);
      return s + ']';
    };
  }
  void n;
  return (r) => jsonValue(cellNested(col, r));
}

function jsonValue(v: unknown): string {
  return JSON.stringify(v ?? null, (_k, x) => (typeof x === 'bigint' ? (Number.isSafeInteger(Number(x)) ? Number(x) : String(x)) : x)) ?? 'null';
}

/** pandas-records JSON (`[{"time": 1700000000000, "in.tensor": [...], "out.dense_1": [...], ...}]`). */
export function encodePandasRecords(result: ResultFrame): string {
  const names = [...(result.omitTime ? [] : ['time']), ...result.columns.keys()];
  const keys = names.map((k) => JSON.stringify(k) + ':');
  const writers: CellWriter[] = [...(result.omitTime ? [] : [() => String(result.time)]), ...[...result.columns.values()].map((c) => writerFor(c, result.numRows))];
  const parts: string[] = new Array(result.numRows);
  for (let r = 0; r < result.numRows; r++) {
    let s = '{';
    for (let c = 0; c < writers.length; c++) s += (c ? ',' : '') + keys[c] + writers[c]!(r);
    parts[r] = s + '}';
  }
  return '[' + parts.join(',') + ']';
}
