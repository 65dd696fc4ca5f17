import { JoeyError } from '../model/index.js';
import { PSI_EMPTY_BIN, type Aggregation, type AssayScore, type AssayStatus, type Metric, type Thresholds } from './types.js';

/** Bin proportions: density = count/total, cumulative = running count/total (computed from integer sums). */
export function aggregate(counts: number[], aggregation: Aggregation): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return counts.map(() => 0);
  if (aggregation === 'density') return counts.map((c) => c / total);
  let run = 0;
  return counts.map((c) => (run += c) / total);
}

/** PSI term for one bin; an empty side counts as 0.005 and a bin empty on both sides scores 0. */
export function psiTerm(b: number, w: number): number {
  if (b === 0 && w === 0) return 0;
  const bb = b === 0 ? PSI_EMPTY_BIN : b;
  const ww = w === 0 ? PSI_EMPTY_BIN : w;
  return (ww - bb) * Math.log(ww / bb);
}

/** Weights normalized to mean 1, so equal weights give the unweighted score. */
export function normalizeWeights(weights: number[] | null | undefined, bins: number): number[] | null {
  if (!weights) return null;
  if (weights.length !== bins) {
    throw new JoeyError('assay_weights', `bin weights need one value per bin including both outlier bins (${bins}), got ${weights.length}`);
  }
  let sum = 0;
  for (const [i, w] of weights.entries()) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new JoeyError('assay_weights', `bin weight ${i} (${w}) must be a finite number >= 0`);
    }
    sum += w;
  }
  if (sum === 0) throw new JoeyError('assay_weights', 'bin weights are all zero');
  return weights.map((w) => (w * bins) / sum);
}

/**
 * Scores a window's aggregated values against the baseline's.
 * Density: psi terms (w−b)·ln(w/b), or |w−b| for maxdiff/sumdiff. Cumulative: |W−B| per bin for every metric.
 * score: psi = Σ, maxdiff = max (index = its bin), sumdiff = Σ/2.
 */
export function score(
  baseline: number[],
  window: number[],
  aggregation: Aggregation,
  metric: Metric,
  weights: number[] | null = null,
): AssayScore {
  if (baseline.length !== window.length) {
    throw new JoeyError('assay_bins', `baseline has ${baseline.length} bins but the window has ${window.length}`);
  }
  const scores = baseline.map((b, i) => {
    const w = window[i]!;
    const s = aggregation === 'density' && metric === 'psi' ? psiTerm(b, w) : Math.abs(w - b);
    return weights ? s * weights[i]! : s;
  });
  switch (metric) {
    case 'psi':
      return { score: scores.reduce((a, b) => a + b, 0), scores, index: null };
    case 'sumdiff':
      return { score: scores.reduce((a, b) => a + b, 0) / 2, scores, index: null };
    case 'maxdiff': {
      let index = 0;
      for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[index]!) index = i;
      return { score: scores[index]!, scores, index };
    }
    default:
      throw new JoeyError('assay_metric', `unknown metric "${String(metric)}" (psi, maxdiff or sumdiff)`);
  }
}

/** Alert when score >= alert; Warning when a warning threshold is set and score >= it; else Ok. */
export function statusOf(value: number, t: Thresholds): AssayStatus {
  if (value >= t.alert) return 'Alert';
  if (t.warning !== undefined && t.warning !== null && value >= t.warning) return 'Warning';
  return 'Ok';
}

export function checkThresholds(t: Thresholds): Thresholds {
  if (!Number.isFinite(t.alert)) throw new JoeyError('assay_thresholds', `alert threshold must be a number, got ${t.alert}`);
  if (t.warning !== undefined && t.warning !== null) {
    if (!Number.isFinite(t.warning)) throw new JoeyError('assay_thresholds', `warning threshold must be a number, got ${t.warning}`);
    if (t.warning > t.alert) {
      throw new JoeyError('assay_thresholds', `warning threshold (${t.warning}) is above the alert threshold (${t.alert})`);
    }
  }
  return t;
}
