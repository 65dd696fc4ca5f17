import { JoeyError, type DeploymentConfigSpec } from '../../model/index.js';
import { isQuantity, parseQuantity } from '../../model/quantity.js';
import { sortKeys } from '../../model/canonical.js';
import { indexKey, type Store } from '../store/index.js';
import type { DeploymentConfigRecord, Labels } from '../types.js';
import { checkLabels, checkName, nextId, notFoundError, now } from './common.js';

const C = 'deployment_configs';

const bad = (path: string, msg: string) => new JoeyError('invalid', `${path}: ${msg}`, { status: 400 });
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function cpus(path: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(path, 'must be a positive number of cores (fractions like 0.25 are fine)');
}
function gpus(path: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(path, 'GPUs are allocated in whole units: use a non-negative integer');
}
function memory(path: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'string' || !isQuantity(v) || parseQuantity(v) <= 0) throw bad(path, 'must be a Kubernetes memory quantity such as 512Mi or 1Gi');
}

/**
 * Validate a DeploymentConfig spec with the platform's rules: cpus > 0 (fractions allowed), gpus whole and
 * requiring `deploymentLabel` (for the engine and for sidekicks), memory a Kubernetes quantity, `replicas` and
 * `autoscale` mutually exclusive, `0 <= autoscale.min <= autoscale.max`, cpuUtilization 1..100, arch x86|arm.
 * Returns the spec with keys sorted.
 */
export function validateDeploymentConfig(spec: unknown, path = 'deployment'): DeploymentConfigSpec {
  if (!isObj(spec)) throw bad(path, 'must be an object');
  const known = new Set(['replicas', 'autoscale', 'cpus', 'memory', 'gpus', 'deploymentLabel', 'arch', 'lb', 'sidekicks']);
  for (const k of Object.keys(spec)) if (!known.has(k)) throw bad(`${path}.${k}`, `unknown field (allowed: ${[...known].join(', ')})`);
  const s = spec as DeploymentConfigSpec;
  cpus(`${path}.cpus`, s.cpus);
  gpus(`${path}.gpus`, s.gpus);
  memory(`${path}.memory`, s.memory);
  if (s.replicas !== undefined && (!Number.isInteger(s.replicas) || s.replicas < 0)) throw bad(`${path}.replicas`, 'must be a non-negative integer');
  if (s.autoscale !== undefined) {
    if (!isObj(s.autoscale)) throw bad(`${path}.autoscale`, 'must be {min, max, cpuUtilization}');
    if (s.replicas !== undefined) throw bad(path, 'set either replicas or autoscale, not both');
    const { min, max, cpuUtilization } = s.autoscale;
    if (!Number.isInteger(max) || max < 1) throw bad(`${path}.autoscale.max`, 'must be an integer >= 1');
    if (min !== undefined && (!Number.isInteger(min) || min < 0)) throw bad(`${path}.autoscale.min`, 'must be a non-negative integer');
    if ((min ?? 0) > max) throw bad(`${path}.autoscale`, `min (${min}) is greater than max (${max})`);
    if (cpuUtilization !== undefined && (typeof cpuUtilization !== 'number' || cpuUtilization <= 0 || cpuUtilization > 100))
      throw bad(`${path}.autoscale.cpuUtilization`, 'must be a percentage in (0, 100]');
  }
  if (s.deploymentLabel !== undefined && (typeof s.deploymentLabel !== 'string' || !s.deploymentLabel)) throw bad(`${path}.deploymentLabel`, 'must be a non-empty string');
  if (s.arch !== undefined && s.arch !== 'x86' && s.arch !== 'arm') throw bad(`${path}.arch`, 'must be x86 or arm');
  if (s.lb !== undefined) {
    if (!isObj(s.lb)) throw bad(`${path}.lb`, 'must be {cpus, memory}');
    cpus(`${path}.lb.cpus`, s.lb.cpus);
    memory(`${path}.lb.memory`, s.lb.memory);
  }
  let sidekickGpus = false;
  if (s.sidekicks !== undefined) {
    if (!isObj(s.sidekicks)) throw bad(`${path}.sidekicks`, 'must map model names to {cpus, memory, gpus, env}');
    for (const [model, sk] of Object.entries(s.sidekicks)) {
      const p = `${path}.sidekicks.${model}`;
      if (!isObj(sk)) throw bad(p, 'must be {cpus, memory, gpus, env}');
      cpus(`${p}.cpus`, sk.cpus);
      memory(`${p}.memory`, sk.memory);
      gpus(`${p}.gpus`, sk.gpus);
      if (sk.gpus) sidekickGpus = true;
      if (sk.env !== undefined && (!isObj(sk.env) || Object.values(sk.env).some((v) => typeof v !== 'string'))) throw bad(`${p}.env`, 'must map names to strings');
    }
  }
  if ((s.gpus || sidekickGpus) && !s.deploymentLabel)
    throw bad(path, 'GPUs require deploymentLabel (it must match the GPU nodepool label)');
  return sortKeys(s);
}

/** Named deployment configurations in a workspace; pipelines refer to them by name. */
export class DeploymentConfigService {
  constructor(private readonly store: Store) {
    store.defineIndex<DeploymentConfigRecord>(C, 'name', (r) => indexKey(r.workspace_id, r.name));
  }

  /** Create, or replace the spec/labels of the config with this name. */
  async put(input: { workspaceId: number; name: string; spec: DeploymentConfigSpec; labels?: Labels }): Promise<DeploymentConfigRecord> {
    const name = checkName('deployment config', input.name);
    const spec = validateDeploymentConfig(input.spec, `deploymentConfig ${name}`);
    const labels = checkLabels(input.labels);
    return this.store.withLock(() => {
      const t = now();
      const cur = this.byName(input.workspaceId, name);
      const rec: DeploymentConfigRecord = cur
        ? { ...cur, spec, labels: input.labels !== undefined ? labels : cur.labels, updated_at: t }
        : { id: nextId(this.store, C), name, workspace_id: input.workspaceId, spec, labels, created_at: t, updated_at: t };
      this.store.putUnlocked(C, String(rec.id), rec);
      return rec;
    });
  }

  get(id: number): DeploymentConfigRecord {
    const r = this.store.get<DeploymentConfigRecord>(C, String(id));
    if (!r) throw notFoundError(`deployment config ${id}`);
    return r;
  }

  byName(workspaceId: number, name: string): DeploymentConfigRecord | undefined {
    return this.store.lookup<DeploymentConfigRecord>(C, 'name', indexKey(workspaceId, name))[0];
  }

  getByName(workspaceId: number, name: string): DeploymentConfigRecord {
    const r = this.byName(workspaceId, name);
    if (!r) throw notFoundError(`deployment config ${JSON.stringify(name)} in workspace ${workspaceId}`);
    return r;
  }

  list(workspaceId?: number): DeploymentConfigRecord[] {
    return this.store.list<DeploymentConfigRecord>(C, (r) => workspaceId === undefined || r.workspace_id === workspaceId).sort((a, b) => a.id - b.id);
  }

  async delete(id: number): Promise<boolean> {
    return this.store.delete(C, String(id));
  }
}
