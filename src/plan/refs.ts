import type { Kind } from '../model/index.js';
import { keyOf } from '../model/index.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rank of each kind in the apply order (deletes run in reverse). */
export const KIND_ORDER: Record<Kind, number> = {
  Workspace: 0,
  Connection: 1,
  Model: 1,
  Orchestration: 1,
  DeploymentConfig: 2,
  Pipeline: 3,
  Task: 4,
  Assay: 4,
};

/** Names of the models a pipeline's steps use. */
export function pipelineModels(spec: unknown): string[] {
  const out = new Set<string>();
  const steps = isObj(spec) && Array.isArray(spec.steps) ? spec.steps : [];
  for (const step of steps) {
    if (!isObj(step)) continue;
    if (typeof step.model === 'string') out.add(step.model);
    if (isObj(step.abTest)) {
      if (typeof step.abTest.champion === 'string') out.add(step.abTest.champion);
      for (const c of Array.isArray(step.abTest.challengers) ? step.abTest.challengers : []) if (isObj(c) && typeof c.model === 'string') out.add(c.model);
    }
    if (isObj(step.shadow)) {
      if (typeof step.shadow.champion === 'string') out.add(step.shadow.champion);
      for (const c of Array.isArray(step.shadow.challengers) ? step.shadow.challengers : []) if (typeof c === 'string') out.add(c);
    }
  }
  return [...out].sort();
}

/**
 * Keys of the objects `kind/workspace` with this spec refers to: its workspace, and
 * pipeline → models + deployment config, task → orchestration, assay → pipeline.
 * `build` marks the refs whose changes require the object to be rebuilt (redeployed).
 */
export function refsOf(kind: Kind, workspace: string | undefined, spec: unknown): { all: string[]; build: string[] } {
  if (kind === 'Workspace' || !workspace) return { all: [], build: [] };
  const build: string[] = [];
  const s = isObj(spec) ? spec : {};
  if (kind === 'Pipeline') {
    for (const m of pipelineModels(s)) build.push(keyOf({ kind: 'Model', workspace, name: m }));
    if (typeof s.deployment === 'string') build.push(keyOf({ kind: 'DeploymentConfig', workspace, name: s.deployment }));
  } else if (kind === 'Task' && typeof s.orchestration === 'string') {
    build.push(keyOf({ kind: 'Orchestration', workspace, name: s.orchestration }));
  }
  const all = [keyOf({ kind: 'Workspace', name: workspace }), ...build];
  if (kind === 'Assay' && typeof s.pipeline === 'string') all.push(keyOf({ kind: 'Pipeline', workspace, name: s.pipeline }));
  return { all, build };
}
