/**
 * `npx tsx bench/assays.ts`: one interactive assay run (`computeAssay`: summarize a 1,000,000-value baseline,
 * summarize a 1,000,000-value window, score them; quantile bins, density, PSI) against the same computation
 * written plainly here (Array sort with a comparator, linear bin search per value, reduce sums).
 * Both get the same input and must agree on the score. Prints the ratio plain/joey (> 1: joey is faster).
 */
import { performance } from 'node:perf_hooks';
import { computeAssay } from '../src/assays/index.js';

const N = 1_000_000;
const REPS = 3;

// Deterministic log-normal "house prices" rounded to float32 (so there are ties, as in real model outputs).
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function prices(n: number, mu: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
    return Math.fround(Math.round(Math.exp(mu + 0.45 * z)));
  });
}

/** The plain way: what one would write without thinking about it. */
function plain(baselineIn: number[], windowIn: number[], numBins = 5) {
  const summarize = (values: number[]) => {
    const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const n = sorted.length;
    const mean = sorted.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(sorted.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
    return { sorted, n, mean, std, median, min: sorted[0]!, max: sorted[n - 1]! };
  };
  const b = summarize(baselineIn);
  const edges = [b.min];
  for (let k = 1; k <= numBins; k++) edges.push(b.sorted[Math.floor((2 * k * b.n + numBins) / (2 * numBins)) - 1]!);
  const count = (values: number[]) => {
    const counts = new Array(numBins + 2).fill(0);
    for (const v of values) {
      let bin = numBins + 1;
      if (v < edges[0]!) bin = 0;
      else for (let k = 1; k <= numBins; k++) if (v <= edges[k]!) { bin = k; break; }
      counts[bin]++;
    }
    return counts.map((c: number) => c / values.length);
  };
  const w = summarize(windowIn);
  const bp = count(b.sorted);
  const wp = count(w.sorted);
  const scores = bp.map((x: number, i: number) => {
    const y = wp[i]!;
    if (x === 0 && y === 0) return 0;
    const xx = x || 0.005;
    const yy = y || 0.005;
    return (yy - xx) * Math.log(yy / xx);
  });
  return { score: scores.reduce((a: number, s: number) => a + s, 0), baseline: b, window: w };
}

function time(fn: () => unknown): { ms: number; out: unknown } {
  const times: number[] = [];
  let out: unknown;
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    out = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(REPS / 2)]!, out };
}

const baseline = prices(N, Math.log(450_000), 1);
const window = prices(N, Math.log(470_000), 2);
const baseline64 = Float64Array.from(baseline);
const window64 = Float64Array.from(window);

// warm up both paths on a slice
plain(baseline.slice(0, 10_000), window.slice(0, 10_000));
computeAssay(baseline.slice(0, 10_000), window.slice(0, 10_000));

const p = time(() => plain(baseline, window));
const j = time(() => computeAssay(baseline, window));
const j64 = time(() => computeAssay(baseline64, window64));

const ps = (p.out as { score: number }).score;
const js = (j.out as { score: number }).score;
if (Math.abs(ps - js) > 1e-12 * Math.abs(ps)) throw new Error(`results differ: plain ${ps}, joey ${js}`);

const line = (name: string, ms: number) => `${name.padEnd(44)}${ms.toFixed(1).padStart(9)} ms`;
process.stdout.write(`assays compute, quantile/density/psi, ${N.toLocaleString('en')} baseline + ${N.toLocaleString('en')} window values (median of ${REPS})\n`);
process.stdout.write(line('plain (Array sort, linear bin search)', p.ms) + '\n');
process.stdout.write(line('joey computeAssay (number[] input)', j.ms) + `   ratio plain/joey ${(p.ms / j.ms).toFixed(2)}x\n`);
process.stdout.write(line('joey computeAssay (Float64Array input)', j64.ms) + `   ratio plain/joey ${(p.ms / j64.ms).toFixed(2)}x\n`);
process.stdout.write(`score ${js} (both agree)\n`);
