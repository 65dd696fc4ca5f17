import { randomUUID } from 'node:crypto';
import ort from 'onnxruntime-node';
import { JoeyError, type Framework } from '../../model/index.js';
import { indexKey, type Store } from '../store/index.js';
import type { DeploymentRecord, Labels, ModelRecord, ModelVersionRecord, PipelineVersionRecord, TensorInfo } from '../types.js';
import { checkLabels, checkName, checkTags, modelRefsOf, nextId, notFoundError, now } from './common.js';

const M = 'models';
const V = 'model_versions';

export const FRAMEWORKS: Framework[] = ['onnx', 'tensorflow', 'python', 'keras', 'sklearn', 'pytorch', 'xgboost', 'hugging-face', 'custom', 'mlflow'];

export interface UploadInput {
  workspaceId: number;
  name: string;
  framework?: Framework;
  fileName?: string;
  tensorFields?: string[];
  batchConfig?: 'single' | null;
  inputSchema?: Record<string, string>;
  outputSchema?: Record<string, string>;
  arch?: 'x86' | 'arm';
  labels?: Labels;
  tags?: string[];
}

/** Read an ONNX model's input/output names, types and shapes; a clear error if onnxruntime cannot load it. */
export async function inspectOnnx(bytes: Uint8Array): Promise<{ inputs: TensorInfo[]; outputs: TensorInfo[] }> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (e) {
    throw new JoeyError('invalid_model', `not a loadable ONNX model: ${(e as Error).message}`, { status: 400, cause: e });
  }
  try {
    const info = (m: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] =>
      m.map((x) => (x.isTensor ? { name: x.name, type: String(x.type), shape: [...x.shape] } : { name: x.name, type: 'non-tensor', shape: [] }));
    return { inputs: info(session.inputMetadata), outputs: info(session.outputMetadata) };
  } finally {
    await session.release();
  }
}

/**
 * Models and their versions. Uploading bytes stores them content-addressed in the blob area; the sha256
 * is the version identity, so uploading the same bytes again returns the existing version (with its config
 * updated if tensorFields/batchConfig/schemas changed). ONNX models are introspected with onnxruntime-node
 * and run in the embedded engine; other frameworks are recorded with their schemas for containerized runtimes.
 */
export class ModelService {
  constructor(private readonly store: Store) {
    store.defineIndex<ModelRecord>(M, 'name', (m) => indexKey(m.workspace_id, m.name));
    store.defineIndex<ModelVersionRecord>(V, 'model', (v) => indexKey(v.model_id));
  }

  async upload(bytes: Uint8Array, input: UploadInput): Promise<{ model: ModelRecord; version: ModelVersionRecord; created: boolean }> {
    const name = checkName('model', input.name);
    const framework = input.framework ?? 'onnx';
    if (!FRAMEWORKS.includes(framework)) throw new JoeyError('invalid', `unknown framework ${JSON.stringify(framework)}; one of ${FRAMEWORKS.join(', ')}`, { status: 400 });
    if (!bytes.length) throw new JoeyError('invalid_model', 'model file is empty', { status: 400 });
    const config = checkConfig(input);
    const labels = checkLabels(input.labels);
    let io: { inputs: TensorInfo[]; outputs: TensorInfo[] } = { inputs: [], outputs: [] };
    if (framework === 'onnx') io = await inspectOnnx(bytes); // throws 400 before anything is stored
    else if (!input.inputSchema || !input.outputSchema)
      throw new JoeyError('invalid', `framework ${framework} needs inputSchema and outputSchema (Arrow types by field)`, { status: 400 });
    if (framework === 'onnx' && config.tensor_fields && config.tensor_fields.length !== io.inputs.length)
      throw new JoeyError('invalid', `tensorFields lists ${config.tensor_fields.length} fields but the model has ${io.inputs.length} input(s): ${io.inputs.map((i) => i.name).join(', ')}`, { status: 400 });
    const sha = this.store.putBlob(bytes);

    return this.store.withLock(() => {
      const t = now();
      let model = this.byName(input.workspaceId, name);
      if (!model) {
        model = { id: nextId(this.store, M), name, workspace_id: input.workspaceId, tags: checkTags(input.tags), labels, created_at: t, updated_at: t };
        this.store.putUnlocked(M, String(model.id), model);
      } else if (input.labels !== undefined || input.tags !== undefined) {
        model = { ...model, labels: input.labels !== undefined ? labels : model.labels, tags: input.tags !== undefined ? checkTags(input.tags) : model.tags, updated_at: t };
        this.store.putUnlocked(M, String(model.id), model);
      }
      const existing = this.versions(model.id).reverse().find((v) => v.sha === sha);
      if (existing) {
        const next = { ...existing, ...config, framework, arch: input.arch ?? existing.arch, labels: input.labels !== undefined ? labels : existing.labels };
        if (JSON.stringify(next) !== JSON.stringify(existing)) {
          next.updated_at = t;
          this.store.putUnlocked(V, String(existing.id), next);
        }
        return { model, version: next, created: false };
      }
      const version: ModelVersionRecord = {
        id: nextId(this.store, V),
        model_id: model.id,
        name,
        workspace_id: input.workspaceId,
        version: randomUUID(),
        sha,
        file_name: input.fileName ?? `${name}.${framework === 'onnx' ? 'onnx' : 'bin'}`,
        size: bytes.length,
        framework,
        runtime: framework === 'onnx' ? 'onnx' : 'containerized',
        status: 'ready',
        arch: input.arch ?? 'x86',
        inputs: io.inputs,
        outputs: io.outputs,
        ...config,
        labels,
        created_at: t,
        updated_at: t,
      };
      this.store.putUnlocked(V, String(version.id), version);
      model = { ...model, updated_at: t };
      this.store.putUnlocked(M, String(model.id), model);
      return { model, version, created: true };
    });
  }

  get(id: number): ModelRecord {
    const m = this.store.get<ModelRecord>(M, String(id));
    if (!m) throw notFoundError(`model ${id}`);
    return m;
  }

  byName(workspaceId: number, name: string): ModelRecord | undefined {
    return this.store.lookup<ModelRecord>(M, 'name', indexKey(workspaceId, name))[0];
  }

  getByName(workspaceId: number, name: string): ModelRecord {
    const m = this.byName(workspaceId, name);
    if (!m) throw notFoundError(`model ${JSON.stringify(name)} in workspace ${workspaceId}`);
    return m;
  }

  list(workspaceId?: number): ModelRecord[] {
    return this.store.list<ModelRecord>(M, (m) => workspaceId === undefined || m.workspace_id === workspaceId).sort((a, b) => a.id - b.id);
  }

  getVersion(id: number): ModelVersionRecord {
    const v = this.store.get<ModelVersionRecord>(V, String(id));
    if (!v) throw notFoundError(`model version ${id}`);
    return v;
  }

  /** Versions of a model, newest first. */
  versions(modelId: number): ModelVersionRecord[] {
    return this.store.lookup<ModelVersionRecord>(V, 'model', indexKey(modelId)).sort((a, b) => b.id - a.id);
  }

  latestVersion(modelId: number): ModelVersionRecord | undefined {
    return this.versions(modelId)[0];
  }

  /** Find a version by name + UUID or sha within a workspace. */
  findVersion(workspaceId: number, name: string, ref: { version?: string; sha?: string }): ModelVersionRecord | undefined {
    const m = this.byName(workspaceId, name);
    if (!m) return undefined;
    const vs = this.versions(m.id);
    if (!ref.version && !ref.sha) return vs[0];
    return vs.find((v) => (!ref.version || v.version === ref.version) && (!ref.sha || v.sha === ref.sha));
  }

  /** Change a version's serving config (tensorFields, batchConfig, schemas) without new bytes. */
  async configure(versionId: number, input: Pick<UploadInput, 'tensorFields' | 'batchConfig' | 'inputSchema' | 'outputSchema'>): Promise<ModelVersionRecord> {
    const config = checkConfig(input);
    return this.store.withLock(() => {
      const v = { ...this.getVersion(versionId), ...config, updated_at: now() };
      if (input.batchConfig === null) delete v.batch_config;
      this.store.putUnlocked(V, String(v.id), v);
      return v;
    });
  }

  async setTags(modelId: number, tags: string[]): Promise<ModelRecord> {
    const t = checkTags(tags);
    return this.store.withLock(() => {
      const m = { ...this.get(modelId), tags: t, updated_at: now() };
      this.store.putUnlocked(M, String(m.id), m);
      return m;
    });
  }

  async setLabels(modelId: number, labels: Labels): Promise<ModelRecord> {
    const l = checkLabels(labels);
    return this.store.withLock(() => {
      const m = { ...this.get(modelId), labels: l, updated_at: now() };
      this.store.putUnlocked(M, String(m.id), m);
      return m;
    });
  }

  /**
   * Delete a model and its versions. Refused (409) while a deployed pipeline uses one of its versions.
   * Artifacts stay in the blob area (content-addressed; other models may share them).
   */
  async delete(modelId: number): Promise<void> {
    await this.store.withLock(() => {
      const m = this.get(modelId);
      const shas = new Set(this.versions(m.id).map((v) => v.sha));
      for (const d of this.store.list<DeploymentRecord>('deployments', (d) => d.deployed && d.workspace_id === m.workspace_id)) {
        const v = this.store.get<PipelineVersionRecord>('pipeline_versions', String(d.pipeline_version_id));
        if (v && modelRefsOf(v.definition).some((r) => r.name === m.name && shas.has(r.sha))) throw new JoeyError('conflict', `model ${m.name} is used by deployed pipeline ${d.name}; undeploy or change it first`, { status: 409 });
      }
      for (const v of this.versions(m.id)) this.store.deleteUnlocked(V, String(v.id));
      this.store.deleteUnlocked(M, String(m.id));
    });
  }

  artifactPath(v: ModelVersionRecord): string {
    return this.store.blobPath(v.sha);
  }
}

function checkConfig(input: Pick<UploadInput, 'tensorFields' | 'batchConfig' | 'inputSchema' | 'outputSchema'>): Partial<ModelVersionRecord> {
  const out: Partial<ModelVersionRecord> = {};
  if (input.tensorFields !== undefined && input.tensorFields !== null) {
    if (!Array.isArray(input.tensorFields) || input.tensorFields.some((f) => typeof f !== 'string' || !f))
      throw new JoeyError('invalid', 'tensorFields must be a list of field names', { status: 400 });
    out.tensor_fields = [...input.tensorFields];
  }
  if (input.batchConfig !== undefined && input.batchConfig !== null) {
    if (input.batchConfig !== 'single') throw new JoeyError('invalid', `batchConfig must be "single" or absent, got ${JSON.stringify(input.batchConfig)}`, { status: 400 });
    out.batch_config = 'single';
  }
  for (const [k, v] of [['inputSchema', input.inputSchema], ['outputSchema', input.outputSchema]] as const) {
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((t) => typeof t !== 'string'))
      throw new JoeyError('invalid', `${k} must map field names to Arrow type names`, { status: 400 });
    out[k === 'inputSchema' ? 'input_schema' : 'output_schema'] = { ...v };
  }
  return out;
}
