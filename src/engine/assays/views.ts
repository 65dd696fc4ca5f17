import type { Baseline, Summary, WindowAnalysis } from '../../assays/index.js';
import type { SummarizerView, SummaryView } from './types.js';

export function summaryView(s: Summary, start: number | null = null, end: number | null = null): SummaryView {
  return {
    count: s.count,
    min: s.min,
    max: s.max,
    mean: s.mean,
    median: s.median,
    std: s.std,
    edges: s.edges.map((e) => (Number.isFinite(e) ? e : null)),
    edge_names: s.edgeNames,
    counts: s.counts,
    aggregated_values: s.aggregatedValues,
    aggregation: s.aggregation,
    dropped: s.dropped,
    start: start === null ? null : new Date(start).toISOString(),
    end: end === null ? null : new Date(end).toISOString(),
  };
}

/** The frozen baseline back from its stored view (null edge → +Infinity). */
export function baselineFromView(v: SummaryView, s: SummarizerView): Baseline {
  return {
    count: v.count,
    min: v.min,
    max: v.max,
    mean: v.mean,
    median: v.median,
    std: v.std,
    edges: v.edges.map((e) => (e === null ? Infinity : e)),
    edgeNames: v.edge_names,
    counts: v.counts,
    aggregatedValues: v.aggregated_values,
    aggregation: v.aggregation,
    dropped: v.dropped,
    binMode: s.bin_mode,
    numBins: s.num_bins,
    providedEdges: s.provided_edges,
    weights: s.bin_weights,
  };
}

export function summarizerView(b: Baseline, metric: SummarizerView['metric']): SummarizerView {
  return {
    type: 'UnivariateContinuous',
    bin_mode: b.binMode,
    aggregation: b.aggregation,
    metric,
    num_bins: b.numBins,
    bin_weights: b.weights,
    provided_edges: b.providedEdges,
  };
}

/** An interactive (unsaved) window analysis in the same shape as a stored result, without ids. */
export function analysisView(x: WindowAnalysis, thresholds: { warning?: number; alert: number }) {
  return {
    id: null,
    assay_id: null,
    window_index: x.windowIndex,
    window_start: new Date(x.windowStart).toISOString(),
    window_end: new Date(x.windowEnd).toISOString(),
    elapsed_millis: x.elapsedMillis,
    score: x.score,
    scores: x.scores,
    bin_index: x.index,
    status: x.status,
    warning_threshold: thresholds.warning ?? null,
    alert_threshold: thresholds.alert,
    summarizer: {
      type: 'UnivariateContinuous' as const,
      bin_mode: x.binMode,
      aggregation: x.aggregation,
      metric: x.metric,
      num_bins: x.baseline.edges.length - 2,
      weighted: x.weighted,
    },
    baseline_summary: summaryView(x.baseline),
    window_summary: summaryView(x.window, x.windowStart, x.windowEnd),
  };
}
