import * as arrow from 'apache-arrow';
import pl from 'nodejs-polars';
import { columnsOf, compileExpression, parseExpression, type ExprNode } from '../../expr/index.js';
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
  /** The same expression evaluated in JS, when it has a shape `fastEvaluator` handles. */
  fast: FastEval | undefined;
}

/** Per-row flags, or undefined when this frame needs polars after all (NaN values, index out of range). */
type FastEval = (frame: Frame) => Uint8Array | undefined;
type NumAt = (frame: Frame) => { at: (r: number) => number; float: boolean } | undefined;

const CMP: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};
const FAST_TYPES = new Set(['float32', 'float64', 'int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32']);

/** `pl.col(c)` on a one-number-per-row tensor, or `pl.col(c).list.get(k)/.first()/.last()` on a list tensor. */
function numericOf(n: ExprNode): NumAt | undefined {
  let name: string;
  let index: number | undefined;
  if (n.type === 'col') name = n.name;
  else if (n.type === 'list' && n.target.type === 'col' && (n.method === 'first' || n.method === 'last' || n.method === 'get')) {
    name = n.target.name;
    if (n.method === 'first') index = 0;
    else if (n.method === 'last') index = -1;
    else {
      const a = n.args[0];
      const v = a?.type === 'lit' ? a.value : a?.type === 'unary' && a.op === '-' && a.operand.type === 'lit' && typeof a.operand.value === 'number' ? -a.operand.value : undefined;
      if (n.args.length !== 1 || typeof v !== 'number' || !Number.isInteger(v)) return undefined;
      index = v;
    }
  } else return undefined;
  return (frame) => {
    const c = frame.columns.get(name);
    if (!c || c.kind !== 'tensor' || !FAST_TYPES.has(c.type)) return undefined;
    const data = c.data as Float32Array;
    const float = c.type === 'float32' || c.type === 'float64';
    if (index === undefined) return c.shape.length === 0 ? { at: (r) => data[r]!, float } : undefined;
    const w = c.shape[0]!;
    if (c.shape.length !== 1 || index >= w || index < -w) return undefined; // polars decides what out of range means
    const k = index < 0 ? w + index : index;
    return { at: (r) => data[r * w + k]!, float };
  };
}

const numLit = (n: ExprNode): number | undefined => {
  if (n.type === 'lit' && typeof n.value === 'number') return n.value;
  if (n.type === 'unary' && n.op === '-' && n.operand.type === 'lit' && typeof n.operand.value === 'number') return -n.operand.value;
  return undefined;
};

/**
 * A JS evaluator for the common validation shape — comparisons of a number (a column, or one element of a list
 * column) with a number literal, combined with `&`, `|`, `~` — or undefined for anything else. It gives exactly
 * polars' answers (values are compared as float64, as polars does for float32 columns against a literal); frames
 * holding NaN (which polars orders above every number) go to polars. Saves polars' per-call cost (~0.1–1 ms,
 * mostly handing the query to its thread pool) on every inference.
 */
export function fastEvaluator(n: ExprNode): FastEval | undefined {
  if (n.type === 'binary' && n.op in CMP) {
    let num = numericOf(n.left);
    let lit = numLit(n.right);
    let op = n.op;
    if (!num || lit === undefined) {
      num = numericOf(n.right);
      lit = numLit(n.left);
      op = ({ '>': '<', '>=': '<=', '<': '>', '<=': '>=', '==': '==', '!=': '!=' } as const)[n.op as '>'];
    }
    if (!num || lit === undefined || !Number.isFinite(lit)) return undefined;
    const cmp = CMP[op]!;
    const b = lit;
    const get = num;
    return (frame) => {
      const g = get(frame);
      if (!g) return undefined;
      const out = new Uint8Array(frame.numRows);
      for (let r = 0; r < frame.numRows; r++) {
        const a = g.at(r);
        if (g.float && a !== a) return undefined; // NaN
        out[r] = cmp(a, b) ? 1 : 0;
      }
      return out;
    };
  }
  if (n.type === 'binary' && (n.op === '&' || n.op === '|')) {
    const l = fastEvaluator(n.left);
    const r = fastEvaluator(n.right);
    if (!l || !r) return undefined;
    const and = n.op === '&';
    return (frame) => {
      const a = l(frame);
      const b = a && r(frame);
      if (!a || !b) return undefined;
      for (let i = 0; i < a.length; i++) a[i] = and ? a[i]! & b[i]! : a[i]! | b[i]!;
      return a;
    };
  }
  if (n.type === 'unary' && n.op === '~') {
    const inner = fastEvaluator(n.operand);
    if (!inner) return undefined;
    return (frame) => {
      const a = inner(frame);
      if (a) for (let i = 0; i < a.length; i++) a[i] = a[i]! ^ 1;
      return a;
    };
  }
  if (n.type === 'method' && n.method === 'alias') return fastEvaluator(n.target);
  return undefined;
}

/**
 * A pipeline's validations, parsed and compiled once per deployment, evaluated with polars over the
 * inference result (`in.*`, `out.*` columns). `count` is reserved and skipped, as on the platform.
 */
export class Validations {
  private readonly compiled: Compiled[];
  readonly skipped: string[] = [];

  /** `fast: false` always evaluates with polars (tests compare both). */
  constructor(specs: Record<string, string>, opts: { fast?: boolean } = {}) {
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
        const fast = opts.fast === false ? undefined : fastEvaluator(ast);
        return { name, expr: compileExpression(ast).cast(pl.Bool).alias(name), columns: columnsOf(ast), fast };
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
    if (this.compiled.every((c) => c.fast)) {
      const flags = this.compiled.map((c) => c.fast!(frame));
      if (flags.every((f) => f)) {
        for (const f of flags) for (let i = 0; i < n; i++) count[i] += f![i]!;
        return { names: this.names, flags: flags as Uint8Array[], count };
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

export const ARROW_TYPES: Record<string, () => arrow.DataType> = {
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
  const type = new arrow.List(new arrow.Field('item', leaf.type, false));
  return arrow.makeVector(arrow.makeData({ type, length: numRows, valueOffsets: listOffsets(numRows, col.shape[0]!), child: leaf }));
}

/**
 * Offsets of `n` lists of `w` values each. Arrow data is immutable, so the last few are kept and shared: every
 * request of a deployment has the same shapes.
 */
export function listOffsets(n: number, w: number): Int32Array {
  const key = `${n}x${w}`;
  let offsets = offsetsCache.get(key);
  if (!offsets) {
    offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = i * w;
    if (offsetsCache.size >= 16) offsetsCache.delete(offsetsCache.keys().next().value!);
    offsetsCache.set(key, offsets);
  }
  return offsets;
}
const offsetsCache = new Map<string, Int32Array>();

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
