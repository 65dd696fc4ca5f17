import { createHash } from 'node:crypto';
import type { Kind, KindSpec } from './kinds.js';
import { normalizeQuantity } from './quantity.js';
import { normalizeDuration } from './duration.js';

/**
 * The canonical (normalized) form of a spec: defaults filled, quantities and durations in one spelling,
 * object keys sorted. Two specs that mean the same thing have the same canonical form, so `specHash`
 * only changes when the meaning does.
 */

/** Platform defaults (from the seeds) that canonicalSpec fills in when a manifest leaves them out. */
export const DEFAULTS = {
  workspace: { members: [], prune: false },
  pipeline: { validations: {}, deployment: false as const },
  abTest: { championWeight: 1 },
  task: { args: {}, timezone: 'UTC' },
  // "By default the interval and width is 24 hours"; PSI over 5 quantile bins, density; alert threshold 0.1.
  assay: {
    window: { width: '24h' },
    binning: { mode: 'quantile' as const, bins: 5 },
    aggregation: 'density' as const,
    metric: 'psi' as const,
    thresholds: { alert: 0.1 },
    active: true,
  },
  autoscale: { min: 0 },
  replicas: 1,
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});

/** Deep copy with every object's keys sorted; `undefined` values dropped (as JSON would). */
export function sortKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => sortKeys(x)) as T;
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
    return out as T;
  }
  return v;
}

/** JSON with sorted keys: the stable serialization hashes are taken over. */
export function stableStringify(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

// The helpers below never mutate their input: they build new objects level by level where they change
// something, and `sortKeys` deep-copies the result at the end.

function withMemory<T extends Obj>(r: T): T {
  return typeof r.memory === 'string' ? { ...r, memory: normalizeQuantity(r.memory) } : r;
}

function canonicalDeploymentConfig(spec: Obj): Obj {
  const s: Obj = withMemory({ ...spec });
  if (isObj(s.lb)) s.lb = withMemory(s.lb);
  if (isObj(s.sidekicks)) {
    s.sidekicks = Object.fromEntries(Object.entries(s.sidekicks).map(([k, v]) => [k, isObj(v) ? withMemory(v) : v]));
  }
  if (isObj(s.autoscale)) s.autoscale = { ...DEFAULTS.autoscale, ...s.autoscale };
  else if (s.replicas === undefined) s.replicas = DEFAULTS.replicas;
  return s;
}

function canonicalPipeline(spec: Obj): Obj {
  const s: Obj = { validations: {}, deployment: DEFAULTS.pipeline.deployment, ...spec };
  if (Array.isArray(s.steps)) {
    s.steps = s.steps.map((step) =>
      isObj(step) && isObj(step.abTest) ? { ...step, abTest: { ...DEFAULTS.abTest, ...step.abTest } } : step,
    );
  }
  if (isObj(s.deployment)) s.deployment = canonicalDeploymentConfig(s.deployment);
  return s;
}

function canonicalAssay(spec: Obj): Obj {
  const d = DEFAULTS.assay;
  const w: Obj = { ...d.window, ...obj(spec.window) };
  if (typeof w.width === 'string') w.width = normalizeDuration(w.width);
  w.interval = typeof w.interval === 'string' ? normalizeDuration(w.interval) : w.width;
  return {
    aggregation: d.aggregation,
    metric: d.metric,
    active: d.active,
    ...spec,
    binning: { ...d.binning, ...obj(spec.binning) },
    thresholds: { ...d.thresholds, ...obj(spec.thresholds) },
    window: w,
  };
}

/** Defaults filled, quantities/durations normalized, keys sorted. Never throws on odd input. */
export function canonicalSpec<K extends Kind>(kind: K, spec: KindSpec[K] | Obj | undefined): KindSpec[K] {
  const s = obj(spec);
  let out: Obj;
  switch (kind) {
    case 'Workspace': {
      out = { members: [], prune: DEFAULTS.workspace.prune, ...s };
      if (Array.isArray(out.members)) {
        out.members = [...(out.members as Obj[])].sort((a, b) => String(a?.user).localeCompare(String(b?.user)));
      }
      break;
    }
    case 'Connection':
      out = { details: {}, ...s };
      break;
    case 'DeploymentConfig':
      out = canonicalDeploymentConfig(s);
      break;
    case 'Pipeline':
      out = canonicalPipeline(s);
      break;
    case 'Task':
      out = { args: {}, timezone: DEFAULTS.task.timezone, ...s };
      break;
    case 'Assay':
      out = canonicalAssay(s);
      break;
    default:
      out = s;
  }
  return sortKeys(out) as unknown as KindSpec[K];
}

/**
 * sha256 (hex) of the canonical spec. For Model and Orchestration it covers the artifact's `sha256`,
 * not its `path`: moving a file does not change the object, changing its bytes does.
 */
export function specHash(resource: { kind: Kind; spec: unknown }): string {
  const spec = canonicalSpec(resource.kind, resource.spec as Obj) as unknown as Obj;
  if (resource.kind === 'Model' || resource.kind === 'Orchestration') delete spec.path;
  return createHash('sha256').update(stableStringify(spec)).digest('hex');
}
