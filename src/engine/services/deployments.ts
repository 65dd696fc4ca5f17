import { JoeyError, type DeploymentConfigSpec } from '../../model/index.js';
import { indexKey, type Store } from '../store/index.js';
import type { DeploymentRuntime, LoadableModel } from '../runtime-port.js';
import type { DeploymentRecord, Labels, ModelStatusEntry, PipelineRecord } from '../types.js';
import { checkLabels, nextId, notFoundError, now } from './common.js';
import { validateDeploymentConfig, type DeploymentConfigService } from './deployment-configs.js';
import type { ModelService } from './models.js';
import type { PipelineService } from './pipelines.js';

const C = 'deployments';

export interface DeployInput {
  pipelineId: number;
  /** Default: the pipeline's newest version. */
  versionId?: number;
  /** A DeploymentConfig of the pipeline's workspace, by name. */
  configName?: string;
  /** Or an inline config (ignored when configName is given). Neither = platform defaults. */
  config?: DeploymentConfigSpec;
  labels?: Labels;
}

/** The seeds' `/v1/api/status/get_deployment` answer. */
export interface DeploymentStatusView {
  status: string;
  details: unknown[];
  engines: {
    ip: string;
    name: string;
    status: string;
    reason: string | null;
    details: unknown[];
    pipeline_statuses: { pipelines: { id: string; status: string }[] };
    model_statuses: { models: ModelStatusEntry[] };
  }[];
  engine_lbs: { ip: string; name: string; status: string; reason: string | null; details: unknown[] }[];
  sidekicks: { name: string; status: string; reason: string | null; details: unknown[] }[];
}

/**
 * Deployments: one per pipeline, named after it (the platform's `deploy_id`). Deploying again with another
 * version or config replaces it in place (same id). Loading goes through the DeploymentRuntime port; the
 * record moves Starting → Running, or Error with the reason.
 */
export class DeploymentService {
  private readonly loaded = new Set<number>();

  constructor(
    private readonly store: Store,
    private readonly pipelines: PipelineService,
    private readonly models: ModelService,
    private readonly configs: DeploymentConfigService,
    private readonly runtime: () => DeploymentRuntime,
  ) {
    store.defineIndex<DeploymentRecord>(C, 'pipeline', (d) => indexKey(d.pipeline_id));
    store.defineIndex<DeploymentRecord>(C, 'name', (d) => indexKey(d.name));
  }

  async deploy(input: DeployInput): Promise<DeploymentRecord> {
    const pipeline = this.pipelines.get(input.pipelineId);
    const version = this.pipelines.getVersion(input.versionId ?? pipeline.current_version_id);
    if (version.pipeline_id !== pipeline.id) throw new JoeyError('invalid', `pipeline version ${version.id} does not belong to pipeline ${pipeline.name}`, { status: 400 });
    let spec: DeploymentConfigSpec = {};
    if (input.configName) spec = this.configs.getByName(pipeline.workspace_id, input.configName).spec;
    else if (input.config) spec = validateDeploymentConfig(input.config, 'engine_config');
    const labels = input.labels === undefined ? undefined : checkLabels(input.labels);

    const models: LoadableModel[] = this.pipelines.modelRefs(version.definition).map((r) => {
      const v = this.models.findVersion(pipeline.workspace_id, r.name, { sha: r.sha, version: r.version });
      if (!v) throw new JoeyError('not_found', `model ${r.name} version ${r.version} used by pipeline ${pipeline.name} no longer exists`, { status: 404 });
      return { ...v, path: this.models.artifactPath(v) };
    });
    for (const m of models)
      if (m.arch === 'arm' && spec.arch !== 'arm')
        throw new JoeyError('invalid', `model ${m.name} targets arm: the deployment config must set arch: arm`, { status: 400 });

    const starting = await this.store.withLock(() => {
      const t = now();
      const cur = this.byPipeline(pipeline.id);
      const rec: DeploymentRecord = {
        id: cur?.id ?? nextId(this.store, C),
        name: pipeline.name,
        workspace_id: pipeline.workspace_id,
        pipeline_id: pipeline.id,
        pipeline_version_id: version.id,
        ...(input.configName ? { config_name: input.configName } : {}),
        engine_config: spec,
        deployed: true,
        status: 'Starting',
        model_statuses: models.map((m) => ({ name: m.name, version: m.version, sha: m.sha, status: 'Pending' as const })),
        labels: labels ?? cur?.labels ?? {},
        created_at: cur?.created_at ?? t,
        updated_at: t,
      };
      this.store.putUnlocked(C, String(rec.id), rec);
      return rec;
    });

    let reason: string | undefined;
    if (spec.gpus) reason = `the deployment asks for ${spec.gpus} GPU(s) on nodepool "${spec.deploymentLabel}", but the embedded engine has no GPUs; render it to Kubernetes`;
    else {
      try {
        await this.runtime().load(starting, version, models);
        this.loaded.add(starting.id);
      } catch (e) {
        reason = (e as Error).message;
      }
    }
    return this.store.withLock(() => {
      const cur = this.store.get<DeploymentRecord>(C, String(starting.id));
      // a newer deploy or an undeploy got in while we were loading: theirs wins
      if (!cur || cur.updated_at !== starting.updated_at || cur.pipeline_version_id !== version.id) return cur ?? starting;
      const done: DeploymentRecord = {
        ...cur,
        status: reason ? 'Error' : 'Running',
        model_statuses: cur.model_statuses.map((m) => ({ ...m, status: reason ? 'Error' : 'Running', ...(reason ? { reason } : {}) })),
        updated_at: now(),
      };
      if (reason) done.reason = reason;
      else delete done.reason;
      this.store.putUnlocked(C, String(done.id), done);
      return done;
    });
  }

  /** Undeploy (keeps the record, `deployed: false`, so the id and labels survive a later redeploy). */
  async undeploy(id: number): Promise<DeploymentRecord> {
    const d = this.get(id);
    if (this.loaded.delete(id) || d.deployed) await this.runtime().unload(id).catch(() => undefined);
    return this.store.withLock(() => {
      const cur = this.get(id);
      const next: DeploymentRecord = { ...cur, deployed: false, model_statuses: [], updated_at: now() };
      delete next.reason;
      this.store.putUnlocked(C, String(id), next);
      return next;
    });
  }

  get(id: number): DeploymentRecord {
    const d = this.store.get<DeploymentRecord>(C, String(id));
    if (!d) throw notFoundError(`deployment ${id}`);
    return d;
  }

  byPipeline(pipelineId: number): DeploymentRecord | undefined {
    return this.store.lookup<DeploymentRecord>(C, 'pipeline', indexKey(pipelineId))[0];
  }

  /** By the seeds' deployment name `{name}-{id}` (or just the pipeline name). */
  byName(workspaceIds: number[] | undefined, name: string): DeploymentRecord {
    const m = /^(.*)-(\d+)$/.exec(name);
    if (m) {
      const d = this.store.get<DeploymentRecord>(C, m[2]!);
      if (d && d.name === m[1] && (!workspaceIds || workspaceIds.includes(d.workspace_id))) return d;
    }
    const d = this.store.lookup<DeploymentRecord>(C, 'name', indexKey(name)).find((x) => !workspaceIds || workspaceIds.includes(x.workspace_id));
    if (!d) throw notFoundError(`deployment ${JSON.stringify(name)}`);
    return d;
  }

  list(workspaceId?: number): DeploymentRecord[] {
    return this.store.list<DeploymentRecord>(C, (d) => workspaceId === undefined || d.workspace_id === workspaceId).sort((a, b) => a.id - b.id);
  }

  async setLabels(id: number, labels: Labels): Promise<DeploymentRecord> {
    const l = checkLabels(labels);
    return this.store.withLock(() => {
      const d = { ...this.get(id), labels: l, updated_at: now() };
      this.store.putUnlocked(C, String(id), d);
      return d;
    });
  }

  /** The seeds' status document. */
  status(d: DeploymentRecord): DeploymentStatusView {
    if (!d.deployed) return { status: `Pipeline ${d.name} is not deployed`, details: [], engines: [], engine_lbs: [], sidekicks: [] };
    const reason = d.reason ?? null;
    const local = d.model_statuses.filter((m) => this.isOnnx(d, m));
    const sidekicks = d.model_statuses.filter((m) => !this.isOnnx(d, m));
    return {
      status: d.status,
      details: reason ? [reason] : [],
      engines: [
        {
          ip: '127.0.0.1',
          name: `engine-${d.name}-${d.id}`,
          status: d.status,
          reason,
          details: [],
          pipeline_statuses: { pipelines: [{ id: d.name, status: d.status }] },
          model_statuses: { models: local.map(({ name, version, sha, status }) => ({ name, version, sha, status })) },
        },
      ],
      engine_lbs: [{ ip: '127.0.0.1', name: `engine-lb-${d.name}-${d.id}`, status: d.status === 'Error' ? 'Running' : d.status, reason: null, details: [] }],
      sidekicks: sidekicks.map((m) => ({ name: `engine-sidekick-${m.name}-${d.id}`, status: m.status, reason: m.reason ?? null, details: [] })),
    };
  }

  /** The external inference URL: `<base>/v1/api/pipelines/infer/<name>-<id>/<name>`. */
  externalUrl(d: DeploymentRecord | PipelineRecord, base: string): string {
    const dep = 'pipeline_id' in d ? d : this.byPipeline(d.id);
    if (!dep) throw notFoundError(`deployment of pipeline ${d.name}`);
    return `${base.replace(/\/$/, '')}/v1/api/pipelines/infer/${dep.name}-${dep.id}/${dep.name}`;
  }

  /** Unload everything this process loaded (server shutdown). */
  async close(): Promise<void> {
    for (const id of [...this.loaded]) {
      this.loaded.delete(id);
      await this.runtime().unload(id).catch(() => undefined);
    }
  }

  private isOnnx(d: DeploymentRecord, m: { name: string; sha: string }): boolean {
    const v = this.models.findVersion(d.workspace_id, m.name, { sha: m.sha });
    return !v || v.runtime === 'onnx';
  }
}
