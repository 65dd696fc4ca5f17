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
  edge_names: string[];
  aggregated_values: number[];
  aggregation: string;
}
interface Result {
  window_index: number;
  window_start: string;
  window_end: string;
  score: number;
  scores: number[];
  bin_index: number | null;
  status: string;
  window_summary: Summary;
}
interface Assay {
  id: number;
  name: string;
  labels: Record<string, string>;
  pipeline_name: string;
  iopath: string;
  active: boolean;
  baseline_source: { start: string; end: string } | { values: number } | { file: string };
  baseline_summary: Summary;
  window: { width: string; interval: string; start: string };
  summarizer: { bin_mode: string; aggregation: string; metric: string; num_bins: number };
  warning_threshold: number | null;
  alert_threshold: number;
  status: { run_at: string | null; num_ok: number; num_warnings: number; num_alerts: number };
  results: Result[];
  total_results: number;
}

const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));
const ms = (iso: string) => new Date(iso).getTime();

function baselineText(a: Assay): string {
  const b = a.baseline_source;
  if ('values' in b) return `${b.values} given values`;
  if ('file' in b) return `file ${b.file}`;
  return `logs ${when(b.start)} → ${when(b.end)}`;
}

function binComparison(a: Assay, w: Result): HTMLElement {
  const b = a.baseline_summary;
  const metric = a.summarizer.metric;
  return h(
    'div',
    { class: 'bins', 'data-testid': `bins-${a.name}` },
    h('h3', {}, `Window ${w.window_index}: ${when(w.window_start)} → ${when(w.window_end)} — ${metric} ${fmt(w.score)} `, badge(w.status)),
    barChart(b.edge_names, [
      { name: 'baseline', color: '#8b949e', values: b.aggregated_values },
      { name: 'window', color: '#5b8def', values: w.window_summary.aggregated_values },
    ], { testid: `bin-chart-${a.name}`, title: `baseline vs window ${w.window_index} (${b.aggregation})` }),
    legend([
      { name: `baseline (${b.aggregation})`, color: '#8b949e' },
      { name: `window (${b.aggregation})`, color: '#5b8def' },
    ]),
    table(
      b.edge_names.map((name, i) => ({ name, i })),
      [
        { title: 'Bin', cell: (r) => (w.bin_index === r.i ? h('strong', {}, r.name) : r.name) },
        { title: 'Baseline', cell: (r) => fmt(b.aggregated_values[r.i]!), className: 'num' },
        { title: 'Window', cell: (r) => fmt(w.window_summary.aggregated_values[r.i]!), className: 'num' },
        { title: `${metric} term`, cell: (r) => fmt(w.scores[r.i] ?? NaN), className: 'num' },
      ],
      { testid: `bin-table-${a.name}` },
    ),
    h('p', { class: 'muted' }, `baseline: ${b.count} values, mean ${fmt(b.mean)}, median ${fmt(b.median)}; window: ${w.window_summary.count} values, mean ${fmt(w.window_summary.mean)}, median ${fmt(w.window_summary.median)}`),
  );
}

function assayCard(a: Assay): HTMLElement {
  const head = h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Pipeline'), h('dd', {}, a.pipeline_name),
    h('dt', {}, 'IO path'), h('dd', {}, h('code', {}, a.iopath)),
    h('dt', {}, 'Metric'), h('dd', {}, `${a.summarizer.metric} (${a.summarizer.aggregation}, ${a.summarizer.bin_mode} binning, ${a.summarizer.num_bins} bins)`),
    h('dt', {}, 'Baseline'), h('dd', {}, baselineText(a)),
    h('dt', {}, 'Window'), h('dd', {}, `width ${a.window.width}, every ${a.window.interval}, from ${when(a.window.start)}`),
    h('dt', {}, 'Thresholds'), h('dd', {}, `warning ${a.warning_threshold ?? '—'}, alert ${a.alert_threshold}`),
    h('dt', {}, 'Status'), h('dd', {}, a.active ? badge('active') : badge('inactive', 'paused'), ` ${a.status.num_ok} ok, ${a.status.num_warnings} warning, ${a.status.num_alerts} alert; last run ${when(a.status.run_at)}`),
    h('dt', {}, 'Source'), h('dd', {}, provenance(a.labels)),
  );
  const rs = a.results;
  if (!rs.length) return section(`Assay ${a.name}`, head, h('p', { class: 'empty' }, 'No window analyzed yet.'));
  const thresholds = [...(a.warning_threshold !== null ? [{ name: 'warning', value: a.warning_threshold, color: '#d29922' }] : []), { name: 'alert', value: a.alert_threshold, color: '#e5534b' }];
  const chart = timeChart([{ name: 'score', color: '#5b8def', points: rs.map((w) => ({ x: ms(w.window_start), y: w.score })) }], { thresholds, yLabel: a.summarizer.metric, testid: `score-chart-${a.name}`, title: `${a.name} scores` });
  const detail = h('div', {});
  const pick = (i: number) => detail.replaceChildren(binComparison(a, rs[i]!));
  const select = h(
    'select',
    { 'aria-label': 'window', 'data-testid': `window-select-${a.name}`, onchange: (e: Event) => pick(Number((e.target as HTMLSelectElement).value)) },
    rs.map((w, i) => h('option', { value: i, selected: i === rs.length - 1 }, `window ${w.window_index} — ${when(w.window_start)} (${w.status}, ${fmt(w.score)})`)),
  );
  pick(rs.length - 1);
  return section(
    `Assay ${a.name}`,
    head,
    h('p', { class: 'muted', 'data-testid': `assay-summary-${a.name}` }, `${a.total_results} windows analyzed${a.total_results > rs.length ? ` (last ${rs.length} shown)` : ''}`),
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
