import { JoeyError } from '../model/index.js';
import { lowerBound, upperBound } from './stats.js';
import { DEFAULT_NUM_BINS, type BinMode } from './types.js';

/** The regular-bin edges e0..eN and their names (without the +Infinity right-outlier edge). */
export interface Edges {
  edges: number[];
  names: string[];
  numBins: number;
}

/** The platform's name for a non-quantile edge: `e_` and the value with 3 significant digits (`e_1.25e1`). */
export function edgeName(x: number): string {
  return `e_${x.toExponential(2).replace('e+', 'e')}`;
}

function formatPercent(p: number): string {
  return Number.isInteger(p) ? String(p) : String(Number(p.toFixed(2)));
}

export function checkNumBins(numBins: number): number {
  if (!Number.isInteger(numBins) || numBins < 1 || numBins > 10_000) {
    throw new JoeyError('assay_bins', `bins must be a whole number from 1 to 10000, got ${numBins}`);
  }
  return numBins;
}

/**
 * Quantile edges from the sorted baseline: e0 = min and e_k = the value of 1-based rank round(k·n/N)
 * (halves rounded up), so e_N = max. Edges are always baseline values (no interpolation); with ties
 * several edges may be equal, and the bins between them stay empty. This is the convention that
 * reproduces the platform's printed edges and bin counts (see docs/assays.md).
 */
export function quantileEdges(sorted: Float64Array, numBins: number): Edges {
  const n = sorted.length;
  const edges = [sorted[0]!];
  const names = ['left_outlier'];
  for (let k = 1; k <= numBins; k++) {
    // round-half-up of k*n/numBins in exact integer arithmetic
    const rank = Math.min(n, Math.max(1, Math.floor((2 * k * n + numBins) / (2 * numBins))));
    edges.push(sorted[rank - 1]!);
    names.push(`q_${formatPercent((100 * k) / numBins)}`);
  }
  return { edges, names, numBins };
}

/** Equal-width edges between the baseline min and max: e_k = min + k·(max − min)/N, e_N = max exactly. */
export function equalEdges(min: number, max: number, numBins: number): Edges {
  const width = (max - min) / numBins;
  const edges = [min];
  for (let k = 1; k < numBins; k++) edges.push(min + k * width);
  edges.push(max);
  return { edges, names: ['left_outlier', ...edges.slice(1).map(edgeName)], numBins };
}

/**
 * User edges: N upper edges (the first bin then starts at the baseline min) or N + 1 edges whose first is
 * the lower edge of the first bin. They must be finite and strictly increasing.
 */
export function providedEdges(edges: number[], min: number, numBins?: number): Edges {
  if (edges.length === 0) throw new JoeyError('assay_edges', 'binning mode "provided" needs edges');
  for (const [i, e] of edges.entries()) {
    if (typeof e !== 'number' || !Number.isFinite(e)) {
      throw new JoeyError('assay_edges', `edge ${i} (${e}) is not a finite number`);
    }
  }
  const n = numBins ?? edges.length - 1;
  let all: number[];
  if (edges.length === n + 1) all = [...edges];
  else if (edges.length === n) all = [min, ...edges];
  else {
    throw new JoeyError(
      'assay_edges',
      `binning mode "provided" with ${n} bins needs ${n} upper edges or ${n + 1} edges (lower edge first); got ${edges.length}`,
    );
  }
  if (all.length < 2) throw new JoeyError('assay_edges', 'binning mode "provided" needs at least one bin');
  for (let i = 1; i < all.length; i++) {
    if (!(all[i]! > all[i - 1]!)) {
      const first = edges.length === n && i === 1;
      throw new JoeyError(
        'assay_edges',
        first
          ? `the first provided edge (${all[1]}) must be above the baseline min (${min}); give the lower edge too`
          : `provided edges must be strictly increasing: ${all[i - 1]} then ${all[i]}`,
      );
    }
  }
  return { edges: all, names: ['left_outlier', ...all.slice(1).map(edgeName)], numBins: all.length - 1 };
}

export function baselineEdges(
  mode: BinMode,
  sorted: Float64Array,
  opts: { numBins?: number; edges?: number[] },
): Edges {
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  switch (mode) {
    case 'quantile':
      return quantileEdges(sorted, checkNumBins(opts.numBins ?? DEFAULT_NUM_BINS));
    case 'equal':
      return equalEdges(min, max, checkNumBins(opts.numBins ?? DEFAULT_NUM_BINS));
    case 'provided':
      return providedEdges(opts.edges ?? [], min, opts.numBins === undefined ? undefined : checkNumBins(opts.numBins));
    default:
      throw new JoeyError('assay_bin_mode', `unknown binning mode "${String(mode)}" (quantile, equal or provided)`);
  }
}

/**
 * Per-bin counts of sorted values: [left outlier (< e0), (e0..e1] with e0 itself, …, (e_{N-1}..e_N],
 * right outlier (> e_N)]. Each edge is one binary search on the sorted values.
 */
export function countBins(sorted: Float64Array, edges: number[]): number[] {
  const n = sorted.length;
  const counts: number[] = [lowerBound(sorted, edges[0]!)];
  let prev = counts[0]!;
  for (let k = 1; k < edges.length; k++) {
    const cum = Math.max(prev, upperBound(sorted, edges[k]!));
    counts.push(cum - prev);
    prev = cum;
  }
  counts.push(n - prev);
  return counts;
}
