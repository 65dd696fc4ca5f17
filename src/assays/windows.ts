import type * as arrow from 'apache-arrow';
import { JoeyError } from '../model/index.js';
import { parseDuration } from '../model/duration.js';
import { columnValues } from './read-values.js';
import type { IoPath } from './iopath.js';

/** An assay's window plan, in epoch milliseconds. Window k covers [start + k·interval, start + k·interval + width). */
export interface WindowPlan {
  start: number;
  width: number;
  interval: number;
}

export interface WindowSpan {
  index: number;
  start: number;
  end: number;
}

/** Parses `{width, interval?, start?}` as written in manifests (`24h`, `5m`; start ISO 8601). interval defaults to width. */
export function windowPlan(w: { width: string; interval?: string; start?: string }, defaultStart: number): WindowPlan {
  const dur = (what: string, s: string) => {
    let ms: number;
    try {
      ms = parseDuration(s);
    } catch {
      throw new JoeyError('assay_window', `window ${what} "${s}" is not a duration (e.g. 24h, 5m, 1h30m)`);
    }
    if (ms <= 0) throw new JoeyError('assay_window', `window ${what} must be longer than 0`);
    return ms;
  };
  const width = dur('width', w.width);
  const interval = w.interval ? dur('interval', w.interval) : width;
  const start = w.start !== undefined ? Date.parse(w.start) : defaultStart;
  if (!Number.isFinite(start)) throw new JoeyError('assay_window', `window start "${w.start}" is not a time (ISO 8601, e.g. 2024-02-15T16:20:00Z)`);
  return { start, width, interval };
}

export function windowAt(plan: WindowPlan, index: number): WindowSpan {
  const start = plan.start + index * plan.interval;
  return { index, start, end: start + plan.width };
}

/** Windows from index `from` whose end is <= `until` (closed windows), at most `max` of them. */
export function closedWindows(plan: WindowPlan, until: number, from = 0, max = Infinity): WindowSpan[] {
  const out: WindowSpan[] = [];
  for (let k = from; out.length < max; k++) {
    const w = windowAt(plan, k);
    if (w.end > until) break;
    out.push(w);
  }
  return out;
}

/** Time-sorted scalar samples of one iopath, taken from inference-log rows. */
export interface Samples {
  times: Float64Array;
  values: Float64Array;
}

/** Picks the iopath's scalar from log rows (`out.<field>` list element `index`, or a plain numeric column). */
export function samplesFromTable(table: arrow.Table, io: IoPath): Samples {
  const n = table.numRows;
  if (n === 0) return { times: new Float64Array(0), values: new Float64Array(0) };
  const timeCol = table.getChild('time');
  const col = table.getChild(io.column);
  if (!timeCol) throw new JoeyError('assay_logs', 'inference logs have no time column');
  if (!col) {
    const have = table.schema.fields.map((f) => f.name).filter((c) => c.startsWith('in.') || c.startsWith('out.'));
    throw new JoeyError('assay_iopath', `the pipeline's logs have no column ${io.column} (iopath "${io.direction} ${io.field} ${io.index}"; columns: ${have.join(', ') || 'none'})`);
  }
  const values = columnValues(col, io.index, `column ${io.column}`);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = Number(timeCol.get(i) as number | bigint);
  return sortByTime({ times, values });
}

export function sortByTime(s: Samples): Samples {
  const n = s.times.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (s.times[i]! < s.times[i - 1]!) sorted = false;
  if (sorted) return s;
  const idx = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => s.times[a]! - s.times[b]!);
  return { times: Float64Array.from(idx, (i) => s.times[i]!), values: Float64Array.from(idx, (i) => s.values[i]!) };
}

function firstAtOrAfter(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The samples with start <= time < end (a view, no copy). */
export function valuesBetween(s: Samples, start: number, end: number): Float64Array {
  return s.values.subarray(firstAtOrAfter(s.times, start), firstAtOrAfter(s.times, end));
}
