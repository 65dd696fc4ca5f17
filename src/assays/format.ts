import type { AssayResult, Summary } from './types.js';

/** The shape `joey assays compute --json` prints for a summary. */
export function summaryJson(s: Summary) {
  return {
    count: s.count,
    min: s.min,
    max: s.max,
    mean: s.mean,
    median: s.median,
    std: s.std,
    edges: s.edges.map((e) => (Number.isFinite(e) ? e : null)),
    edgeNames: s.edgeNames,
    counts: s.counts,
    aggregatedValues: s.aggregatedValues,
    aggregation: s.aggregation,
    dropped: s.dropped,
  };
}

export function resultJson(r: AssayResult) {
  return {
    score: r.score,
    scores: r.scores,
    index: r.index,
    status: r.status,
    metric: r.metric,
    binMode: r.binMode,
    aggregation: r.aggregation,
    weighted: r.weighted,
    thresholds: r.thresholds,
    baseline: summaryJson(r.baseline),
    window: summaryJson(r.window),
  };
}

const METRIC_NAMES = { psi: 'PSI', maxdiff: 'MaxDiff', sumdiff: 'SumDiff' } as const;
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function num(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e9) ? x.toExponential(6) : String(Number(x.toPrecision(10)));
}

function bar(frac: number, width: number): string {
  const cells = Math.max(0, Math.min(width, Math.round(frac * width)));
  return '█'.repeat(cells) + ' '.repeat(width - cells);
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** A readable report: stats side by side, then one row per bin with bars for baseline and window. */
export function renderAssayText(r: AssayResult, opts: { barWidth?: number } = {}): string {
  const width = opts.barWidth ?? 24;
  const lines: string[] = [];
  const t = r.thresholds;
  lines.push(
    `${cap(r.binMode)} bins, ${cap(r.aggregation)}, ${METRIC_NAMES[r.metric]}${r.weighted ? ', weighted' : ''}: ` +
      `score ${num(r.score)}${r.index !== null ? ` (bin ${r.index})` : ''} → ${r.status}` +
      ` (alert ≥ ${t.alert}${t.warning !== undefined ? `, warning ≥ ${t.warning}` : ''})`,
  );
  lines.push('');
  const stat = (name: string, f: (s: Summary) => number) => `${pad(name, 8)}${pad(num(f(r.baseline)), 22, true)}${pad(num(f(r.window)), 22, true)}`;
  lines.push(`${pad('', 8)}${pad('baseline', 22, true)}${pad('window', 22, true)}`);
  lines.push(stat('count', (s) => s.count));
  lines.push(stat('min', (s) => s.min));
  lines.push(stat('max', (s) => s.max));
  lines.push(stat('mean', (s) => s.mean));
  lines.push(stat('median', (s) => s.median));
  lines.push(stat('std', (s) => s.std));
  if (r.baseline.dropped || r.window.dropped) lines.push(stat('dropped', (s) => s.dropped));
  lines.push('');
  const maxAgg = Math.max(...r.baseline.aggregatedValues, ...r.window.aggregatedValues, 1e-300);
  const nameW = Math.max(12, ...r.baseline.edgeNames.map((n) => n.length)) + 2;
  lines.push(
    `${pad('bin', nameW)}${pad('upper edge', 16, true)}  ${pad('baseline', width + 9)}${pad('window', width + 9)}${pad('score', 12, true)}`,
  );
  r.baseline.edgeNames.forEach((name, i) => {
    const b = r.baseline.aggregatedValues[i]!;
    const w = r.window.aggregatedValues[i]!;
    lines.push(
      `${pad(name, nameW)}${pad(num(r.baseline.edges[i]!), 16, true)}  ` +
        `${bar(b / maxAgg, width)} ${pad(b.toFixed(4), 7, true)} ${bar(w / maxAgg, width)} ${pad(w.toFixed(4), 7, true)} ` +
        `${pad(num(r.scores[i]!), 12, true)}${r.index === i ? ' ◀' : ''}`,
    );
  });
  return lines.join('\n');
}
