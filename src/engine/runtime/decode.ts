import * as arrow from 'apache-arrow';
import { JoeyError } from '../../model/index.js';
import { rowWidth, type Column, type Frame, type NumericArray, type TensorType } from './frame.js';

export type InputFormat = 'json' | 'arrow';

export const badInput = (msg: string) => new JoeyError('bad_input', msg, { status: 400 });

/** `values` columns that could not become tensors say why, for the error a model step gives. */
export type ValuesColumn = Extract<Column, { kind: 'values' }> & { problem?: string };

/** Decodes a request body: pandas-records JSON (`[{"tensor": [...]}, ...]`) or Arrow IPC (file or stream). */
export function decodeInput(body: Uint8Array | string, format: InputFormat): Frame {
  return format === 'arrow' ? decodeArrow(body) : decodePandasRecords(body);
}

// ------------------------------------------------------------------------------------------------ JSON

export function decodePandasRecords(body: Uint8Array | string): Frame {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.trim() === '') throw badInput('the request body is empty; send pandas-records JSON like [{"tensor": [1.0, 2.0]}]');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw badInput(`the request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc)) {
    throw badInput('expected pandas-records JSON: an array of row objects like [{"tensor": [1.0, 2.0]}]');
  }
  if (doc.length === 0) throw badInput('the input has no rows');
  const names: string[] = [];
  const seen = new Set<string>();
  for (let r = 0; r < doc.length; r++) {
    const rec = doc[r];
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw badInput(`row ${r} is not an object; expected pandas-records JSON`);
    for (const k of Object.keys(rec)) if (!seen.has(k)) (seen.add(k), names.push(k));
  }
  if (names.length === 0) throw badInput('the input rows have no columns');
  const columns = new Map<string, Column>();
  for (const name of names) {
    const raw = new Array<unknown>(doc.length);
    for (let r = 0; r < doc.length; r++) {
      const v = (doc[r] as Record<string, unknown>)[name];
      raw[r] = v === undefined ? null : v;
    }
    columns.set(name, columnFromJson(raw));
  }
  return { numRows: doc.length, columns };
}

function shapeOf(v: unknown): number[] | undefined {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) return shape;
    cur = cur[0];
  }
  return typeof cur === 'number' ? shape : undefined;
}

/** Numbers or equally shaped nested number lists become a Float64 tensor; anything else stays as values. */
function columnFromJson(raw: unknown[]): Column {
  const shape = shapeOf(raw[0]);
  if (!shape) return values(raw, describeOdd(raw[0], 0));
  const w = rowWidth(shape);
  const data = new Float64Array(raw.length * w);
  if (shape.length === 0) {
    for (let r = 0; r < raw.length; r++) {
      const v = raw[r];
      if (typeof v !== 'number') return values(raw, describeOdd(v, r));
      data[r] = v;
    }
    return { kind: 'tensor', type: 'float64', data, shape, raw };
  }
  for (let r = 0; r < raw.length; r++) {
    const problem = flattenInto(raw[r], shape, 0, data, r * w, r);
    if (problem) return values(raw, problem);
  }
  return { kind: 'tensor', type: 'float64', data, shape, raw };
}

function values(raw: unknown[], problem?: string): ValuesColumn {
  return { kind: 'values', data: raw, raw, problem };
}

function describeOdd(v: unknown, row: number): string {
  if (v === null) return `row ${row} is null`;
  if (typeof v === 'string') return `row ${row} holds a string (${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)})`;
  if (Array.isArray(v)) {
    // Point at the first element that is not a number (or list).
    const path: number[] = [];
    let cur: unknown = v;
    while (Array.isArray(cur) && cur.length) {
      const i = cur.findIndex((x) => typeof x !== 'number');
      if (i < 0) break;
      path.push(i);
      cur = cur[i];
    }
    if (path.length && !Array.isArray(cur)) {
      const what = typeof cur === 'string' ? `a string (${JSON.stringify(cur.length > 20 ? cur.slice(0, 20) + '…' : cur)})` : cur === null ? 'null' : `a ${typeof cur}`;
      return `row ${row} holds ${what} at position ${path.join('/')}`;
    }
    return `row ${row} holds a list that is not all numbers`;
  }
  return `row ${row} holds a ${typeof v}`;
}

/** Copies one row's nested list into `out`; returns a problem description instead of throwing. */
function flattenInto(v: unknown, shape: number[], depth: number, out: Float64Array, at: number, row: number): string | undefined {
  if (!Array.isArray(v)) return describeOdd(v, row);
  const want = shape[depth]!;
  if (v.length !== want) {
    return `rows have different shapes: row ${row} has ${v.length} values${depth ? ` at depth ${depth + 1}` : ''} where row 0 has ${want}`;
  }
  if (depth === shape.length - 1) {
    for (let i = 0; i < want; i++) {
      const x = v[i];
      if (typeof x !== 'number') {
        return typeof x === 'string'
          ? `row ${row} holds a string (${JSON.stringify(x.length > 20 ? x.slice(0, 20) + '…' : x)}) at position ${i}`
          : `row ${row} holds ${x === null ? 'null' : `a ${Array.isArray(x) ? 'list' : typeof x}`} at position ${i}`;
      }
      out[at + i] = x;
    }
    return undefined;
  }
  const inner = rowWidth(shape.slice(depth + 1));
  for (let i = 0; i < want; i++) {
    const p = flattenInto(v[i], shape, depth + 1, out, at + i * inner, row);
    if (p) return p;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------ Arrow

export function decodeArrow(body: Uint8Array | string): Frame {
  if (typeof body === 'string') throw badInput('an Arrow request needs a binary body');
  if (body.byteLength === 0) throw badInput('the request body is empty; send an Arrow IPC file or stream');
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(body);
  } catch (e) {
    throw badInput(`the request body is not Arrow IPC (file or stream): ${(e as Error).message}`);
  }
  if (table.numCols === 0) throw badInput('the request body is not Arrow IPC (file or stream) with at least one column');
  if (table.numRows === 0) throw badInput('the input has no rows');
  const columns = new Map<string, Column>();
  for (const field of table.schema.fields) {
    const vec = table.getChild(field.name)!;
    columns.set(field.name, columnFromArrow(vec));
  }
  return { numRows: table.numRows, columns };
}

const TENSOR_TYPES: Record<string, TensorType> = {
  Float32: 'float32',
  Float64: 'float64',
  Int8: 'int8',
  Int16: 'int16',
  Int32: 'int32',
  Int64: 'int64',
  Uint8: 'uint8',
  Uint16: 'uint16',
  Uint32: 'uint32',
  Uint64: 'uint64',
};

function leafType(t: arrow.DataType): arrow.DataType {
  let cur = t;
  while (arrow.DataType.isFixedSizeList(cur) || arrow.DataType.isList(cur)) cur = cur.children[0]!.type;
  return cur;
}

function columnFromArrow(vec: arrow.Vector): Column {
  const leaf = leafType(vec.type);
  const ttype = arrow.DataType.isInt(leaf) || arrow.DataType.isFloat(leaf) ? TENSOR_TYPES[arrow.Type[leaf.typeId] as string] ?? typeName(leaf) : undefined;
  if (ttype && vec.nullCount === 0) {
    const parts: { data: NumericArray; shape: number[] }[] = [];
    let problem: string | undefined;
    let rowBase = 0;
    for (const d of vec.data) {
      const r = tensorFromData(d, rowBase);
      if ('problem' in r) {
        problem = r.problem;
        break;
      }
      parts.push(r);
      rowBase += d.length;
    }
    if (!problem) {
      const shape = parts[0]?.shape ?? [];
      const mismatch = parts.find((p) => p.shape.join() !== shape.join());
      if (!mismatch) {
        const data = parts.length === 1 ? parts[0]!.data : concatTyped(parts.map((p) => p.data));
        return { kind: 'tensor', type: ttype as TensorType, data, shape, arrow: vec };
      }
      problem = `rows have different shapes: ${JSON.stringify(mismatch.shape)} vs ${JSON.stringify(shape)}`;
    }
    return { kind: 'values', data: vectorValues(vec), arrow: vec, problem } as ValuesColumn;
  }
  const problem = vec.nullCount ? `the column has ${vec.nullCount} null rows` : leaf !== vec.type || ttype === undefined ? `its Arrow type is ${vec.type}` : undefined;
  return { kind: 'values', data: vectorValues(vec), arrow: vec, problem } as ValuesColumn;
}

function typeName(t: arrow.DataType): TensorType | undefined {
  if (arrow.DataType.isFloat(t)) return (['float32', 'float32', 'float64'] as const)[t.precision] ?? undefined;
  if (arrow.DataType.isInt(t)) return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}` as TensorType;
  return undefined;
}

/** A chunk of a (nested) list-of-numbers column as one typed array, when every row has the same shape. */
function tensorFromData(d: arrow.Data, rowBase: number): { data: NumericArray; shape: number[] } | { problem: string } {
  // apache-arrow slices buffers eagerly: indices below are local to each Data; list offsets index the (unsliced) child.
  const shape: number[] = [];
  let start = 0;
  let end = d.length;
  let cur: arrow.Data = d;
  for (;;) {
    if (cur.nullCount > 0) return { problem: 'the column has null values inside its lists' };
    if (arrow.DataType.isFixedSizeList(cur.type)) {
      const size = cur.type.listSize;
      shape.push(size);
      start *= size;
      end *= size;
      cur = cur.children[0]!;
      continue;
    }
    if (arrow.DataType.isList(cur.type)) {
      const offs = cur.valueOffsets as Int32Array;
      const w = end > start ? offs[start + 1]! - offs[start]! : 0;
      for (let i = start; i < end; i++) {
        const len = offs[i + 1]! - offs[i]!;
        if (len !== w) return { problem: `rows have different lengths: row ${rowBase + i} has ${len} values where row ${rowBase} has ${w}` };
      }
      shape.push(w);
      const s = offs[start]!;
      const e = offs[end]!;
      cur = cur.children[0]!;
      start = s;
      end = e;
      continue;
    }
    const vals = cur.values as NumericArray;
    return { data: vals.subarray(start, end) as NumericArray, shape };
  }
}

function concatTyped(parts: NumericArray[]): NumericArray {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const Ctor = parts[0]!.constructor as new (n: number) => NumericArray;
  const out = new Ctor(n);
  let at = 0;
  for (const p of parts) {
    (out as Float32Array).set(p as Float32Array, at);
    at += p.length;
  }
  return out;
}

/** Plain JS values of an Arrow vector (lists become arrays, bigints numbers when safe). */
export function vectorValues(vec: arrow.Vector): unknown[] {
  const out = new Array<unknown>(vec.length);
  for (let i = 0; i < vec.length; i++) out[i] = plain(vec.get(i));
  return out;
}

function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof arrow.Vector) return Array.from(v as Iterable<unknown>, plain);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, plain);
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON(): unknown }).toJSON();
  return v;
}
