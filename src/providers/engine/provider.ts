import { readFileSync, writeFileSync } from 'node:fs';
import { Engine } from '../../engine/index.js';
import type { DeploymentConfigSpec, Kind, PipelineStep, WorkspaceRole } from '../../model/index.js';
import { JoeyError, keyOf } from '../../model/index.js';
import type { ModelRecord, ModelVersionRecord, WorkspaceRecord, ModelRef } from '../../engine/types.js';
import type { ActualObject } from '../../plan/types.js';
import { pipelineModels } from '../../plan/refs.js';
import type { DeleteOp, Provider, WriteOp } from '../../apply/provider.js';
import { zipFolderDeterministic } from '../../manifest/zip.js';
import { statSync } from 'node:fs';
import { tasksOf, type TaskService } from '../../engine/tasks/index.js';
import { assaysOf } from '../../engine/assays/index.js';
import type { AssaySpec } from '../../model/index.js';
import { ARTIFACT_SHA, ASSAY_SPEC, IMPLICIT_OWNER, PRUNE, assaySpec, localUser, modelSpec, pinSteps, pipelineSpec, sortDeep, taskSpec, workspaceActual, type Obj } from './mapping.js';
import { HttpClient } from './client.js';
import { RemoteEngineProvider } from './remote.js';

export { stepOf } from './mapping.js';

/**
 * The engine provider: maps each kind to the engine's services. Every write carries the object's labels in the
 * same call that creates or changes it, so a process killed between two calls never leaves an object joey made
 * without its `joey.dev/managed-by` label (the next plan would otherwise not know it).
 *
 * Kinds: Workspace, Connection, Model, DeploymentConfig, Pipeline (+ its deployment), Orchestration, Task, Assay.
 */

const unsupported = (kind: Kind) =>
  new JoeyError('unsupported', `the engine provider does not support ${kind} objects`, { status: 501 });

export class EngineProvider implements Provider {
  readonly name = 'engine';
  private tasksSvc: TaskService | undefined;

  constructor(
    readonly engine: Engine,
    private readonly ownsEngine = false,
  ) {}

  private get tasks(): TaskService {
    return (this.tasksSvc ??= tasksOf(this.engine));
  }

  // ------------------------------------------------------------------ read

  async read(): Promise<ActualObject[]> {
    const e = this.engine;
    const out: ActualObject[] = [];
    const wsName = new Map<number, string>();
    for (const w of e.workspaces.list({ includeArchived: false })) {
      wsName.set(w.id, w.name);
      out.push(this.readWorkspace(w));
    }
    const inWs = (id: number | undefined) => (id === undefined ? undefined : wsName.get(id));
    const push = (kind: Kind, workspaceId: number | undefined, name: string, id: string | number, spec: unknown, labels: Record<string, string>, tags?: string[]) => {
      const workspace = inWs(workspaceId);
      if (!workspace) return; // instance-level or archived workspace: not joey's
      out.push({ key: keyOf({ kind, workspace, name }), kind, workspace, name, id: String(id), spec, labels: { ...labels }, ...(tags?.length ? { tags: [...tags] } : {}) });
    };
    for (const c of e.connections.list()) push('Connection', c.workspace_id, c.name, c.id, { type: c.type, details: c.details, detailsSha256: c.details_sha256 }, c.labels);
    const modelSha = new Map<string, string>();
    for (const m of e.models.list()) {
      const v = this.currentVersion(m);
      if (!v) continue;
      modelSha.set(`${m.workspace_id}/${m.name}`, v.sha);
      push('Model', m.workspace_id, m.name, m.id, modelSpec(v), m.labels, m.tags);
    }
    for (const d of e.deploymentConfigs.list()) push('DeploymentConfig', d.workspace_id, d.name, d.id, d.spec, d.labels);
    for (const p of e.pipelines.list()) {
      const dep = e.deployments.byPipeline(p.id);
      const deployed = dep?.deployed ? dep : undefined;
      // What runs is the deployed version; an undeployed pipeline is its newest version.
      const version = e.pipelines.getVersion(deployed?.pipeline_version_id ?? p.current_version_id);
      const spec = pipelineSpec(version.definition, deployed ? (deployed.config_name ?? deployed.engine_config) : false);
      push('Pipeline', p.workspace_id, p.name, p.id, spec, p.labels, p.tags);
    }
    for (const o of this.tasks.orchestrations.list()) {
      if (o.status === 'error') continue;
      push('Orchestration', o.workspace_id, o.name, o.id, { sha256: o.sha }, o.labels);
    }
    const orchName = new Map(this.tasks.orchestrations.list().map((o) => [o.id, o.name]));
    for (const t of this.tasks.list({ killed: false })) {
      if (!t.name) continue;
      const spec = taskSpec(t, orchName.get(t.orch_id) ?? t.orch_id);
      push('Task', t.workspace_id, t.name, t.id, spec, t.labels ?? {});
    }
    for (const a of assaysOf(e).list()) push('Assay', a.workspace_id, a.name, a.id, assaySpec(a), a.labels);
    return out;
  }

  private readWorkspace(w: WorkspaceRecord): ActualObject {
    return workspaceActual(w);
  }

  /** The version a model serves: the one joey last applied (by sha), else the newest. */
  private currentVersion(m: ModelRecord): ModelVersionRecord | undefined {
    const vs = this.engine.models.versions(m.id);
    const want = m.labels[ARTIFACT_SHA];
    return (want && vs.find((v) => v.sha === want)) || vs[0];
  }

  private workspaceId(name: string | undefined): number {
    if (!name) throw new JoeyError('invalid', 'object has no workspace');
    return this.engine.workspaces.getByName(name).id;
  }

  // ------------------------------------------------------------------ writes

  async create(op: WriteOp): Promise<void> {
    await this.write(op, 'create');
  }
  async update(op: WriteOp): Promise<void> {
    await this.write(op, 'update');
  }
  async replace(op: WriteOp): Promise<void> {
    await this.write(op, 'replace');
  }

  private async write(op: WriteOp, verb: 'create' | 'update' | 'replace'): Promise<void> {
    const e = this.engine;
    const spec = op.payload.spec as Obj;
    const labels = { ...op.payload.labels };
    switch (op.kind) {
      case 'Workspace': {
        const members = (spec.members as { user: string; role: WorkspaceRole }[]) ?? [];
        labels[PRUNE] = String(Boolean(spec.prune));
        const cur = e.workspaces.byName(op.name);
        const owner = members.find((m) => m.role === 'owner')?.user;
        if (!cur) {
          const creator = owner ?? localUser();
          if (!owner) labels[IMPLICIT_OWNER] = creator;
          await e.workspaces.create({ name: op.name, owner: creator, members, labels });
          return;
        }
        if (cur.archived) await e.workspaces.archive(cur.id, false);
        if (!owner) labels[IMPLICIT_OWNER] = cur.labels[IMPLICIT_OWNER] ?? cur.created_by;
        const keep = !owner ? [{ user: labels[IMPLICIT_OWNER]!, role: 'owner' as const }] : [];
        await e.workspaces.setMembers(cur.id, [...keep, ...members]);
        await e.workspaces.setLabels(cur.id, labels);
        return;
      }
      case 'Connection': {
        const workspaceId = this.workspaceId(op.workspace);
        if (verb === 'replace') {
          const cur = e.connections.byName(workspaceId, op.name);
          if (cur) await e.connections.delete(cur.id);
        }
        await e.connections.put({ workspaceId, name: op.name, type: String(spec.type), details: (spec.details as Record<string, string>) ?? {}, labels });
        return;
      }
      case 'Model': {
        const path = op.payload.artifactPath;
        if (!path) throw new JoeyError('invalid', `${op.key}: no artifact path in the plan`);
        const bytes = statSync(path).isDirectory() ? zipFolderDeterministic(path) : readFileSync(path);
        if (spec.sha256) labels[ARTIFACT_SHA] = String(spec.sha256);
        // Same bytes again = the same version with its config updated; new bytes = a new version (replace).
        await e.models.upload(bytes, {
          workspaceId: this.workspaceId(op.workspace),
          name: op.name,
          framework: spec.framework as never,
          fileName: path.split('/').pop(),
          tensorFields: spec.tensorFields as string[] | undefined,
          batchConfig: (spec.batchConfig as 'single' | undefined) ?? null,
          inputSchema: spec.inputSchema as Record<string, string> | undefined,
          outputSchema: spec.outputSchema as Record<string, string> | undefined,
          labels,
          tags: op.payload.tags ?? [],
        });
        return;
      }
      case 'DeploymentConfig':
        await e.deploymentConfigs.put({ workspaceId: this.workspaceId(op.workspace), name: op.name, spec: spec as DeploymentConfigSpec, labels });
        return;
      case 'Pipeline':
        await this.writePipeline(op, spec, labels);
        return;
      case 'Orchestration': {
        const path = op.payload.artifactPath;
        if (!path) throw new JoeyError('invalid', `${op.key}: no artifact path in the plan`);
        await this.tasks.orchestrations.uploadPath(path, { workspaceId: this.workspaceId(op.workspace), name: op.name, labels });
        return;
      }
      case 'Task': {
        const workspaceId = this.workspaceId(op.workspace);
        // Tasks cannot change in place: kill the running one, start the new one.
        const cur = this.tasks.findByName(workspaceId, op.name);
        if (cur && verb !== 'create') await this.tasks.kill(cur.id);
        else if (cur) throw new JoeyError('conflict', `task ${op.name} already runs in workspace ${op.workspace}`, { status: 409 });
        const orch = this.tasks.orchestrations.byName(workspaceId, String(spec.orchestration));
        if (!orch) throw new JoeyError('not_found', `orchestration ${String(spec.orchestration)} not found in workspace ${op.workspace}`, { status: 404 });
        const input = { workspaceId, orchId: orch.id, name: op.name, args: (spec.args as Obj) ?? {}, timeout: (spec.timeout as number | undefined) ?? null, labels };
        if (spec.run === 'scheduled') await this.tasks.runScheduled({ ...input, schedule: String(spec.schedule), timezone: spec.timezone as string | undefined });
        else if (spec.run === 'continuous') await this.tasks.runContinuously(input);
        else {
          const t = await this.tasks.runOnce(input);
          await this.startRunOnce(t.id);
        }
        return;
      }
      case 'Assay': {
        const svc = assaysOf(e);
        const workspaceId = this.workspaceId(op.workspace);
        const cur = svc.list({ workspaceId }).find((a) => a.name === op.name);
        const applied = JSON.stringify({ baseline: (spec as unknown as AssaySpec).baseline, window: (spec as unknown as AssaySpec).window });
        const withSpec = { ...labels, [ASSAY_SPEC]: applied };
        if (cur && verb === 'update') {
          // Only `active` (and labels) change in place; anything else is a replace.
          if (cur.active !== (spec.active !== false)) await svc.setActive(cur.id, spec.active !== false);
          await svc.setLabels(cur.id, withSpec);
          return;
        }
        if (cur) await svc.delete(cur.id);
        await svc.create({ workspaceId, name: op.name, spec: spec as unknown as AssaySpec, labels: withSpec, root: op.payload.baseDir });
        return;
      }
      default:
        throw unsupported(op.kind);
    }
  }

  /** Embedded engine: a run-once task starts now in a detached process (no scheduler needed). */
  private async startRunOnce(taskId: string): Promise<void> {
    const mod = (await import('../../engine/tasks/index.js')) as { startDetachedRun?: (stateDir: string, id: string) => Promise<unknown> };
    await mod.startDetachedRun?.(this.engine.stateDir, taskId);
  }

  /** A changed definition makes a new pipeline version; then the deployment is brought in line, in place. */
  private async writePipeline(op: WriteOp, spec: Obj, labels: Record<string, string>): Promise<void> {
    const e = this.engine;
    const workspaceId = this.workspaceId(op.workspace);
    // Pin each model to the version joey applied, so a rollback to older bytes is served too.
    const pin = new Map<string, ModelRef | string>();
    for (const name of pipelineModels(spec)) {
      const m = e.models.byName(workspaceId, name);
      const v = m && this.currentVersion(m);
      pin.set(name, v ? { name, version: v.version, sha: v.sha } : name);
    }
    const ref = (n: string) => pin.get(n) ?? n;
    const steps = pinSteps((spec.steps as PipelineStep[]) ?? [], ref);
    const r = await e.pipelines.apply({ workspaceId, name: op.name, steps: steps as never, validations: (spec.validations as Record<string, string>) ?? {}, tags: op.payload.tags ?? [], labels });
    const dep = e.deployments.byPipeline(r.pipeline.id);
    const want = spec.deployment as string | DeploymentConfigSpec | false | undefined;
    if (want === false || want === undefined) {
      if (dep?.deployed) await e.deployments.undeploy(dep.id);
      return;
    }
    const configName = typeof want === 'string' ? want : undefined;
    // Redeploy when the version, the config or its contents changed (or the last load failed).
    const cfgSpec = configName ? e.deploymentConfigs.getByName(workspaceId, configName).spec : want;
    const same =
      dep?.deployed &&
      dep.status === 'Running' &&
      dep.pipeline_version_id === r.version.id &&
      dep.config_name === configName &&
      JSON.stringify(sortDeep(dep.engine_config)) === JSON.stringify(sortDeep(cfgSpec));
    if (same) return;
    const d = await e.deployments.deploy({ pipelineId: r.pipeline.id, versionId: r.version.id, ...(configName ? { configName } : { config: want as DeploymentConfigSpec }) });
    if (d.status === 'Error') throw new JoeyError('deploy_failed', `${op.key}: deployment failed: ${d.reason ?? 'unknown reason'}`);
  }

  async delete(op: DeleteOp): Promise<void> {
    const e = this.engine;
    switch (op.kind) {
      case 'Workspace': {
        const w = e.workspaces.byName(op.name);
        if (w) await e.workspaces.archive(w.id, true); // the platform archives workspaces; they are never erased
        return;
      }
      case 'Connection': {
        const c = e.connections.byName(this.workspaceId(op.workspace), op.name);
        if (c) await e.connections.delete(c.id);
        return;
      }
      case 'Model': {
        const m = e.models.byName(this.workspaceId(op.workspace), op.name);
        if (!m) return;
        await e.models.delete(m.id); // refused (409) while a deployed pipeline still uses it
        return;
      }
      case 'DeploymentConfig': {
        const d = e.deploymentConfigs.byName(this.workspaceId(op.workspace), op.name);
        if (d) await e.deploymentConfigs.delete(d.id);
        return;
      }
      case 'Pipeline': {
        const p = e.pipelines.byName(this.workspaceId(op.workspace), op.name);
        if (!p) return;
        const dep = e.deployments.byPipeline(p.id);
        if (dep?.deployed) await e.deployments.undeploy(dep.id);
        await e.pipelines.delete(p.id);
        return;
      }
      case 'Orchestration': {
        const o = this.tasks.orchestrations.byName(this.workspaceId(op.workspace), op.name);
        if (o) await this.tasks.orchestrations.delete(o.id);
        return;
      }
      case 'Task': {
        const t = this.tasks.findByName(this.workspaceId(op.workspace), op.name);
        if (t) await this.tasks.kill(t.id);
        return;
      }
      case 'Assay': {
        const svc = assaysOf(e);
        const a = svc.list({ workspaceId: this.workspaceId(op.workspace) }).find((x) => x.name === op.name);
        if (a) await svc.delete(a.id);
        return;
      }
      default:
        throw unsupported(op.kind);
    }
  }

  async setLabels(obj: ActualObject, labels: Record<string, string>): Promise<void> {
    const e = this.engine;
    const id = Number(obj.id);
    switch (obj.kind) {
      case 'Workspace': {
        const cur = e.workspaces.getByName(obj.name);
        const keep = Object.fromEntries(Object.entries(cur.labels).filter(([k]) => k === PRUNE || k === IMPLICIT_OWNER));
        await e.workspaces.setLabels(cur.id, { ...keep, ...labels });
        return;
      }
      case 'Model': {
        const cur = e.models.get(id);
        const sha = this.currentVersion(cur)?.sha;
        await e.models.setLabels(id, { ...labels, ...(sha ? { [ARTIFACT_SHA]: sha } : {}) });
        return;
      }
      case 'Pipeline':
        await e.pipelines.setLabels(id, labels);
        return;
      case 'DeploymentConfig': {
        const cur = e.deploymentConfigs.get(id);
        await e.deploymentConfigs.put({ workspaceId: cur.workspace_id, name: cur.name, spec: cur.spec, labels });
        return;
      }
      case 'Assay': {
        const cur = assaysOf(e).get(id);
        await assaysOf(e).setLabels(id, { ...labels, ...(cur.labels[ASSAY_SPEC] ? { [ASSAY_SPEC]: cur.labels[ASSAY_SPEC] } : {}) });
        return;
      }
      default:
        throw new JoeyError('unsupported', `importing ${obj.kind} objects is not supported by the engine provider yet`, { status: 501 });
    }
  }

  async exportArtifact(obj: ActualObject, dest: string): Promise<boolean> {
    if (obj.kind !== 'Model') return false;
    const m = this.engine.models.get(Number(obj.id));
    const v = this.currentVersion(m);
    if (!v) return false;
    writeFileSync(dest, readFileSync(this.engine.models.artifactPath(v)));
    return true;
  }

  async close(): Promise<void> {
    if (this.ownsEngine) await this.engine.close();
  }
}

/**
 * Open the provider for a state directory (the embedded engine) or a remote `joey server` (`endpoint`).
 */
export async function openEngineProvider(opts: { stateDir: string; endpoint?: string; token?: string }): Promise<EngineProvider> {
  if (opts.endpoint) {
    throw new JoeyError('unsupported', 'this needs the embedded engine (--state); use openProvider() for a remote joey server', { status: 501 });
  }
  return new EngineProvider(await Engine.open({ stateDir: opts.stateDir }), true);
}

/**
 * The provider the reconciler's commands use: the embedded engine of `stateDir`, or a remote `joey server` over
 * HTTP when `endpoint` is set (its bearer `token`; the server enforces workspace membership).
 */
export async function openProvider(opts: { stateDir: string; endpoint?: string; token?: string }): Promise<EngineProvider | RemoteEngineProvider> {
  if (opts.endpoint) return new RemoteEngineProvider(new HttpClient(opts.endpoint, opts.token));
  return openEngineProvider({ stateDir: opts.stateDir });
}
