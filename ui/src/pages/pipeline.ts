import type { PageContext } from '../main.js';
import { api } from '../api.js';
import { timeChart, legend } from '../chart.js';
import { badge, h, section, short, table, when } from '../dom.js';
import { provenance, userLabels } from './common.js';
import { deploymentBadge, stepsText, type PipelineView } from './pipelines.js';

interface Version {
  id: number;
  version: string;
  definition: PipelineView['definition'];
  definition_hash: string;
  created_at: string;
}
interface DeploymentStatus {
  status: string;
  details: string[];
  engines: { name: string; status: string; model_statuses: { models: { name: string; version: string; sha: string; status: string }[] } }[];
  sidekicks: { name: string; status: string }[];
}
interface Inferences {
  columns: string[];
  rows: { time: number; anomaly_count: number; cells: Record<string, string> }[];
  series: { start: number; end: number; inferences: number; anomalies: number }[];
  total: number;
  truncated: boolean;
}

export async function pipelinePage(ctx: PageContext): Promise<Node> {
  const id = Number(ctx.params[0]);
  const p = await api<PipelineView>('/v1/api/pipelines/get_pipeline', { pipeline_id: id });
  const [{ versions }, logs] = await Promise.all([
    api<{ versions: Version[] }>('/v1/api/pipelines/list_versions', { pipeline_id: id }),
    api<Inferences>('/v1/api/ui/pipeline_inferences', { pipeline_id: id, limit: 20, buckets: 24 }),
  ]);
  const status = p.deployment?.deployed ? await api<DeploymentStatus>('/v1/api/status/get_deployment', { name: p.deployment.name }) : null;

  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Pipeline'), h('dd', { 'data-testid': 'pipeline-name' }, p.name),
    h('dt', {}, 'Current version'), h('dd', {}, h('code', {}, p.pipeline_version)),
    h('dt', {}, 'Deployment'), h('dd', { 'data-testid': 'deployment-status' }, deploymentBadge(p), p.deployment ? ` ${p.deployment.name}` : ''),
    h('dt', {}, 'Steps'), h('dd', {}, stepsText(p.definition.steps)),
    h('dt', {}, 'Source'), h('dd', {}, provenance(p.labels)),
    h('dt', {}, 'Labels'), h('dd', {}, userLabels(p.labels) || '—'),
  );

  const validations = Object.entries(p.definition.validations ?? {});
  const models = status?.engines.flatMap((e) => e.model_statuses.models) ?? [];

  const chartBox = h('div', { class: 'chartbox' });
  if (logs.series.length) {
    chartBox.append(
      timeChart(
        [
          { name: 'inferences', color: '#5b8def', bars: true, points: logs.series.map((b) => ({ x: (b.start + b.end) / 2, y: b.inferences })) },
          { name: 'with anomalies', color: '#e5534b', points: logs.series.map((b) => ({ x: (b.start + b.end) / 2, y: b.anomalies })) },
        ],
        { yLabel: 'rows', testid: 'inference-chart', title: 'inferences and anomalies over time' },
      ),
      legend([
        { name: 'inference rows', color: '#5b8def' },
        { name: 'rows with anomaly.count > 0', color: '#e5534b' },
      ]),
    );
  } else chartBox.append(h('p', { class: 'empty' }, 'No inferences logged yet.'));

  const totalAnomalies = logs.series.reduce((a, b) => a + b.anomalies, 0);
  return h(
    'div',
    {},
    h('p', {}, h('a', { href: '#/pipelines' }, '← Pipelines')),
    section(`Pipeline ${p.name}`, facts),
    section(
      'Deployment status',
      status
        ? table(models, [
            { title: 'Model', cell: (m) => m.name },
            { title: 'Version', cell: (m) => h('code', {}, short(m.version, 8)) },
            { title: 'SHA', cell: (m) => h('code', { title: m.sha }, short(m.sha, 12)) },
            { title: 'Status', cell: (m) => badge(m.status) },
          ], { testid: 'model-statuses', empty: 'No models.' })
        : h('p', { class: 'empty' }, 'Not deployed.'),
      status?.details.length ? h('p', { class: 'error' }, status.details.join('; ')) : null,
    ),
    section(
      'Inferences and anomalies over time',
      h('p', { class: 'muted', 'data-testid': 'inference-summary' }, `${logs.total} logged rows${logs.truncated ? ' (newest shown)' : ''}, ${totalAnomalies} with anomalies`),
      chartBox,
    ),
    section(
      'Recent inferences',
      table(
        logs.rows,
        [
          { title: 'Time', cell: (r) => when(r.time) },
          ...logs.columns.map((c) => ({ title: c, cell: (r: Inferences['rows'][number]) => h('code', {}, r.cells[c] ?? '') })),
          { title: 'anomaly.count', cell: (r) => (r.anomaly_count ? badge('alert', String(r.anomaly_count)) : '0'), className: 'num' },
        ],
        { testid: 'inferences', empty: 'No inferences logged yet.' },
      ),
    ),
    section(
      'Validations',
      table(validations, [
        { title: 'Name', cell: ([n]) => n },
        { title: 'Expression (True = anomaly)', cell: ([, e]) => h('code', {}, e) },
      ], { empty: 'No validations.' }),
    ),
    section(
      'Versions',
      table(
        [...versions].reverse(),
        [
          { title: 'Version', cell: (v) => h('code', {}, v.version) },
          { title: 'Steps', cell: (v) => stepsText(v.definition.steps) },
          { title: 'Validations', cell: (v) => Object.keys(v.definition.validations ?? {}).join(', ') || '—' },
          { title: 'Deployed', cell: (v) => (p.deployment?.deployed && p.deployment.pipeline_version_pk_id === v.id ? badge('running', 'deployed') : '') },
          { title: 'Created', cell: (v) => when(v.created_at) },
        ],
        { testid: 'versions' },
      ),
    ),
  );
}
