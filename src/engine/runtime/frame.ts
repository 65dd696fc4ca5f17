import type { Vector } from 'apache-arrow';

/** Element types a tensor column can hold (the ONNX names). */
export type TensorType = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A column of a frame, stored columnar:
 * - `tensor`: every row holds a numeric array of the same `shape` (`[]` = one number per row); `data` is row-major,
 *   `rows × prod(shape)` long. This is what goes to (and comes from) an ONNX session without per-row work.
 * - `values`: anything else (strings, booleans, ragged or mixed lists, objects, nulls), one JS value per row.
 * `arrow` keeps the vector the column was decoded from, so Arrow answers echo inputs without re-encoding.
 * `raw` keeps the per-row JSON values a pandas-records request carried, for the same reason.
 * `fixed` asks for an Arrow FixedSizeList (rather than List) when the column is encoded.
 * `constant` marks a `values` column whose rows all hold the same value (per-request metadata), encoded without per-row work.
 */
export type Column =
  | { kind: 'tensor'; type: TensorType; data: NumericArray; shape: number[]; arrow?: Vector; raw?: unknown[]; fixed?: boolean }
  | { kind: 'values'; data: unknown[]; arrow?: Vector; raw?: unknown[]; constant?: boolean };

/** An ordered set of equally long columns. */
export interface Frame {
  numRows: number;
  columns: Map<string, Column>;
}

export const rowWidth = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export function describeShape(shape: number[]): string {
  return `[N${shape.map((d) => `, ${d}`).join('')}]`;
}

/** The per-row value of a column as a plain JS value (nested arrays for tensors). */
export function cellOf(col: Column, row: number): unknown {
  if (col.raw) return col.raw[row];
  if (col.kind === 'values') return col.data[row];
  const w = rowWidth(col.shape);
  if (col.shape.length === 0) return toNumber(col.data[row]!);
  const flat = Array.from(col.data.subarray(row * w, row * w + w) as ArrayLike<number | bigint>, toNumber);
  return nest(flat, col.shape);
}

const toNumber = (v: number | bigint): number => (typeof v === 'bigint' ? Number(v) : v);

function nest(flat: number[], shape: number[]): unknown[] {
  if (shape.length <= 1) return flat;
  const inner = rowWidth(shape.slice(1));
  const out: unknown[] = [];
  for (let i = 0; i < shape[0]!; i++) out.push(nest(flat.slice(i * inner, (i + 1) * inner), shape.slice(1)));
  return out;
}

/** Rows `idx` of a column, in that order (for A/B splits). */
export function takeRows(col: Column, idx: Int32Array): Column {
  if (col.kind === 'values') return { kind: 'values', data: Array.from(idx, (i) => col.data[i]) };
  const w = rowWidth(col.shape);
  const Ctor = col.data.constructor as new (n: number) => NumericArray;
  const out = new Ctor(idx.length * w);
  for (let k = 0; k < idx.length; k++) {
    const s = idx[k]! * w;
    (out as Float32Array).set((col.data as Float32Array).subarray(s, s + w), k * w);
  }
  return { kind: 'tensor', type: col.type, data: out, shape: col.shape };
}

export function takeFrame(frame: Frame, idx: Int32Array): Frame {
  const columns = new Map<string, Column>();
  for (const [k, c] of frame.columns) columns.set(k, takeRows(c, idx));
  return { numRows: idx.length, columns };
}
