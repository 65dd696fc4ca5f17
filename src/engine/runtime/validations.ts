import * as arrow from 'apache-arrow';
import pl from 'nodejs-polars';
import { columnsOf, compileExpression, parseExpression } from '../../expr/index.js';
import { JoeyError } from '../../model/index.js';
import { type Column, type Frame } from './frame.js';

export interface ValidationResult {
  /** Validation names, sorted (the order of the `anomaly.<name>` columns). */
  names: string[];
  /** Per validation, per row: 1 = anomaly (the expression was True), 0 otherwise (False or null). */
  flags: Uint8Array[];
  /** Per row, how many validations were True. */
  count: Int8Array;
}

interface Compiled {
  name: string;
  expr: pl.Expr;
  columns: string[];
}

/**
 * A pipeline's validations, parsed and compiled once per deployment, evaluated with polars over the
 * inference result (`in.*`, `out.*` columns). `count` is reserved and skipped, as on the platform.
 */
export class Validations {
  private readonly compiled: Compiled[];
  readonly skipped: string[] = [];

  constructor(specs: Record<string, string>) {
    this.compiled = Object.keys(specs)
      .filter((n) => (n === 'count' ? (this.skipped.push(n), false) : true))
      .sort()
      .map((name) => {
        let ast;
        try {
          ast = parseExpression(specs[name]!);
        } catch (e) {
          throw new JoeyError('invalid_expression', `validation "${name}": ${(e as Error).message}`, { status: 400, cause: e });
        }
        return { name, expr: compileExpression(ast).cast(pl.Bool).alias(name), columns: columnsOf(ast) };
      });
  }

  get names(): string[] {
    return this.compiled.map((c) => c.name);
  }

  run(frame: Frame): ValidationResult {
    const n = frame.numRows;
    const count = new Int8Array(n);
    if (this.compiled.length === 0) return { names: [], flags: [], count };
    const needed = [...new Set(this.compiled.flatMap((c) => c.columns))];
    for (const c of this.compiled) {
      const missing = c.columns.find((k) => !frame.columns.has(k));
      if (missing) {
        const have = [...frame.columns.keys()].filter((k) => k !== 'time').join(', ');
        throw new JoeyError('validation_failed', `validation "${c.name}" reads column "${missing}", which this inference does not have (columns: ${have})`, {
          status: 400,
        });
      }
    }
    let result: arrow.Table;
    try {
      const df = toPolars(frame, needed);
      const out = df.lazy().select(...this.compiled.map((c) => c.expr)).collectSync();
      result = arrow.tableFromIPC(out.writeIPCStream());
    } catch (e) {
      if (e instanceof JoeyError) throw e;
      throw new JoeyError('validation_failed', `validations could not be evaluated: ${(e as Error).message}`, { status: 400, cause: e });
    }
    const flags = this.compiled.map((c) => {
      const vec = result.getChild(c.name)!;
      const f = boolFlags(vec, n);
      for (let i = 0; i < n; i++) count[i] += f[i]!;
      return f;
    });
    return { names: this.names, flags, count };
  }
}

/** 0/1 per row from a polars boolean result; a length-1 result (an aggregation) applies to every row. */
function boolFlags(vec: arrow.Vector, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (vec.length === 1) return out.fill(vec.get(0) ? 1 : 0);
  let at = 0;
  for (const d of vec.data) {
    const bits = d.values as Uint8Array;
    const valid = d.nullBitmap;
    for (let i = 0; i < d.length; i++) {
      const j = d.offset + i;
      const v = (bits[j >> 3]! >> (j & 7)) & 1;
      const ok = !valid || valid.length === 0 || d.nullCount === 0 ? 1 : (valid[j >> 3]! >> (j & 7)) & 1;
      out[at++] = v & ok;
    }
  }
  return out;
}

const ARROW_TYPES: Record<string, () => arrow.DataType> = {
  float32: () => new arrow.Float32(),
  float64: () => new arrow.Float64(),
  int8: () => new arrow.Int8(),
  int16: () => new arrow.Int16(),
  int32: () => new arrow.Int32(),
  int64: () => new arrow.Int64(),
  uint8: () => new arrow.Uint8(),
  uint16: () => new arrow.Uint16(),
  uint32: () => new arrow.Uint32(),
  uint64: () => new arrow.Uint64(),
};

/** An Arrow vector for a tensor column: a plain numeric column for [N], a list column for [N, w]. */
export function tensorVector(col: Extract<Column, { kind: 'tensor' }>, numRows: number): arrow.Vector | undefined {
  const mk = ARROW_TYPES[col.type];
  if (!mk || col.shape.length > 1) return undefined;
  const leaf = arrow.makeData({ type: mk() as arrow.Float32, length: col.data.length, data: col.data as Float32Array });
  if (col.shape.length === 0) return arrow.makeVector(leaf);
  const w = col.shape[0]!;
  const offsets = new Int32Array(numRows + 1);
  for (let i = 0; i <= numRows; i++) offsets[i] = i * w;
  const type = new arrow.List(new arrow.Field('item', leaf.type, false));
  return arrow.makeVector(arrow.makeData({ type, length: numRows, valueOffsets: offsets, child: leaf }));
}

/** The columns validations read, as a polars DataFrame (columnar through Arrow IPC where possible). */
function toPolars(frame: Frame, names: string[]): pl.DataFrame {
  const vectors: Record<string, arrow.Vector> = {};
  const slow: pl.Series[] = [];
  for (const name of names) {
    const col = frame.columns.get(name)!;
    const vec = col.kind === 'tensor' ? tensorVector(col, frame.numRows) : undefined;
    if (vec) vectors[name] = vec;
    else slow.push(pl.Series(name, col.kind === 'values' ? col.data : rowsOf(col, frame.numRows)));
  }
  let df: pl.DataFrame = Object.keys(vectors).length ? pl.readIPCStream(Buffer.from(arrow.tableToIPC(new arrow.Table(vectors), 'stream'))) : pl.DataFrame();
  for (const s of slow) df = df.width === 0 ? pl.DataFrame([s]) : (df.hstack([s]) as unknown as pl.DataFrame);
  return df;
}

function rowsOf(col: Column, n: number): unknown[] {
  const out: unknown[] = [];
  if (col.kind === 'values') return col.data;
  const w = col.data.length / n;
  for (let r = 0; r < n; r++) out.push(Array.from(col.data.subarray(r * w, r * w + w) as ArrayLike<number>));
  return out;
}
