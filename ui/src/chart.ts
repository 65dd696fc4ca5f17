/** Charts drawn as inline SVG (no chart library, nothing fetched at runtime). */

const NS = 'http://www.w3.org/2000/svg';

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
  /** Draw bars instead of a line. */
  bars?: boolean;
}

export interface Threshold {
  name: string;
  value: number;
  color: string;
}

const W = 720;
const H = 240;
const M = { l: 52, r: 16, t: 16, b: 40 };

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 || v === 0 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(2));

function timeLabel(ms: number, span: number): string {
  const iso = new Date(ms).toISOString();
  return span > 2 * 86_400_000 ? iso.slice(5, 10) : iso.slice(11, 16);
}

/** A time-series chart: x is epoch ms; lines or bars; horizontal threshold lines. */
export function timeChart(series: Series[], opts: { thresholds?: Threshold[]; yLabel?: string; testid?: string; title?: string } = {}): SVGSVGElement {
  const all = series.flatMap((x) => x.points);
  const xs = all.map((p) => p.x);
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (!all.length) x0 = x1 = Date.now();
  const barCount = Math.max(1, ...series.filter((x) => x.bars).map((x) => x.points.length));
  const slot = series.some((x) => x.bars) && barCount > 1 ? (x1 - x0) / (barCount - 1) : 0;
  if (slot) {
    x0 -= slot / 2;
    x1 += slot / 2;
  }
  if (x1 === x0) {
    x0 -= 60_000;
    x1 += 60_000;
  }
  const yMax = niceMax(Math.max(0, ...all.map((p) => p.y), ...(opts.thresholds ?? []).map((t) => t.value * 1.15)));
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const X = (x: number) => M.l + ((x - x0) / (x1 - x0)) * pw;
  const Y = (y: number) => M.t + ph - (y / yMax) * ph;

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', ...(opts.testid ? { 'data-testid': opts.testid } : {}) });
  if (opts.title) svg.appendChild(s('title', {}, opts.title));
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    svg.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: Y(v), y2: Y(v), class: 'grid' }));
    svg.appendChild(s('text', { x: M.l - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const x = x0 + ((x1 - x0) * i) / ticks;
    svg.appendChild(s('text', { x: X(x), y: H - M.b + 16, 'text-anchor': 'middle', class: 'tick' }, timeLabel(x, x1 - x0)));
  }
  if (opts.yLabel) svg.appendChild(s('text', { x: 12, y: M.t + ph / 2, transform: `rotate(-90 12 ${M.t + ph / 2})`, 'text-anchor': 'middle', class: 'axis' }, opts.yLabel));

  const barSeries = series.filter((x) => x.bars);
  const bw = slot ? ((slot / (x1 - x0)) * pw * 0.8) / Math.max(1, barSeries.length) : 8;
  barSeries.forEach((ser, k) => {
    for (const p of ser.points) {
      const x = X(p.x) - (bw * barSeries.length) / 2 + k * bw;
      const r = s('rect', { x, y: Y(p.y), width: Math.max(1, bw - 1), height: Math.max(0, Y(0) - Y(p.y)), fill: ser.color, class: 'bar' });
      r.appendChild(s('title', {}, `${ser.name} ${new Date(p.x).toISOString()}: ${p.y}`));
      svg.appendChild(r);
    }
  });
  for (const ser of series.filter((x) => !x.bars)) {
    if (!ser.points.length) continue;
    const d = ser.points.map((p, i) => `${i ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    svg.appendChild(s('path', { d, fill: 'none', stroke: ser.color, 'stroke-width': 2 }));
    for (const p of ser.points) {
      const c = s('circle', { cx: X(p.x), cy: Y(p.y), r: 3.5, fill: ser.color, class: 'point' });
      c.appendChild(s('title', {}, `${ser.name} ${new Date(p.x).toISOString()}: ${fmt(p.y)}`));
      svg.appendChild(c);
    }
  }
  for (const t of opts.thresholds ?? []) {
    svg.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: Y(t.value), y2: Y(t.value), stroke: t.color, 'stroke-dasharray': '6 4', 'stroke-width': 1.5, class: 'threshold' }));
    svg.appendChild(s('text', { x: W - M.r - 4, y: Y(t.value) - 4, 'text-anchor': 'end', fill: t.color, class: 'tick' }, `${t.name} ${fmt(t.value)}`));
  }
  svg.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: Y(0), y2: Y(0), class: 'axisline' }));
  return svg;
}

/** Grouped bars per category (bins): one bar per series in each group. */
export function barChart(categories: string[], series: { name: string; color: string; values: number[] }[], opts: { testid?: string; title?: string } = {}): SVGSVGElement {
  const yMax = niceMax(Math.max(0, ...series.flatMap((x) => x.values)));
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const Y = (y: number) => M.t + ph - (y / yMax) * ph;
  const gw = pw / Math.max(1, categories.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', ...(opts.testid ? { 'data-testid': opts.testid } : {}) });
  if (opts.title) svg.appendChild(s('title', {}, opts.title));
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    svg.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: Y(v), y2: Y(v), class: 'grid' }));
    svg.appendChild(s('text', { x: M.l - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  categories.forEach((c, i) => {
    const gx = M.l + i * gw + gw * 0.1;
    series.forEach((ser, k) => {
      const v = ser.values[i] ?? 0;
      const r = s('rect', { x: gx + k * bw, y: Y(v), width: Math.max(1, bw - 2), height: Math.max(0, Y(0) - Y(v)), fill: ser.color, class: 'bar' });
      r.appendChild(s('title', {}, `${ser.name} ${c}: ${fmt(v)}`));
      svg.appendChild(r);
    });
    svg.appendChild(s('text', { x: M.l + i * gw + gw / 2, y: H - M.b + 16, 'text-anchor': 'middle', class: 'tick' }, c));
  });
  svg.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: Y(0), y2: Y(0), class: 'axisline' }));
  return svg;
}

export function legend(items: { name: string; color: string; dashed?: boolean }[]): HTMLElement {
  const el = document.createElement('div');
  el.className = 'legend';
  for (const it of items) {
    const sw = document.createElement('span');
    sw.className = `swatch${it.dashed ? ' dashed' : ''}`;
    sw.style.setProperty('--c', it.color);
    const t = document.createElement('span');
    t.textContent = it.name;
    el.append(sw, t);
  }
  return el;
}
