import type { PageContext } from '../main.js';
import { api } from '../api.js';
import { barChart, legend, timeChart } from '../chart.js';
import { badge, h, section, table, when } from '../dom.js';
import { needWorkspace, provenance } from './common.js';

interface Summary {
  count: number;
  mean: number;
  median: number;
  std: number;
  min: number;
  max: number;
  edgeNames: string[];
  aggregatedValues: number[];
}
interface Window {
  windowIndex: number;
  windowStart: number;
  windowEnd: number;
  score: number;
  scores: number[];
  status: string;
  metric: string;
  window: Summary;
}
interface Assay {
  id: string | number;
  name: string;
  labels: Record<string, string>;
  spec: {
    pipeline: string;
    iopath: string;
    metric: string;
    aggregation: string;
    active: boolean;
    binning: { mode: string; bins: number };
    window: { width: string; interval?: string };
    thresholds: { warning?: number; alert: number };
  };
  baseline: (Summary & { aggregation: string }) | null;
  windows: Window[];
  error: string | null;
}

const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));

function binComparison(a: Assay, w: Window): HTMLElement {
  const b = a.baseline!;
  return h(
    'div',
    { class: 'bins', 'data-testid': `bins-${a.name}` },
    h('h3', {}, `Window ${w.windowIndex + 1}: ${when(w.windowStart)} → ${when(w.windowEnd)} — score ${fmt(w.score)} `, badge(w.status)),
    barChart(b.edgeNames, [
      { name: 'baseline', color: '#8b949e', values: b.aggregatedValues },
      { name: 'window', color: '#5b8def', values: w.window.aggregatedValues },
    ], { testid: `bin-chart-${a.name}`, title: `baseline vs window ${w.windowIndex + 1} (${b.aggregation})` }),
    legend([
      { name: `baseline (${b.aggregation})`, color: '#8b949e' },
      { name: `window (${b.aggregation})`, color: '#5b8def' },
    ]),
    table(
      b.edgeNames.map((name, i) => ({ name, i })),
      [
        { title: 'Bin', cell: (r) => r.name },
        { title: 'Baseline', cell: (r) => fmt(b.aggregatedValues[r.i]!), className: 'num' },
        { title: 'Window', cell: (r) => fmt(w.window.aggregatedValues[r.i]!), className: 'num' },
        { title: `${w.metric} term`, cell: (r) => fmt(w.scores[r.i] ?? NaN), className: 'num' },
      ],
      { testid: `bin-table-${a.name}` },
    ),
  );
}

function assayCard(a: Assay): HTMLElement {
  const t = a.spec.thresholds;
  const head = h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Pipeline'), h('dd', {}, a.spec.pipeline),
    h('dt', {}, 'IO path'), h('dd', {}, h('code', {}, a.spec.iopath)),
    h('dt', {}, 'Metric'), h('dd', {}, `${a.spec.metric} (${a.spec.aggregation}, ${a.spec.binning.mode} binning, ${a.spec.binning.bins} bins)`),
    h('dt', {}, 'Window'), h('dd', {}, `width ${a.spec.window.width}, every ${a.spec.window.interval ?? a.spec.window.width}`),
    h('dt', {}, 'Thresholds'), h('dd', {}, `warning ${t.warning ?? '—'}, alert ${t.alert}`),
    h('dt', {}, 'Status'), h('dd', {}, a.spec.active ? badge('active') : badge('inactive'), ' ', a.windows.length ? badge(a.windows[a.windows.length - 1]!.status) : ''),
    h('dt', {}, 'Source'), h('dd', {}, provenance(a.labels)),
  );
  if (a.error) return section(`Assay ${a.name}`, head, h('p', { class: 'error' }, a.error));
  if (!a.windows.length) return section(`Assay ${a.name}`, head, h('p', { class: 'empty' }, 'No closed window with data yet.'));
  const thresholds = [...(t.warning !== undefined ? [{ name: 'warning', value: t.warning, color: '#d29922' }] : []), { name: 'alert', value: t.alert, color: '#e5534b' }];
  const chart = timeChart([{ name: 'score', color: '#5b8def', points: a.windows.map((w) => ({ x: w.windowStart, y: w.score })) }], { thresholds, yLabel: a.spec.metric, testid: `score-chart-${a.name}`, title: `${a.name} scores` });
  const detail = h('div', {});
  const pick = (i: number) => detail.replaceChildren(binComparison(a, a.windows[i]!));
  const select = h(
    'select',
    { 'aria-label': 'window', 'data-testid': `window-select-${a.name}`, onchange: (e: Event) => pick(Number((e.target as HTMLSelectElement).value)) },
    a.windows.map((w, i) => h('option', { value: i, selected: i === a.windows.length - 1 }, `window ${w.windowIndex + 1} — ${when(w.windowStart)} (${w.status}, ${fmt(w.score)})`)),
  );
  pick(a.windows.length - 1);
  const alerts = a.windows.filter((w) => w.status === 'Alert').length;
  const warnings = a.windows.filter((w) => w.status === 'Warning').length;
  return section(
    `Assay ${a.name}`,
    head,
    h('p', { class: 'muted', 'data-testid': `assay-summary-${a.name}` }, `${a.windows.length} windows: ${alerts} alert, ${warnings} warning`),
    chart,
    legend([{ name: 'score', color: '#5b8def' }, ...thresholds.map((x) => ({ name: `${x.name} threshold`, color: x.color, dashed: true }))]),
    h('label', { class: 'inline' }, 'Compare bins for ', select),
    detail,
  );
}

export async function assaysPage(ctx: PageContext): Promise<Node> {
  if (!ctx.workspace) return needWorkspace();
  const { assays } = await api<{ assays: Assay[] }>('/v1/api/ui/assays', { workspace_id: ctx.workspace.id });
  if (!assays.length) return section(`Assays in ${ctx.workspace.name}`, h('p', { class: 'empty', 'data-testid': 'assays' }, 'No assays in this workspace.'));
  return h('div', { 'data-testid': 'assays' }, assays.map(assayCard));
}
