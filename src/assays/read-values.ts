import { readFile } from 'node:fs/promises';
import { tableFromIPC, type Table } from 'apache-arrow';
import { JoeyError } from '../model/index.js';

export interface ReadOptions {
  /** Column to read from a CSV with a header or an Arrow file with several columns. */
  column?: string;
  /** For list columns (e.g. `out.variable: list<float>`): which element. Default 0. */
  index?: number;
}

const ARROW_MAGIC = 'ARROW1';

/**
 * Reads numbers from a file: a JSON array of numbers (or of one-element lists), a CSV with one column
 * (or `column` picked by header), or an Arrow IPC file/stream (one numeric column, or `column`; list columns
 * give their `index`th element).
 */
export async function readValuesFile(file: string, opts: ReadOptions = {}): Promise<Float64Array> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new JoeyError('file_not_found', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (buf.subarray(0, 6).toString('latin1') === ARROW_MAGIC || isArrowStream(buf)) return fromArrow(file, buf, opts);
  const text = buf.toString('utf8').trim();
  if (text.startsWith('[')) return fromJson(file, text, opts);
  return fromCsv(file, text, opts);
}

function isArrowStream(buf: Buffer): boolean {
  // IPC stream: continuation marker 0xFFFFFFFF then a message length
  return buf.length > 8 && buf.readUInt32LE(0) === 0xffffffff;
}

function bad(file: string, msg: string): JoeyError {
  return new JoeyError('bad_values_file', `${file}: ${msg}`);
}

function fromJson(file: string, text: string, opts: ReadOptions): Float64Array {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw bad(file, `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw bad(file, 'expected a JSON array of numbers');
  const idx = opts.index ?? 0;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    let v = data[i];
    if (Array.isArray(v)) v = v[idx];
    if (v === null) v = NaN; // JSON has no NaN; null stands for a missing value
    if (typeof v === 'string' && /^[+-]?(nan|inf(inity)?)$/i.test(v.trim())) v = Number(v.trim().replace(/^([+-]?)inf$/i, '$1Infinity').replace(/^nan$/i, 'NaN'));
    if (typeof v !== 'number') throw bad(file, `element ${i} is ${JSON.stringify(data[i])}, not a number`);
    out[i] = v;
  }
  return out;
}

function parseNumber(s: string): number {
  const t = s.trim();
  if (/^[+-]?(nan)$/i.test(t)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return t === '' ? NaN : Number(t);
}

function fromCsv(file: string, text: string, opts: ReadOptions): Float64Array {
  if (text === '') return new Float64Array(0);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const split = (l: string) => l.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const first = split(lines[0]!);
  const hasHeader = first.some((c) => c !== '' && Number.isNaN(parseNumber(c)) && !/^[+-]?nan$/i.test(c));
  let col = 0;
  if (hasHeader) {
    if (opts.column !== undefined) {
      col = first.indexOf(opts.column);
      // a one-column file needs no picking: --column names the column of the other (multi-column) input
      if (col < 0 && first.length === 1) col = 0;
      if (col < 0) throw bad(file, `no column "${opts.column}" (columns: ${first.join(', ')})`);
    } else if (first.length > 1) {
      throw bad(file, `has ${first.length} columns (${first.join(', ')}); pick one with --column`);
    }
  } else if (first.length > 1) {
    throw bad(file, `has ${first.length} columns and no header; give a one-column CSV`);
  }
  const rows = hasHeader ? lines.slice(1) : lines;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const cell = split(rows[i]!)[col] ?? '';
    const v = parseNumber(cell);
    if (Number.isNaN(v) && !/^[+-]?nan$/i.test(cell.trim())) {
      throw bad(file, `line ${i + (hasHeader ? 2 : 1)}: "${cell}" is not a number`);
    }
    out[i] = v;
  }
  return out;
}

function fromArrow(file: string, buf: Buffer, opts: ReadOptions): Float64Array {
  let table: Table;
  try {
    table = tableFromIPC(buf);
  } catch (err) {
    throw bad(file, `not a readable Arrow IPC file (${(err as Error).message})`);
  }
  const names = table.schema.fields.map((f) => f.name);
  let name = opts.column;
  if (name !== undefined && names.length === 1 && !names.includes(name)) name = names[0]!;
  if (name === undefined) {
    if (names.length !== 1) throw bad(file, `has ${names.length} columns (${names.join(', ')}); pick one with --column`);
    name = names[0]!;
  }
  const vec = table.getChild(name);
  if (!vec) throw bad(file, `no column "${name}" (columns: ${names.join(', ')})`);
  return columnValues(vec, opts.index ?? 0, `${file}: column "${name}"`);
}

type NumericData = { length: number; values: ArrayLike<number | bigint>; nullCount: number; getValid(i: number): boolean; typeId: number; type: { precision?: number } };
type ListData = NumericData & { valueOffsets: Int32Array; children: NumericData[] };

/**
 * Fast path over the buffers for the log layout (a list of floats/ints per row, or plain numbers): no per-row
 * objects. Returns undefined for anything else (the generic path handles it).
 */
function fastColumnValues(vec: { length: number; data?: readonly unknown[] }, index: number): Float64Array | undefined {
  const chunks = vec.data as readonly ListData[] | undefined;
  if (!chunks) return undefined;
  // Int (not 64-bit: bigint values) and Float (not half precision: raw uint16 bits)
  const isNum = (d: NumericData) => (d.typeId === 2 || (d.typeId === 3 && d.type?.precision !== 0)) && !!d.values && typeof d.values[0] !== 'bigint';
  const out = new Float64Array(vec.length);
  let k = 0;
  for (const d of chunks) {
    if (d.typeId === 12 && d.children?.length === 1 && isNum(d.children[0]!) && d.valueOffsets) {
      const child = d.children[0]!;
      const vals = child.values as ArrayLike<number>;
      const offs = d.valueOffsets;
      for (let i = 0; i < d.length; i++) {
        const begin = offs[i]!;
        const j = begin + index;
        out[k++] = (d.nullCount > 0 && !d.getValid(i)) || j >= offs[i + 1]! || (child.nullCount > 0 && !child.getValid(j)) ? NaN : vals[j]!;
      }
    } else if (isNum(d)) {
      const vals = d.values as ArrayLike<number>;
      for (let i = 0; i < d.length; i++) out[k++] = d.nullCount > 0 && !d.getValid(i) ? NaN : vals[i]!;
    } else return undefined;
  }
  return k === vec.length ? out : undefined;
}

/** Numbers from an Arrow vector of numbers, or of lists of numbers (element `index`). Nulls become NaN. */
export function columnValues(vec: { length: number; get(i: number): unknown; type: { typeId: number }; data?: readonly unknown[] }, index: number, what: string): Float64Array {
  const fast = fastColumnValues(vec, index);
  if (fast) return fast;
  const out = new Float64Array(vec.length);
  for (let i = 0; i < vec.length; i++) {
    let v = vec.get(i) as unknown;
    if (v !== null && typeof v === 'object' && typeof (v as { get?: unknown }).get === 'function') {
      v = (v as { get(i: number): unknown }).get(index);
    }
    if (v === null || v === undefined) out[i] = NaN;
    else if (typeof v === 'number') out[i] = v;
    else if (typeof v === 'bigint') out[i] = Number(v);
    else throw new JoeyError('bad_values_file', `${what} holds ${typeof v} values, not numbers`);
  }
  return out;
}
