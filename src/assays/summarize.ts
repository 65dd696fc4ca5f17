import { JoeyError } from '../model/index.js';
import { baselineEdges, countBins, edgeName } from './binning.js';
import { aggregate, normalizeWeights } from './metrics.js';
import { basicStats, prepare } from './stats.js';
import type { Baseline, SummarizerConfig, Summary } from './types.js';

/**
 * Summarizes baseline values: stats, bin edges (from the baseline for quantile/equal), per-bin counts and
 * aggregated values. The result is self-contained: windows are later binned with its stored edges.
 */
export function summarizeBaseline(values: ArrayLike<number>, config: SummarizerConfig): Baseline {
  const { sorted, dropped } = prepare(values);
  if (sorted.length === 0) {
    throw new JoeyError(
      'assay_empty_baseline',
      values.length === 0 ? 'the baseline has no values' : `the baseline has no finite values (${dropped} NaN/Infinity dropped)`,
    );
  }
  const stats = basicStats(sorted, 'the baseline');
  const { edges, names, numBins } = baselineEdges(config.binMode, sorted, { numBins: config.numBins, edges: config.edges });
  const allEdges = [...edges, Infinity];
  const weights = normalizeWeights(config.weights, numBins + 2);
  const counts = countBins(sorted, edges);
  return {
    ...stats,
    edges: allEdges,
    edgeNames: [...names, 'right_outlier'],
    counts,
    aggregatedValues: aggregate(counts, config.aggregation),
    aggregation: config.aggregation,
    dropped,
    binMode: config.binMode,
    numBins,
    providedEdges: config.binMode === 'provided' ? [...(config.edges ?? [])] : null,
    weights: config.weights ? [...config.weights] : weights,
  };
}

/** Summarizes window values against a baseline's stored edges. An empty window is an error (nothing to score). */
export function summarizeWindow(values: ArrayLike<number>, baseline: Pick<Baseline, 'edges' | 'aggregation'>): Summary {
  const { sorted, dropped } = prepare(values);
  if (sorted.length === 0) {
    throw new JoeyError(
      'assay_empty_window',
      values.length === 0 ? 'the window has no values' : `the window has no finite values (${dropped} NaN/Infinity dropped)`,
    );
  }
  const stats = basicStats(sorted, 'the window');
  const edges = baseline.edges.slice(0, -1);
  const counts = countBins(sorted, edges);
  return {
    ...stats,
    edges: [...baseline.edges],
    edgeNames: ['left_outlier', ...edges.slice(1).map(edgeName), 'right_outlier'],
    counts,
    aggregatedValues: aggregate(counts, baseline.aggregation),
    aggregation: baseline.aggregation,
    dropped,
  };
}
