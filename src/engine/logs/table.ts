import * as arrow from 'apache-arrow';
import { vectorValues } from '../runtime/decode.js';

const fingerprint = (t: arrow.Table) => t.schema.fields.map((f) => `${f.name}:${f.type}`).join('|');

/**
 * Concatenates tables. Without `unify`, runs of tables with the same columns become one table each (the
 * normal case: one pipeline version, one schema). With `unify`, the result is a single table over the union
 * of the columns, missing cells null (logs that span pipeline versions).
 */
export function concatTables(tables: arrow.Table[], unify = false): arrow.Table[] {
  const groups: arrow.Table[][] = [];
  for (const t of tables) {
    const last = groups[groups.length - 1];
    if (last && fingerprint(last[0]!) === fingerprint(t)) last.push(t);
    else groups.push([t]);
  }
  const merged = groups.map((g) => (g.length === 1 ? g[0]! : g[0]!.concat(...g.slice(1))));
  if (!unify || merged.length <= 1) return merged;
  const fields = new Map<string, arrow.Field>();
  for (const t of merged) for (const f of t.schema.fields) if (!fields.has(f.name)) fields.set(f.name, f);
  const aligned = merged.map((t) => {
    const vectors: Record<string, arrow.Vector> = {};
    for (const [name, f] of fields) {
      const v = t.getChild(name);
      if (v && String(v.type) === String(f.type)) vectors[name] = v;
      else vectors[name] = rebuild(v ? vectorValues(v) : new Array(t.numRows).fill(null), f.type);
    }
    return new arrow.Table(vectors);
  });
  return [aligned[0]!.concat(...aligned.slice(1))];
}

function rebuild(values: unknown[], type: arrow.DataType): arrow.Vector {
  try {
    return arrow.vectorFromArray(values, type);
  } catch {
    return arrow.vectorFromArray(values.map((v) => (v === null ? null : JSON.stringify(v))), new arrow.Utf8());
  }
}

/** Rows `idx` of a table, in that order. */
export function takeRows(t: arrow.Table, idx: Int32Array): arrow.Table {
  if (idx.length === t.numRows && idx.every((v, i) => v === i)) return t;
  const vectors: Record<string, arrow.Vector> = {};
  for (const f of t.schema.fields) {
    const v = t.getChild(f.name)!;
    vectors[f.name] = takeVector(v, idx);
  }
  return new arrow.Table(vectors);
}

function takeVector(v: arrow.Vector, idx: Int32Array): arrow.Vector {
  // Fast path: one chunk of fixed-width numbers without nulls (time, anomaly.count).
  if (v.data.length === 1 && v.nullCount === 0 && (arrow.DataType.isInt(v.type) || arrow.DataType.isFloat(v.type) || arrow.DataType.isTimestamp(v.type))) {
    const src = v.data[0]!.values as Float64Array;
    const out = new (src.constructor as new (n: number) => Float64Array)(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]!]!;
    return arrow.makeVector(arrow.makeData({ type: v.type as arrow.Float64, length: idx.length, data: out }));
  }
  const all = vectorValues(v);
  return rebuild(Array.from(idx, (i) => all[i]), v.type);
}

/**
 * The platform's dataset selection over log columns: `*` = time, in, out (with shadow `out_<model>.*`), anomaly;
 * `metadata`/`meta`; `time`; a top-level name (`in`, `out`, `anomaly`) or any column name or prefix.
 */
export function selectColumns(t: arrow.Table, dataset: string[] = ['*'], exclude: string[] = []): arrow.Table {
  const names = t.schema.fields.map((f) => f.name);
  const wants = (name: string): boolean => {
    if (name === 'time') return dataset.some((d) => d === '*' || d === 'time');
    const top = name.startsWith('out_') ? 'out' : name.split('.')[0]!;
    return dataset.some(
      (d) =>
        (d === '*' && (top === 'in' || top === 'out' || top === 'anomaly')) ||
        (d === 'meta' && top === 'metadata') ||
        d === name ||
        d === top ||
        (d === 'out_' && name.startsWith('out_')) ||
        name.startsWith(d + '.'),
    );
  };
  const excluded = (name: string) => exclude.some((d) => d === name || name.startsWith(d + '.') || (d === 'out_' && name.startsWith('out_')));
  const keep = names.filter((n) => wants(n) && !excluded(n));
  if (keep.length === names.length) return t;
  return t.select(keep);
}
