import type { Aggregation, BinMode, Metric } from '../model/index.js';

export type { Aggregation, BinMode, Metric };

/** How a baseline is cut into bins and how a window is scored against it (the platform's "summarizer"). */
export interface SummarizerConfig {
  binMode: BinMode;
  /** Regular bins, not counting the two outlier bins. Default 5. In `provided` mode it may be left out. */
  numBins?: number;
  /** `provided` mode only: the upper edge of each bin, optionally preceded by the lower edge of the first bin. */
  edges?: number[];
  /** One weight per bin including both outlier bins (numBins + 2); normalized to mean 1. */
  weights?: number[];
  aggregation: Aggregation;
  metric: Metric;
}

export interface Thresholds {
  warning?: number;
  alert: number;
}

export type AssayStatus = 'Ok' | 'Warning' | 'Alert';

/** count, min, max, mean, median and std of one set of values. */
export interface BasicStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  /** Population standard deviation (divides by count), as the platform prints it. */
  std: number;
}

/**
 * Summary of one set of values against a set of bin edges. `edges`, `edgeNames`, `counts` and
 * `aggregatedValues` have one entry per bin: [left_outlier, bin 1 … bin N, right_outlier]. `edges[i]` is the
 * upper edge of bin i (bin 0 holds values < edges[0]; bin i holds edges[i-1] < v <= edges[i]; the right
 * outlier bin holds v > edges[N]); the last edge is +Infinity (JSON `null`).
 */
export interface Summary extends BasicStats {
  edges: number[];
  edgeNames: string[];
  counts: number[];
  aggregatedValues: number[];
  aggregation: Aggregation;
  /** NaN / ±Infinity values left out of the summary (never silently turned into a NaN score). */
  dropped: number;
}

/** A baseline: its summary plus the summarizer config it was cut with. Frozen once computed. */
export interface Baseline extends Summary {
  binMode: BinMode;
  numBins: number;
  providedEdges: number[] | null;
  weights: number[] | null;
}

export interface AssayScore {
  score: number;
  /** Per-bin contribution, one per bin including the outlier bins. */
  scores: number[];
  /** The bin with the largest difference, for `maxdiff`; null for the other metrics (as the platform prints). */
  index: number | null;
}

export interface AssayResult extends AssayScore {
  status: AssayStatus;
  metric: Metric;
  binMode: BinMode;
  aggregation: Aggregation;
  weighted: boolean;
  thresholds: Thresholds;
  baseline: Summary;
  window: Summary;
}

export const DEFAULT_NUM_BINS = 5;
/** The platform's previews print alert_threshold 0.25 when none was set (sdk-essentials-guide.txt L9747). */
export const DEFAULT_ALERT_THRESHOLD = 0.25;
/** Proportion that stands in for an empty bin in PSI (derived from the seeds' printed PSI values). */
export const PSI_EMPTY_BIN = 0.005;
