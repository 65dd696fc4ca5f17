import { readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import type { AssaySpec, DeploymentConfigSpec, Kind, PipelineStep, WorkspaceRole } from '../../model/index.js';
import { JoeyError, keyOf } from '../../model/index.js';
import type { Actor, ConnectionView, DeploymentConfigRecord, DeploymentRecord, StepInput } from '../../engine/index.js';
import type { AssayRecord } from '../../engine/assays/types.js';
import type { OrchestrationRecord, TaskRecord } from '../../engine/tasks/types.js';
import type { ActualObject } from '../../plan/types.js';
import { pipelineModels } from '../../plan/refs.js';
import type { DeleteOp, Provider, ReadScope, WriteOp } from '../../apply/provider.js';
import { zipFolderDeterministic } from '../../manifest/zip.js';
import { readValuesFile } from '../../assays/index.js';
import type { EngineClient, ModelVersionView, ModelView, PipelineView, WorkspaceView } from './client.js';
import { ARTIFACT_SHA, ASSAY_SPEC, IMPLICIT_OWNER, PRUNE, assaySpec, modelSpec, pinSteps, pipelineSpec, sortDeep, taskSpec, workspaceActual, type Obj } from './mapping.js';

/**
 * The engine provider over the typed API client: `joey plan|apply|destroy|drift --endpoint URL --token T` manage a
 * remote `joey server` with it. The kind mapping is the in-process EngineProvider's (src/providers/engine/mapping.ts);
 * every call goes through the server's routes, so its auth and workspace membership apply (a non-member gets the
 * server's 403). Labels travel in the same call that creates or changes an object, as in-process. Run-once tasks
 * are started by the server (its scheduler, or a detached run), never locally.
 */
export class RemoteEngineProvider implements Provider {
  readonly name = 'engine';
  private me: Actor | undefined;
  private wsIds = new Map<string, number>();

  constructor(readonly client: EngineClient) {}

  // ------------------------------------------------------------------ read

  async read(scope: ReadScope = {}): Promise<ActualObject[]> {
    const c = this.client;
    const workspaces = (await c.listWorkspaces()).workspaces.filter((w) => !w.archived);
    // The listing holds only the caller's workspaces: one the manifests name that exists but is not listed
    // fails here with the server's 403, before anything is planned (404 = it does not exist: it will be created).
    const listed = new Set(workspaces.map((w) => w.name));
    for (const name of scope.workspaces ?? []) if (!listed.has(name)) await this.find(() => c.getWorkspace({ workspace_name: name }));
    this.wsIds = new Map(workspaces.map((w) => [w.name, w.id]));
    const parts = await Promise.all(workspaces.map((w) => this.readWorkspace(w)));
    return parts.flat();
  }

  private async readWorkspace(w: WorkspaceView): Promise<ActualObject[]> {
    const c = this.client;
    const out: ActualObject[] = [workspaceActual(w)];
    const push = (kind: Kind, name: string, id: string | number, spec: unknown, labels: Record<string, string> | undefined, tags?: string[]) =>
      out.push({ key: keyOf({ kind, workspace: w.name, name }), kind, workspace: w.name, name, id: String(id), spec, labels: { ...(labels ?? {}) }, ...(tags?.length ? { tags: [...tags] } : {}) });
    const ws = { workspace_id: w.id };
    const [connections, models, configs, pipelines, deployments, orchestrations, tasks, assays] = await Promise.all([
      c.listConnections(w.id),
      c.listModels(w.id),
      c.listDeploymentConfigs(w.id),
      c.listPipelines(w.id),
      c.listDeployments(w.id),
      c.call<OrchestrationRecord[]>('/v1/api/orchestration/list', ws),
      c.call<TaskRecord[]>('/v1/api/task/list', ws),
      c.call<{ id: number }[]>('/v1/api/assays/list', ws),
    ]);
    for (const x of connections.connections) push('Connection', x.name, x.id, { type: x.type, details: x.details, detailsSha256: (x as ConnectionView & { details_sha256?: string }).details_sha256 }, x.labels);
    for (const m of models.models) {
      const v = await this.currentVersion(m);
      if (v) push('Model', m.name, m.id, modelSpec(v), m.labels, m.tags);
    }
    for (const d of configs.deployment_configs) push('DeploymentConfig', d.name, d.id, d.spec, d.labels);
    for (const p of pipelines.pipelines) {
      const dep = deployments.deployments.find((d) => d.pipeline_id === p.id && d.deployed);
      let definition = p.definition;
      if (dep && dep.pipeline_version_id !== p.pipeline_variant_pk_id) {
        const versions = (await c.listPipelineVersions(p.id)).versions;
        definition = versions.find((v) => v.id === dep.pipeline_version_id)?.definition ?? definition;
      }
      push('Pipeline', p.name, p.id, pipelineSpec(definition, dep ? (dep.config_name ?? dep.engine_config) : false), p.labels, p.tags);
    }
    for (const o of orchestrations) if (o.status !== 'error') push('Orchestration', o.name, o.id, { sha256: o.sha }, o.labels);
    const orchName = new Map(orchestrations.map((o) => [o.id, o.name]));
    for (const t of tasks) if (t.name && !t.killed) push('Task', t.name, t.id, taskSpec(t, orchName.get(t.orch_id) ?? t.orch_id), t.labels);
    for (const a of assays) {
      const full = await c.call<AssayRecord>('/v1/api/assays/get_assay_by_id', { id: a.id });
      push('Assay', full.name, full.id, assaySpec(full), full.labels);
    }
    return out;
  }

  /** The version a model serves: the one joey last applied (by sha), else the newest. */
  private async currentVersion(m: ModelView): Promise<ModelVersionView | undefined> {
    const vs = await this.client.listModelVersions(m.id);
    const want = m.labels?.[ARTIFACT_SHA];
    return (want && vs.find((v) => v.sha === want)) || vs[0];
  }

  /** The id of a workspace; a workspace the token's user may not see fails with the server's 403/404. */
  private async workspaceId(name: string | undefined): Promise<number> {
    if (!name) throw new JoeyError('invalid', 'object has no workspace');
    const known = this.wsIds.get(name);
    if (known !== undefined) return known;
    const id = (await this.client.getWorkspace({ workspace_name: name })).id;
    this.wsIds.set(name, id);
    return id;
  }

  private async whoami(): Promise<Actor> {
    return (this.me ??= await this.client.whoami());
  }

  private async find<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof JoeyError && e.status === 404) return undefined;
      throw e;
    }
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
    const c = this.client;
    const spec = op.payload.spec as Obj;
    const labels = { ...op.payload.labels };
    switch (op.kind) {
      case 'Workspace':
        return this.writeWorkspace(op, spec, labels);
      case 'Connection': {
        const workspaceId = await this.workspaceId(op.workspace);
        if (verb === 'replace') {
          const cur = (await c.listConnections(workspaceId)).connections.find((x) => x.name === op.name);
          if (cur) await c.deleteConnection(cur.id);
        }
        await c.createConnection({ workspace_id: workspaceId, name: op.name, type: String(spec.type), details: (spec.details as Record<string, string>) ?? {}, labels });
        return;
      }
      case 'Model': {
        const path = op.payload.artifactPath;
        if (!path) throw new JoeyError('invalid', `${op.key}: no artifact path in the plan`);
        const bytes = statSync(path).isDirectory() ? zipFolderDeterministic(path) : readFileSync(path);
        if (spec.sha256) labels[ARTIFACT_SHA] = String(spec.sha256);
        await c.uploadModel(await this.workspaceId(op.workspace), op.name, bytes, {
          framework: spec.framework as never,
          fileName: basename(path),
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
        await c.putDeploymentConfig(await this.workspaceId(op.workspace), op.name, spec as DeploymentConfigSpec, labels);
        return;
      case 'Pipeline':
        return this.writePipeline(op, spec, labels);
      case 'Orchestration': {
        const path = op.payload.artifactPath;
        if (!path) throw new JoeyError('invalid', `${op.key}: no artifact path in the plan`);
        const dir = statSync(path).isDirectory();
        const zip = dir ? zipFolderDeterministic(path) : readFileSync(path);
        await c.uploadOrchestration(await this.workspaceId(op.workspace), op.name, zip, { fileName: dir ? `${basename(path)}.zip` : basename(path), labels });
        return;
      }
      case 'Task': {
        const workspaceId = await this.workspaceId(op.workspace);
        // Tasks cannot change in place: kill the running one, start the new one.
        const cur = await this.findTask(workspaceId, op.name);
        if (cur && verb !== 'create') await c.call('/v1/api/task/kill', { id: cur.id });
        else if (cur) throw new JoeyError('conflict', `task ${op.name} already runs in workspace ${op.workspace}`, { status: 409 });
        const orchs = await c.call<OrchestrationRecord[]>('/v1/api/orchestration/list', { workspace_id: workspaceId });
        const orch = orchs.find((o) => o.name === String(spec.orchestration) && o.status !== 'error');
        if (!orch) throw new JoeyError('not_found', `orchestration ${String(spec.orchestration)} not found in workspace ${op.workspace}`, { status: 404 });
        const body: Obj = { workspace_id: workspaceId, orch_id: orch.id, name: op.name, json: (spec.args as Obj) ?? {}, timeout: (spec.timeout as number | undefined) ?? null, labels };
        // The server starts a run-once task itself (its scheduler, or a detached run when none is running).
        if (spec.run === 'scheduled') await c.call('/v1/api/task/run_scheduled', { ...body, schedule: String(spec.schedule), ...(spec.timezone ? { timezone: spec.timezone } : {}) });
        else if (spec.run === 'continuous') await c.call('/v1/api/task/run_continuously', body);
        else await c.call('/v1/api/task/run_once', body);
        return;
      }
      case 'Assay': {
        const workspaceId = await this.workspaceId(op.workspace);
        const cur = await this.findAssay(workspaceId, op.name);
        const want = spec as unknown as AssaySpec;
        const withSpec = { ...labels, [ASSAY_SPEC]: JSON.stringify({ baseline: want.baseline, window: want.window }) };
        if (cur && verb === 'update') {
          // Only `active` (and labels) change in place; anything else is a replace.
          if (cur.active !== (spec.active !== false)) await c.call('/v1/api/assays/set_active', { id: cur.id, active: spec.active !== false });
          await c.call('/v1/api/assays/set_labels', { id: cur.id, labels: withSpec });
          return;
        }
        if (cur) await c.call('/v1/api/assays/delete', { id: cur.id });
        await c.call('/v1/api/assays/create', { workspace_id: workspaceId, name: op.name, spec: await this.sendableAssay(want, op.payload.baseDir), labels: withSpec });
        return;
      }
      default:
        throw new JoeyError('unsupported', `the engine provider does not support ${op.kind} objects`, { status: 501 });
    }
  }

  /** The server never reads a client's files: a file baseline is read here and sent as its values. */
  private async sendableAssay(spec: AssaySpec, baseDir: string | undefined): Promise<AssaySpec> {
    const b = spec.baseline as { file?: string };
    if (!b || typeof b.file !== 'string') return spec;
    const file = isAbsolute(b.file) ? b.file : resolve(baseDir ?? '.', b.file);
    return { ...spec, baseline: { values: Array.from(await readValuesFile(file)) } } as AssaySpec;
  }

  private async writeWorkspace(op: WriteOp, spec: Obj, labels: Record<string, string>): Promise<void> {
    const c = this.client;
    const members = (spec.members as { user: string; role: WorkspaceRole }[]) ?? [];
    labels[PRUNE] = String(Boolean(spec.prune));
    const owner = members.find((m) => m.role === 'owner')?.user;
    const me = await this.whoami();
    // A workspace the token's user may not see fails here with the server's 403 (it exists, not a member).
    const cur = await this.find(() => c.getWorkspace({ workspace_name: op.name }));
    // The server makes the caller an owner. Without an owner in the manifest that is the implicit owner; a
    // non-admin caller absent from the manifest's members stays one too, or it would lock itself out.
    const implicit = !owner ? (cur ? (cur.labels[IMPLICIT_OWNER] ?? cur.created_by) : me.user) : !me.admin && !members.some((m) => m.user === me.user) ? me.user : undefined;
    if (implicit) labels[IMPLICIT_OWNER] = implicit;
    const all = [...(implicit ? [{ user: implicit, role: 'owner' as const }] : []), ...members];
    if (!cur) {
      const { workspace_id } = await c.createWorkspace(op.name, { members, labels });
      this.wsIds.set(op.name, workspace_id);
      if (!implicit && !members.some((m) => m.user === me.user)) await c.setMembers(workspace_id, all);
      return;
    }
    if (cur.archived) await c.archiveWorkspace(cur.id, false);
    await c.setMembers(cur.id, all);
    await c.setWorkspaceLabels(cur.id, labels);
  }

  /** A changed definition makes a new pipeline version; then the deployment is brought in line, in place. */
  private async writePipeline(op: WriteOp, spec: Obj, labels: Record<string, string>): Promise<void> {
    const c = this.client;
    const workspaceId = await this.workspaceId(op.workspace);
    // Pin each model to the version joey applied, so a rollback to older bytes is served too.
    const pin = new Map<string, unknown>();
    for (const name of pipelineModels(spec)) {
      const m = await this.find(() => c.getModel(workspaceId, name));
      const v = m && (await this.currentVersion(m));
      pin.set(name, v ? { name, version: v.version, sha: v.sha } : name);
    }
    const steps = pinSteps((spec.steps as PipelineStep[]) ?? [], (n) => pin.get(n) ?? n) as StepInput[];
    const r = await c.createPipeline(workspaceId, op.name, { steps, validations: (spec.validations as Record<string, string>) ?? {} }, { tags: op.payload.tags ?? [], labels });
    const dep = (await c.listDeployments(workspaceId)).deployments.find((d: DeploymentRecord) => d.pipeline_id === r.pipeline_pk_id);
    const want = spec.deployment as string | DeploymentConfigSpec | false | undefined;
    if (want === false || want === undefined) {
      if (dep?.deployed) await c.undeployPipeline(r.pipeline_pk_id, dep.id);
      return;
    }
    const configName = typeof want === 'string' ? want : undefined;
    const cfgSpec = configName ? (await c.getDeploymentConfig(workspaceId, configName)).spec : want;
    const same =
      dep?.deployed &&
      dep.status === 'Running' &&
      dep.pipeline_version_id === r.pipeline_variant_pk_id &&
      dep.config_name === configName &&
      JSON.stringify(sortDeep(dep.engine_config)) === JSON.stringify(sortDeep(cfgSpec));
    if (same) return;
    const d = await c.deployPipeline({ pipeline_id: r.pipeline_pk_id, pipeline_version_pk_id: r.pipeline_variant_pk_id, ...(configName ? { deployment_config: configName } : { engine_config: want as DeploymentConfigSpec }) });
    if (d.status === 'Error') {
      const reason = (await c.listDeployments(workspaceId)).deployments.find((x) => x.id === d.id)?.reason;
      throw new JoeyError('deploy_failed', `${op.key}: deployment failed: ${reason ?? 'unknown reason'}`);
    }
  }

  private async findTask(workspaceId: number, name: string): Promise<TaskRecord | undefined> {
    return (await this.client.call<TaskRecord[]>('/v1/api/task/list', { workspace_id: workspaceId })).find((t) => t.name === name && !t.killed);
  }

  private async findAssay(workspaceId: number, name: string): Promise<{ id: number; active: boolean } | undefined> {
    return (await this.client.call<{ id: number; name: string; active: boolean }[]>('/v1/api/assays/list', { workspace_id: workspaceId })).find((a) => a.name === name);
  }

  async delete(op: DeleteOp): Promise<void> {
    const c = this.client;
    if (op.kind === 'Workspace') {
      const w = await this.find(() => c.getWorkspace({ workspace_name: op.name }));
      if (w) await c.archiveWorkspace(w.id, true); // the platform archives workspaces; they are never erased
      return;
    }
    const workspaceId = await this.find(() => this.workspaceId(op.workspace));
    if (workspaceId === undefined) return;
    switch (op.kind) {
      case 'Connection': {
        const x = (await c.listConnections(workspaceId)).connections.find((y) => y.name === op.name);
        if (x) await c.deleteConnection(x.id);
        return;
      }
      case 'Model': {
        const m = await this.find(() => c.getModel(workspaceId, op.name));
        if (m) await c.deleteModel(m.id); // refused (409) while a deployed pipeline still uses it
        return;
      }
      case 'DeploymentConfig': {
        if (await this.find(() => c.getDeploymentConfig(workspaceId, op.name))) await c.deleteDeploymentConfig(workspaceId, op.name);
        return;
      }
      case 'Pipeline': {
        const p = await this.find<PipelineView>(() => c.getPipelineByName(workspaceId, op.name));
        if (!p) return;
        if (p.deployment?.deployed) await c.undeployPipeline(p.id, p.deployment.id);
        await c.deletePipeline(p.id);
        return;
      }
      case 'Orchestration': {
        const o = (await c.call<OrchestrationRecord[]>('/v1/api/orchestration/list', { workspace_id: workspaceId })).find((x) => x.name === op.name);
        if (o) await c.call('/v1/api/orchestration/delete', { id: o.id });
        return;
      }
      case 'Task': {
        const t = await this.findTask(workspaceId, op.name);
        if (t) await c.call('/v1/api/task/kill', { id: t.id });
        return;
      }
      case 'Assay': {
        const a = await this.findAssay(workspaceId, op.name);
        if (a) await c.call('/v1/api/assays/delete', { id: a.id });
        return;
      }
      default:
        throw new JoeyError('unsupported', `the engine provider does not support ${op.kind} objects`, { status: 501 });
    }
  }

  async setLabels(obj: ActualObject, labels: Record<string, string>): Promise<void> {
    const c = this.client;
    const id = Number(obj.id);
    switch (obj.kind) {
      case 'Workspace': {
        const cur = await c.getWorkspace({ workspace_name: obj.name });
        const keep = Object.fromEntries(Object.entries(cur.labels).filter(([k]) => k === PRUNE || k === IMPLICIT_OWNER));
        await c.setWorkspaceLabels(cur.id, { ...keep, ...labels });
        return;
      }
      case 'Model': {
        const m = await c.getModel(await this.workspaceId(obj.workspace), obj.name);
        const sha = (await this.currentVersion(m))?.sha;
        await c.setModelLabels(id, { ...labels, ...(sha ? { [ARTIFACT_SHA]: sha } : {}) });
        return;
      }
      case 'Pipeline':
        await c.setPipelineLabels(id, labels);
        return;
      case 'DeploymentConfig': {
        const workspaceId = await this.workspaceId(obj.workspace);
        const cur: DeploymentConfigRecord = await c.getDeploymentConfig(workspaceId, obj.name);
        await c.putDeploymentConfig(workspaceId, cur.name, cur.spec, labels);
        return;
      }
      case 'Assay': {
        const cur = await c.call<AssayRecord>('/v1/api/assays/get_assay_by_id', { id });
        await c.call('/v1/api/assays/set_labels', { id, labels: { ...labels, ...(cur.labels[ASSAY_SPEC] ? { [ASSAY_SPEC]: cur.labels[ASSAY_SPEC] } : {}) } });
        return;
      }
      default:
        throw new JoeyError('unsupported', `importing ${obj.kind} objects is not supported by the engine provider yet`, { status: 501 });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
