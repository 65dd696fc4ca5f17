import type { AssayStatus, Thresholds } from './types.js';

/** One analyzed window, for charts of scores over time. */
export interface ScorePoint {
  start: number;
  score: number;
  status: AssayStatus;
}

/**
 * Top of the score axis: the largest score, but at least a quarter above the alert threshold and at most four
 * times it (taller bars are clipped and marked), so one huge score does not flatten every other window.
 */
export function scoreAxisMax(points: ScorePoint[], t: Thresholds): number {
  const floor = Math.max(t.alert * 1.25, t.warning ?? 0);
  const top = Math.max(floor, Math.min(Math.max(0, ...points.map((p) => p.score)), t.alert * 4));
  return top > 0 ? top : 1;
}

const fmt = (x: number) => (x !== 0 && Math.abs(x) < 1e-4 ? x.toExponential(3) : x.toFixed(6));

/**
 * Scores against the thresholds as text: one row per window with a bar; `┆` marks the warning threshold and
 * `│` the alert threshold on the bar's scale.
 */
export function renderScoresText(points: ScorePoint[], t: Thresholds, opts: { width?: number } = {}): string {
  const width = opts.width ?? 40;
  if (points.length === 0) return 'no windows with data';
  const max = scoreAxisMax(points, t);
  const col = (v: number) => Math.min(width - 1, Math.round((v / max) * (width - 1)));
  const alertCol = col(t.alert);
  const warnCol = t.warning !== undefined ? col(t.warning) : -1;
  const lines = [`${'window start'.padEnd(24)} ${'score'.padStart(12)}  ${'status'.padEnd(8)}0${' '.repeat(Math.max(1, width - 1 - fmt(max).length))}${fmt(max)}`];
  for (const p of points) {
    const cells = Math.max(0, Math.min(width, Math.round((p.score / max) * width)));
    const bar = [...'█'.repeat(cells) + ' '.repeat(width - cells)];
    if (warnCol >= 0 && bar[warnCol] === ' ') bar[warnCol] = '┆';
    if (bar[alertCol] === ' ') bar[alertCol] = '│';
    if (p.score > max) bar[width - 1] = '▶'; // clipped: above the axis top
    lines.push(`${new Date(p.start).toISOString().padEnd(24)} ${fmt(p.score).padStart(12)}  ${p.status.padEnd(8)}${bar.join('')}`);
  }
  lines.push(`${' '.repeat(47)}${t.warning !== undefined ? `┆ warning ${t.warning}  ` : ''}│ alert ${t.alert}`);
  return lines.join('\n');
}
