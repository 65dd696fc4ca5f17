import { JoeyError } from '../model/index.js';

/** Values sorted ascending with the non-finite ones removed, plus how many were removed. */
export interface Prepared {
  sorted: Float64Array;
  dropped: number;
}

/** Copies values into a Float64Array, drops NaN/±Infinity and sorts (typed-array sort is numeric and fast). */
export function prepare(values: ArrayLike<number>): Prepared {
  const n = values.length;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out[k++] = v;
  }
  const sorted = k === n ? out : out.slice(0, k);
  sorted.sort();
  return { sorted, dropped: n - k };
}

export interface BasicStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  std: number;
}

/** count/min/max/mean/median/population std of sorted finite values (Neumaier-compensated sums). */
export function basicStats(sorted: Float64Array, what: string): BasicStats {
  const n = sorted.length;
  if (n === 0) throw new JoeyError('assay_empty', `${what} has no finite values to summarize`);
  let sum = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i]!;
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  const mean = (sum + c) / n;
  let ss = 0;
  let cs = 0;
  for (let i = 0; i < n; i++) {
    const d = sorted[i]! - mean;
    const sq = d * d;
    const t = ss + sq;
    cs += ss >= sq ? ss - t + sq : sq - t + ss;
    ss = t;
  }
  const half = n >> 1;
  const median = n % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  return { count: n, min: sorted[0]!, max: sorted[n - 1]!, mean, median, std: Math.sqrt((ss + cs) / n) };
}

/** Number of values < x in a sorted array. */
export function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values <= x in a sorted array. */
export function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
