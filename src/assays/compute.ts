import { checkThresholds, normalizeWeights, score, statusOf } from './metrics.js';
import { summarizeBaseline, summarizeWindow } from './summarize.js';
import { DEFAULT_ALERT_THRESHOLD, type AssayResult, type Baseline, type Metric, type SummarizerConfig, type Thresholds } from './types.js';

export interface ComputeOptions extends Partial<SummarizerConfig> {
  thresholds?: Partial<Thresholds>;
}

/** Fills the platform's defaults: quantile, 5 bins, density, psi, alert 0.25. */
export function summarizerConfig(o: Partial<SummarizerConfig> = {}): SummarizerConfig {
  const binMode = o.binMode ?? 'quantile';
  return {
    binMode,
    numBins: o.numBins ?? (binMode === 'provided' ? undefined : 5),
    edges: o.edges,
    weights: o.weights,
    aggregation: o.aggregation ?? 'density',
    metric: o.metric ?? 'psi',
  };
}

/** Scores a window summary (or raw window values) against a frozen baseline. */
export function scoreWindow(
  baseline: Baseline,
  window: ArrayLike<number> | ReturnType<typeof summarizeWindow>,
  metric: Metric,
  thresholds: Thresholds,
): AssayResult {
  const t = checkThresholds(thresholds);
  const w = 'aggregatedValues' in window ? window : summarizeWindow(window, baseline);
  const weights = normalizeWeights(baseline.weights, baseline.edges.length);
  const s = score(baseline.aggregatedValues, w.aggregatedValues, baseline.aggregation, metric, weights);
  const { binMode, numBins: _n, providedEdges: _p, weights: _w, ...base } = baseline;
  return {
    ...s,
    status: statusOf(s.score, t),
    metric,
    binMode,
    aggregation: baseline.aggregation,
    weighted: weights !== null,
    thresholds: t,
    baseline: base,
    window: w,
  };
}

/** One interactive assay run on raw values: summarize the baseline, summarize the window, score. */
export function computeAssay(baseline: ArrayLike<number>, window: ArrayLike<number>, opts: ComputeOptions = {}): AssayResult {
  const config = summarizerConfig(opts);
  const thresholds: Thresholds = {
    alert: opts.thresholds?.alert ?? DEFAULT_ALERT_THRESHOLD,
    ...(opts.thresholds?.warning !== undefined ? { warning: opts.thresholds.warning } : {}),
  };
  checkThresholds(thresholds);
  const b = summarizeBaseline(baseline, config);
  return scoreWindow(b, window, config.metric, thresholds);
}
