import * as arrow from 'apache-arrow';
import { vectorValues } from '../runtime/decode.js';
import { f32String } from '../runtime/encode.js';

/** Log rows as pandas-records objects (`time` as ISO 8601). */
export function tableRecords(t: arrow.Table): Record<string, unknown>[] {
  const cols = t.schema.fields.map((f) => [f.name, vectorValues(t.getChild(f.name)!)] as const);
  const out: Record<string, unknown>[] = [];
  for (let r = 0; r < t.numRows; r++) {
    const rec: Record<string, unknown> = {};
    for (const [name, vals] of cols) rec[name] = name === 'time' && typeof vals[r] === 'number' ? new Date(vals[r] as number).toISOString() : vals[r];
    out.push(rec);
  }
  return out;
}

const cellWith = (f32: boolean) => {
  const cell = (v: unknown): string => {
    if (typeof v === 'number') return Number.isInteger(v) || !f32 ? String(v) : f32String(v);
    if (Array.isArray(v)) return `[${v.map(cell).join(', ')}]`;
    if (typeof v === 'string') return v;
    return JSON.stringify(v) ?? 'null';
  };
  return cell;
};

/** A plain text table, one line per row, long cells shortened with an ellipsis. */
export function formatLogTable(t: arrow.Table, width = 40): string {
  if (t.numRows === 0) return 'No inference logs.';
  const rows = tableRecords(t);
  const names = t.schema.fields.map((f) => f.name);
  // float32 columns print their shortest float32 digits; float64 ones as they are.
  const cells_ = t.schema.fields.map((f) => cellWith(/Float32/.test(String(f.type))));
  const cells = rows.map((r) => names.map((n, i) => {
    const s = cells_[i]!(r[n]);
    return s.length > width ? s.slice(0, width - 1) + '…' : s;
  }));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(names), ...cells.map(line)].join('\n');
}
