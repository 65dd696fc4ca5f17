import type { AnyResource, Kind } from '../model/index.js';

const PLURAL: Record<Kind, [string, string]> = {
  Workspace: ['workspace', 'workspaces'],
  Connection: ['connection', 'connections'],
  Model: ['model', 'models'],
  DeploymentConfig: ['deployment config', 'deployment configs'],
  Pipeline: ['pipeline', 'pipelines'],
  Orchestration: ['orchestration', 'orchestrations'],
  Task: ['task', 'tasks'],
  Assay: ['assay', 'assays'],
};
const ORDER: Kind[] = ['Workspace', 'Connection', 'Model', 'DeploymentConfig', 'Pipeline', 'Orchestration', 'Task', 'Assay'];

/** Counts per kind: `1 workspace, 2 models, 1 deployment config, ...`. */
export function summarize(resources: AnyResource[]): { counts: Partial<Record<Kind, number>>; text: string } {
  const counts: Partial<Record<Kind, number>> = {};
  for (const r of resources) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  const text = ORDER.filter((k) => counts[k])
    .map((k) => `${counts[k]} ${PLURAL[k][counts[k] === 1 ? 0 : 1]}`)
    .join(', ');
  return { counts, text };
}
