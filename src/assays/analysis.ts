import type { AssaySpec } from '../model/index.js';
import { scoreWindow } from './compute.js';
import { summarizeWindow } from './summarize.js';
import type { AssayResult, Baseline, Metric, SummarizerConfig, Thresholds } from './types.js';
import { valuesBetween, type Samples, type WindowSpan } from './windows.js';

/** One scored window of an assay. */
export interface WindowAnalysis extends AssayResult {
  windowIndex: number;
  windowStart: number;
  windowEnd: number;
  elapsedMillis: number;
}

/** The summarizer config an Assay manifest describes. */
export function summarizerFromSpec(spec: Pick<AssaySpec, 'binning' | 'aggregation' | 'metric'>): SummarizerConfig {
  const b = spec.binning;
  let numBins: number | undefined = b.bins;
  // provided edges: `bins` (filled with its default by the loader) only counts when it fits the edges
  if (b.mode === 'provided' && b.edges && numBins !== b.edges.length && numBins !== b.edges.length - 1) numBins = undefined;
  return {
    binMode: b.mode,
    numBins,
    edges: b.edges,
    weights: b.weights,
    aggregation: spec.aggregation,
    metric: spec.metric,
  };
}

/**
 * Scores each window against the frozen baseline. Windows with no finite values are skipped (the platform
 * shows no result for a window without data).
 */
export function analyzeWindows(
  baseline: Baseline,
  metric: Metric,
  thresholds: Thresholds,
  samples: Samples,
  windows: WindowSpan[],
): WindowAnalysis[] {
  const out: WindowAnalysis[] = [];
  for (const w of windows) {
    const t0 = performance.now();
    const values = valuesBetween(samples, w.start, w.end);
    let finite = 0;
    for (let i = 0; i < values.length && finite === 0; i++) if (Number.isFinite(values[i]!)) finite++;
    if (finite === 0) continue;
    const r = scoreWindow(baseline, summarizeWindow(values, baseline), metric, thresholds);
    out.push({ ...r, windowIndex: w.index, windowStart: w.start, windowEnd: w.end, elapsedMillis: Math.round(performance.now() - t0) });
  }
  return out;
}
