import { JoeyError, type PipelineStep } from '../../model/index.js';
import type { Engine } from '../index.js';
import { InferenceLogStore, type LogStoreOptions } from '../logs/index.js';
import type { DeploymentRuntime, LoadableModel } from '../runtime-port.js';
import type { DeploymentRecord, ModelRef, PipelineStepDef, PipelineVersionRecord } from '../types.js';
import type { InputFormat } from './decode.js';
import type { ResultFrame } from './encode.js';
import { PipelineExecutor, type InferOptions } from './executor.js';
import type { RuntimeModel } from './session.js';

/** The key a pipeline's inference logs are kept under: `<workspace name>/<pipeline name>`. */
export const pipelineLogKey = (workspace: string, pipeline: string): string => `${workspace}/${pipeline}`;

export interface InferRequest {
  body: Uint8Array | string;
  format: InputFormat;
  /** Answer format (default: the request's). */
  answer?: InputFormat;
  dataset?: string[];
  datasetExclude?: string[];
}

export interface InferResponse {
  body: Uint8Array | string;
  contentType: string;
  rows: number;
  result: ResultFrame;
}

export const CONTENT_TYPES = {
  json: 'application/json; format=pandas-records',
  arrow: 'application/vnd.apache.arrow.file',
} as const;

interface Loaded {
  key: string;
  executor: PipelineExecutor;
}

/**
 * The engine's real DeploymentRuntime: one PipelineExecutor (with its onnxruntime sessions) per deployment,
 * built when the engine deploys, replaced in place on redeploy, dropped on undeploy. A process that did not
 * deploy (the CLI's `joey infer`, a restarted server) loads a Running deployment from the store on its first
 * request and keeps it. Every inference is appended to the engine's inference log store.
 */
export class EngineRuntime implements DeploymentRuntime {
  readonly logs: InferenceLogStore;
  private readonly loaded = new Map<number, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded>>();

  constructor(
    private readonly engine: Engine,
    opts: { logs?: LogStoreOptions; random?: () => number } = {},
  ) {
    this.logs = InferenceLogStore.forStateDir(engine.stateDir, opts.logs);
    this.random = opts.random;
  }
  private readonly random?: () => number;

  /** The runtime of an engine, created once and plugged in as the engine's DeploymentRuntime. */
  static of(engine: Engine): EngineRuntime {
    return engine.extension('runtime', (e) => {
      const rt = new EngineRuntime(e);
      e.setRuntime(rt);
      return rt;
    });
  }

  private cacheKey(d: DeploymentRecord): string {
    return `${d.id}:${d.pipeline_version_id}:${d.updated_at}`;
  }

  async load(d: DeploymentRecord, pv: PipelineVersionRecord, models: LoadableModel[]): Promise<void> {
    const executor = await this.build(d, pv, models);
    // Replace in place: the old executor keeps answering until the new one is ready.
    this.loaded.set(d.id, { key: `${d.id}:${pv.id}`, executor });
  }

  async unload(deploymentId: number): Promise<void> {
    this.loaded.delete(deploymentId);
  }

  private async build(d: DeploymentRecord, pv: PipelineVersionRecord, models: LoadableModel[]): Promise<PipelineExecutor> {
    for (const m of models) {
      if (m.runtime !== 'onnx') {
        throw new JoeyError(
          'runtime_unsupported',
          `model ${m.name} (${m.framework}) needs a containerized runtime; the embedded engine runs ONNX models only — render it to Kubernetes`,
          { status: 422 },
        );
      }
    }
    const ws = this.engine.workspaces.get(d.workspace_id);
    const runtimeModels: RuntimeModel[] = models.map((m) => ({
      name: m.name,
      version: m.version,
      sha: m.sha,
      path: m.path,
      framework: m.framework,
      ...(m.tensor_fields?.length ? { tensorFields: m.tensor_fields } : {}),
      ...(m.batch_config ? { batchConfig: m.batch_config } : {}),
    }));
    return PipelineExecutor.create(
      { name: pipelineLogKey(ws.name, d.name), version: pv.version, steps: pv.definition.steps.map(toStep), validations: pv.definition.validations ?? {} },
      runtimeModels,
      { sink: this.logs, partition: `engine-${d.name}-${d.id}`, ...(this.random ? { random: this.random } : {}) },
    );
  }

  /** The executor for a deployment, loading it from the store if this process has not yet. */
  async executorFor(d: DeploymentRecord): Promise<PipelineExecutor> {
    if (!d.deployed) throw new JoeyError('not_deployed', `pipeline ${d.name} is not deployed`, { status: 409 });
    if (d.status === 'Error') throw new JoeyError('deployment_error', `deployment ${d.name}-${d.id} is in Error: ${d.reason ?? 'unknown reason'}`, { status: 409 });
    const cur = this.loaded.get(d.id);
    if (cur && cur.key === `${d.id}:${d.pipeline_version_id}`) return cur.executor;
    const key = this.cacheKey(d);
    let p = this.loading.get(key);
    if (!p) {
      p = (async () => {
        const pv = this.engine.pipelines.getVersion(d.pipeline_version_id);
        const models: LoadableModel[] = this.engine.pipelines.modelRefs(pv.definition).map((r) => {
          const v = this.engine.models.findVersion(d.workspace_id, r.name, { sha: r.sha, version: r.version });
          if (!v) throw new JoeyError('not_found', `model ${r.name} version ${r.version} used by pipeline ${d.name} no longer exists`, { status: 404 });
          return { ...v, path: this.engine.models.artifactPath(v) };
        });
        const executor = await this.build(d, pv, models);
        const l = { key: `${d.id}:${d.pipeline_version_id}`, executor };
        this.loaded.set(d.id, l);
        return l;
      })().finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return (await p).executor;
  }

  /** Runs one request against a deployment and encodes the answer. */
  async infer(d: DeploymentRecord, req: InferRequest): Promise<InferResponse> {
    const ex = await this.executorFor(d);
    const opts: InferOptions = { ...(req.dataset ? { dataset: req.dataset } : {}), ...(req.datasetExclude ? { datasetExclude: req.datasetExclude } : {}) };
    const answer = req.answer ?? req.format;
    const r = await ex.inferBody(req.body, req.format, opts, answer);
    return { body: r.body, contentType: CONTENT_TYPES[answer], rows: r.rows, result: r.result };
  }

  /** Resolves `<workspace>/<pipeline>` to its deployment record. */
  deploymentOf(workspace: string, pipeline: string): DeploymentRecord {
    const ws = this.engine.workspaces.getByName(workspace);
    const p = this.engine.pipelines.getByName(ws.id, pipeline);
    const d = this.engine.deployments.byPipeline(p.id);
    if (!d || !d.deployed) throw new JoeyError('not_deployed', `pipeline ${workspace}/${pipeline} is not deployed; deploy it with \`joey apply\``, { status: 409 });
    return d;
  }

  /** Makes buffered log rows durable (call before a CLI process exits). */
  async close(): Promise<void> {
    await this.logs.close();
  }
}

const name = (r: ModelRef) => r.name;

/** The engine's stored step (model refs) → the runtime's step (model names). */
function toStep(s: PipelineStepDef): PipelineStep {
  if ('model' in s) return { model: name(s.model) };
  if ('abTest' in s) {
    const ab = s.abTest;
    return {
      abTest: {
        champion: name(ab.champion),
        championWeight: ab.championWeight,
        challengers: ab.challengers.map((c) => ({ model: name(c.model), weight: c.weight })),
        ...(ab.hashKey ? { hashKey: ab.hashKey } : {}),
      },
    };
  }
  return { shadow: { champion: name(s.shadow.champion), challengers: s.shadow.challengers.map(name) } };
}
