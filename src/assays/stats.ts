import { endianness } from 'node:os';
import { JoeyError } from '../model/index.js';
import type { BasicStats } from './types.js';

/** The finite values sorted ascending, plus how many NaN/±Infinity were left out. */
export interface Prepared {
  sorted: Float64Array;
  dropped: number;
}

/** Copies values into a Float64Array, drops NaN/±Infinity and sorts them (radix sort, see sortFloat64). */
export function prepare(values: ArrayLike<number>): Prepared {
  const n = values.length;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v === 0) out[k++] = v; // finite: NaN - NaN and Inf - Inf are NaN
  }
  const sorted = k === n ? out : out.slice(0, k);
  sortFloat64(sorted);
  return { sorted, dropped: n - k };
}

const LITTLE_ENDIAN = endianness() === 'LE';
const RADIX_MIN = 4096;

/**
 * Sorts finite float64 values ascending in place. Large arrays use an LSD radix sort on the IEEE-754 bits
 * (four 16-bit digits; a digit every value shares, such as the low bits of float32-origin data, is skipped),
 * which is several times faster than the comparison sort; small arrays use the built-in typed-array sort.
 */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN || !LITTLE_ENDIAN) return a.sort();
  const words = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  const hist = new Uint32Array(4 * 65536);
  // Order-preserving key: flip every bit of negatives, only the sign bit of positives.
  for (let i = 0; i < n; i++) {
    const l = words[2 * i]!;
    const h = words[2 * i + 1]!;
    const neg = h >>> 31;
    const kl = neg ? ~l >>> 0 : l;
    const kh = neg ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    lo[i] = kl;
    hi[i] = kh;
    hist[kl & 0xffff]!++;
    hist[65536 + (kl >>> 16)]!++;
    hist[131072 + (kh & 0xffff)]!++;
    hist[196608 + (kh >>> 16)]!++;
  }
  for (let d = 0; d < 4; d++) {
    const base = d * 65536;
    // skip a digit all keys share
    let skip = false;
    let sum = 0;
    for (let b = 0; b < 65536; b++) {
      const c = hist[base + b]!;
      if (c === n) {
        skip = true;
        break;
      }
      hist[base + b] = sum;
      sum += c;
    }
    if (skip) continue;
    const src = d < 2 ? lo : hi;
    const shift = d % 2 === 0 ? 0 : 16;
    for (let i = 0; i < n; i++) {
      const digit = (src[i]! >>> shift) & 0xffff;
      const pos = hist[base + digit]!++;
      lo2[pos] = lo[i]!;
      hi2[pos] = hi[i]!;
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
  }
  for (let i = 0; i < n; i++) {
    const kl = lo[i]!;
    const kh = hi[i]!;
    const neg = (kh >>> 31) === 0;
    words[2 * i] = neg ? ~kl >>> 0 : kl;
    words[2 * i + 1] = neg ? ~kh >>> 0 : (kh & 0x7fffffff) >>> 0;
  }
  return a;
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
