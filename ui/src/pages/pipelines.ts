import type { PageContext } from '../main.js';
import { api } from '../api.js';
import { badge, h, link, section, short, table, when } from '../dom.js';
import { needWorkspace, provenance, userLabels } from './common.js';

export interface PipelineView {
  id: number;
  name: string;
  workspace_id: number;
  tags: string[];
  labels: Record<string, string>;
  created_at: string;
  updated_at: string;
  pipeline_variant_pk_id: number;
  pipeline_version: string;
  definition: { steps: Record<string, unknown>[]; validations: Record<string, string> };
  deployment: { id: number; name: string; deployed: boolean; status: string; pipeline_version_pk_id: number } | null;
}

export function deploymentBadge(p: PipelineView): HTMLElement {
  if (!p.deployment) return badge('undeployed', 'not deployed');
  if (!p.deployment.deployed) return badge('undeployed', 'undeployed');
  return badge(p.deployment.status);
}

export function stepsText(steps: Record<string, unknown>[]): string {
  return steps
    .map((s) => {
      const [kind, v] = Object.entries(s)[0] ?? ['?', {}];
      const x = v as { name?: string; champion?: { name: string }; challengers?: ({ name: string } | { model: { name: string } })[] };
      if (kind === 'model') return x.name ?? '?';
      const ch = (x.challengers ?? []).map((c) => ('model' in c ? c.model.name : c.name)).join(', ');
      return `${kind}(${x.champion?.name} vs ${ch})`;
    })
    .join(' → ');
}

export async function pipelinesPage(ctx: PageContext): Promise<Node> {
  if (!ctx.workspace) return needWorkspace();
  const { pipelines } = await api<{ pipelines: PipelineView[] }>('/v1/api/pipelines/list', { workspace_id: ctx.workspace.id });
  return section(
    `Pipelines in ${ctx.workspace.name}`,
    table(
      pipelines,
      [
        { title: 'Name', cell: (p) => link(`#/pipelines/${p.id}`, p.name) },
        { title: 'Version', cell: (p) => h('code', { title: p.pipeline_version }, short(p.pipeline_version, 8)) },
        { title: 'Deployment', cell: (p) => deploymentBadge(p) },
        { title: 'Steps', cell: (p) => stepsText(p.definition.steps) },
        { title: 'Validations', cell: (p) => Object.keys(p.definition.validations ?? {}).join(', ') || '—' },
        { title: 'Tags', cell: (p) => p.tags.map((t) => h('span', { class: 'chip' }, t)) },
        { title: 'Labels', cell: (p) => userLabels(p.labels) },
        { title: 'Source / commit', cell: (p) => provenance(p.labels) },
        { title: 'Updated', cell: (p) => when(p.updated_at) },
      ],
      { testid: 'pipelines', rowTestid: (p) => `pipeline-${p.name}`, empty: 'No pipelines in this workspace.' },
    ),
  );
}
