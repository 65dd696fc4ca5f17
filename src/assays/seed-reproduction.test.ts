// Reproduces the platform's printed assay numbers (sdk-essentials-guide.txt §9 "Assays Management"; line numbers
// per configuration are in fixtures/seed-expected.json). The inputs are fixtures/seed-*.json — the seeds' baseline
// and window rebuilt from real house-price model outputs (see fixtures/README.md) — and the alert window is
// /work/shared/testdata/houseprice-window-2.json copied verbatim.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeAssay, summarizeBaseline, type ComputeOptions } from './index.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const baseline: number[] = fixture('seed-baseline.json');
const window: number[] = fixture('seed-window.json');
const numpyBaseline: number[] = fixture('seed-numpy-baseline.json');
const alertWindow: number[] = fixture('houseprice-window-2.json');
const seed = fixture('seed-expected.json');

/** |a − b| <= 1e-12·max(|a|, |b|); zeros must be exact zeros. */
function expectRel(actual: number, expected: number, what: string) {
  const tol = 1e-12 * Math.max(Math.abs(actual), Math.abs(expected));
  expect(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`).toBe(true);
}

/** Rounds like pandas' display: `digits` decimals. */
const fixed = (x: number, digits: number) => Number(x.toFixed(digits));
const sig = (x: number, digits: number) => Number(x.toPrecision(digits));
/** Shortest decimal that reads back as the same float32. */
function shortestF32(x: number): number {
  const f = Math.fround(x);
  for (let d = 1; d <= 9; d++) if (Math.fround(Number(f.toPrecision(d))) === f) return Number(f.toPrecision(d));
  return f;
}

function options(o: Record<string, unknown>): ComputeOptions {
  const { alert, ...rest } = o as { alert?: number };
  return { ...(rest as ComputeOptions), ...(alert !== undefined ? { thresholds: { alert } } : {}) };
}

describe('the eight printed configurations', () => {
  for (const c of seed.configs) {
    it(`${c.name} (${c.lines})`, () => {
      const r = computeAssay(baseline, window, options(c.options));
      expect(r.scores).toHaveLength(c.scores.length);
      c.scores.forEach((s: number, i: number) => expectRel(r.scores[i]!, s, `scores[${i}]`));
      if (c.score_is_float32) {
        // uploaded results print the score as float32 (0.067592815); the per-bin scores keep full precision
        expect(shortestF32(r.score)).toBe(c.score);
        expectRel(r.score, c.scores[c.index], 'score');
      } else expectRel(r.score, c.score, 'score');
      expect(r.index).toBe(c.index);
      expect({ binMode: r.binMode, aggregation: r.aggregation, metric: r.metric, weighted: r.weighted }).toEqual({
        binMode: c.options.binMode ?? 'quantile',
        aggregation: c.options.aggregation ?? 'density',
        metric: c.options.metric ?? 'psi',
        weighted: false,
      });
      // chart header (printed with every configuration)
      expectRel(r.baseline.mean, seed.chart_header.baseline_mean, 'baseline mean');
      expectRel(r.window.mean, seed.chart_header.window_mean, 'window mean');
      expect(r.baseline.median).toBe(seed.chart_header.baseline_median);
      expect(r.window.median).toBe(seed.chart_header.window_median);
      expect(r.status).toBe('Ok');
    });
  }
});

describe('printed summaries', () => {
  it('baseline stats and bins (L9563-9572, L9588-9596)', () => {
    const b = summarizeBaseline(baseline, { binMode: 'quantile', numBins: 5, aggregation: 'density', metric: 'psi' });
    const s = seed.baseline_stats;
    expect([b.count, b.min, b.max, b.median]).toEqual([s.count, s.min, s.max, s.median]);
    expect(fixed(b.mean, 6)).toBe(s.mean);
    expect(fixed(b.std, 6)).toBe(s.std);
    const bins = seed.baseline_bins;
    expect(b.edgeNames).toEqual(bins.edge_names);
    expect(b.edges.slice(0, -1).map((e) => sig(e, 7))).toEqual(bins.edges.slice(0, -1));
    expect(b.edges.at(-1)).toBe(Infinity);
    expect(b.aggregatedValues.map((v) => fixed(v, 6))).toEqual(bins.aggregated_values);
  });

  it('numpy baseline stats and bins (L9573-9582, L9597-9605)', () => {
    const b = summarizeBaseline(numpyBaseline, { binMode: 'quantile', aggregation: 'density', metric: 'psi' });
    const s = seed.numpy_baseline_stats;
    expect([b.count, b.min, b.max]).toEqual([s.count, s.min, s.max]);
    expectRel(b.median, s.median, 'median');
    expect(b.edges.slice(0, -1)).toEqual(seed.numpy_baseline_bins.edges.slice(0, -1));
    expect(b.aggregatedValues.map((v) => fixed(v, 3))).toEqual(seed.numpy_baseline_bins.aggregated_values);
  });

  it('window stats (compare_basic_stats, L9829-9835)', () => {
    const r = computeAssay(baseline, window);
    const s = seed.window_stats;
    expect([r.window.count, r.window.min, r.window.max, r.window.median]).toEqual([s.count, s.min, s.max, s.median]);
    expectRel(r.window.mean, s.mean, 'mean');
    expect(fixed(r.window.std, 5)).toBe(s.std);
    expect(r.window.edgeNames).toEqual(['left_outlier', 'e_2.96e5', 'e_4.16e5', 'e_4.64e5', 'e_6.82e5', 'e_1.51e6', 'right_outlier']);
  });

  it('the alert window: everything above the baseline max scores 8.868614 (L9748, L9971)', () => {
    for (const alert of [0.25, 0.5]) {
      const r = computeAssay(baseline, alertWindow, { thresholds: { alert } });
      expect(r.score.toFixed(6)).toBe(seed.alert_window.score_6dp);
      expect(r.status).toBe(seed.alert_window.status);
      expect(r.window.counts).toEqual([0, 0, 0, 0, 0, 0, alertWindow.length]);
    }
  });
});
