/**
 * The typed client of the engine's API, the same in-process (`LocalClient`) and over HTTP (`HttpClient`):
 * both go through the same route handlers (src/engine/http), so auth, membership, validation and error
 * codes are identical. Field names are the platform's (snake_case). Errors are JoeyErrors with the HTTP
 * status and the API's `code`.
 *
 *   const client = await openClient({ stateDir })                       // embedded, acting as the local admin
 *   const client = await openClient({ endpoint: 'http://h:8080', token }) // a `joey server`
 */
import { JoeyError, type DeploymentConfigSpec, type WorkspaceRole } from '../../model/index.js';
import { Engine, defaultStateDir, LOCAL_ADMIN, type Actor, type ConnectionView, type DeploymentConfigRecord, type DeploymentRecord, type DeploymentStatusView, type Labels, type ModelRecord, type ModelVersionRecord, type PipelineDefinition, type PipelineRecord, type PipelineVersionRecord, type StepInput, type TagView, type WorkspaceRecord } from '../../engine/index.js';
import { dispatch } from '../../engine/http/dispatch.js';
import type { UploadInput } from '../../engine/services/models.js';
import { RawResponse } from '../../engine/http/types.js';

export type WorkspaceView = WorkspaceRecord & { models: number[]; pipelines: number[] };
export type ModelView = ModelRecord & { versions: number };
export type ModelVersionView = ModelVersionRecord & { model_version: string; models_pk_id: number };
export type PipelineView = PipelineRecord & {
  created: string;
  last_updated: string;
  deployed: boolean;
  /** version UUIDs, newest first */
  versions: string[];
  /** model names used by the steps */
  steps: string[];
  published: boolean;
  pipeline_variant_pk_id: number;
  pipeline_version: string;
  definition: PipelineDefinition;
  deployment: { id: number; name: string; deployed: boolean; status: string; pipeline_version_pk_id: number } | null;
};
export type PipelineVersionView = PipelineVersionRecord & { pipeline_variant_pk_id: number; pipeline_variant_version: string };
export interface UploadResult {
  insert_models: { returning: { models: { id: number; name: string; model_version_id: number; model_version: string; sha: string; status: string; created: boolean }[] }[] };
}
export interface CreatePipelineResult {
  pipeline_pk_id: number;
  pipeline_variant_pk_id: number;
  pipeline_variant_version: string;
  created: boolean;
  new_version: boolean;
}
/** The engine's upload input less what the call names positionally. */
export type UploadOptions = Omit<UploadInput, 'workspaceId' | 'name' | 'bytes'>;
export interface DeployRequest {
  pipeline_id: number;
  deploy_id?: string;
  pipeline_version_pk_id?: number;
  /** A DeploymentConfig name in the pipeline's workspace. */
  deployment_config?: string;
  /** Or an inline config (joey's DeploymentConfig fields). */
  engine_config?: DeploymentConfigSpec;
  labels?: Labels;
}

/** Everything joey does against the platform. */
export interface EngineClient {
  /** Any route by path (other areas' routes too). */
  call<T = unknown>(path: string, body?: Record<string, unknown>): Promise<T>;
  whoami(): Promise<Actor>;

  createWorkspace(name: string, opts?: { members?: { user: string; role: WorkspaceRole }[]; labels?: Labels }): Promise<{ workspace_id: number }>;
  listWorkspaces(): Promise<{ workspaces: WorkspaceView[] }>;
  getWorkspace(ref: { workspace_id: number } | { workspace_name: string }): Promise<WorkspaceView>;
  addUser(workspaceId: number, user: string, role?: WorkspaceRole): Promise<void>;
  removeUser(workspaceId: number, user: string): Promise<void>;
  setMembers(workspaceId: number, members: { user: string; role: WorkspaceRole }[]): Promise<WorkspaceView>;
  setWorkspaceLabels(workspaceId: number, labels: Labels): Promise<WorkspaceView>;
  archiveWorkspace(workspaceId: number, archived?: boolean): Promise<void>;

  uploadModel(workspaceId: number, name: string, bytes: Uint8Array, opts?: UploadOptions): Promise<UploadResult>;
  listModels(workspaceId: number): Promise<{ models: ModelView[] }>;
  getModel(workspaceId: number, name: string): Promise<ModelView>;
  listModelVersions(modelId: number): Promise<ModelVersionView[]>;
  getModelVersion(modelVersionId: number): Promise<{ model_version: ModelVersionView }>;
  configureModel(modelVersionId: number, config: { tensor_fields?: string[]; batch_config?: 'single' | null; input_schema?: Record<string, string>; output_schema?: Record<string, string> }): Promise<{ model_version: ModelVersionView }>;
  setModelTags(modelId: number, tags: string[]): Promise<ModelView>;
  setModelLabels(modelId: number, labels: Labels): Promise<ModelView>;
  deleteModel(modelId: number): Promise<void>;

  putDeploymentConfig(workspaceId: number, name: string, spec: DeploymentConfigSpec, labels?: Labels): Promise<DeploymentConfigRecord>;
  listDeploymentConfigs(workspaceId: number): Promise<{ deployment_configs: DeploymentConfigRecord[] }>;
  getDeploymentConfig(workspaceId: number, name: string): Promise<DeploymentConfigRecord>;
  deleteDeploymentConfig(workspaceId: number, name: string): Promise<void>;

  createPipeline(workspaceId: number, name: string, definition: { steps?: StepInput[]; validations?: Record<string, string> }, opts?: { tags?: string[]; labels?: Labels }): Promise<CreatePipelineResult>;
  getPipeline(pipelineId: number): Promise<PipelineView>;
  getPipelineByName(workspaceId: number, name: string): Promise<PipelineView>;
  listPipelines(workspaceId?: number): Promise<{ pipelines: PipelineView[] }>;
  listPipelineVersions(pipelineId: number): Promise<{ versions: PipelineVersionView[] }>;
  deployPipeline(req: DeployRequest): Promise<{ id: number; status: string }>;
  undeployPipeline(pipelineId: number, deploymentId?: number): Promise<void>;
  copyPipeline(sourcePipelineId: number, name: string, opts?: { workspace_id?: number; pipeline_version?: string; deploy?: string; engine_config?: DeploymentConfigSpec }): Promise<{ pipeline_pk_id: number; pipeline_variant_pk_id: number; pipeline_version: string; deployment: { id: number; status: string } | null }>;
  setPipelineTags(pipelineId: number, tags: string[]): Promise<PipelineView>;
  setPipelineLabels(pipelineId: number, labels: Labels): Promise<PipelineView>;
  deletePipeline(pipelineId: number): Promise<void>;

  getDeployment(name: string): Promise<DeploymentStatusView>;
  listDeployments(workspaceId: number): Promise<{ deployments: DeploymentRecord[] }>;
  getExternalUrl(workspaceId: number, pipelineName: string): Promise<{ url: string }>;

  createConnection(input: { workspace_id?: number; name: string; type: string; details: Record<string, string>; labels?: Labels }): Promise<ConnectionView>;
  listConnections(workspaceId?: number): Promise<{ connections: ConnectionView[] }>;
  getConnection(id: number): Promise<ConnectionView>;
  deleteConnection(id: number): Promise<void>;

  listTags(workspaceId: number): Promise<{ tags: TagView[] }>;
  /** Upload an orchestration zip (`/v1/api/orchestration/upload`); the same bytes again = the same orchestration. */
  uploadOrchestration(workspaceId: number, name: string, zip: Uint8Array, opts?: { fileName?: string; labels?: Labels }): Promise<{ id: string; sha: string; status: string }>;
  close(): Promise<void>;
}

const UPLOAD = '/v1/api/models/upload_and_convert';

function uploadMeta(workspaceId: number, name: string, o: UploadOptions = {}) {
  return {
    name,
    workspace_id: workspaceId,
    conversion: { framework: o.framework ?? 'onnx' },
    ...(o.tensorFields ? { tensor_fields: o.tensorFields } : {}),
    ...(o.batchConfig !== undefined ? { batch_config: o.batchConfig } : {}),
    ...(o.inputSchema ? { input_schema: o.inputSchema } : {}),
    ...(o.outputSchema ? { output_schema: o.outputSchema } : {}),
    ...(o.arch ? { arch: o.arch } : {}),
    ...(o.labels ? { labels: o.labels } : {}),
    ...(o.tags ? { tags: o.tags } : {}),
  };
}

/** The typed methods, written once over `call` / `sendBytes`. */
abstract class BaseClient implements EngineClient {
  abstract call<T = unknown>(path: string, body?: Record<string, unknown>): Promise<T>;
  protected abstract sendBytes<T>(path: string, bytes: Uint8Array, query: URLSearchParams): Promise<T>;
  abstract close(): Promise<void>;

  whoami() {
    return this.call<Actor>('/v1/api/users/whoami');
  }
  createWorkspace(name: string, opts: { members?: { user: string; role: WorkspaceRole }[]; labels?: Labels } = {}) {
    return this.call<{ workspace_id: number }>('/v1/api/workspaces/create', { workspace_name: name, ...opts });
  }
  listWorkspaces() {
    return this.call<{ workspaces: WorkspaceView[] }>('/v1/api/workspaces/list');
  }
  getWorkspace(ref: { workspace_id: number } | { workspace_name: string }) {
    return this.call<WorkspaceView>('/v1/api/workspaces/get', ref);
  }
  async addUser(workspaceId: number, user: string, role: WorkspaceRole = 'collaborator') {
    await this.call('/v1/api/workspaces/add_user', { workspace_id: workspaceId, email: user, role });
  }
  async removeUser(workspaceId: number, user: string) {
    await this.call('/v1/api/workspaces/remove_user', { workspace_id: workspaceId, email: user });
  }
  setMembers(workspaceId: number, members: { user: string; role: WorkspaceRole }[]) {
    return this.call<WorkspaceView>('/v1/api/workspaces/set_members', { workspace_id: workspaceId, members });
  }
  setWorkspaceLabels(workspaceId: number, labels: Labels) {
    return this.call<WorkspaceView>('/v1/api/workspaces/set_labels', { workspace_id: workspaceId, labels });
  }
  async archiveWorkspace(workspaceId: number, archived = true) {
    await this.call('/v1/api/workspaces/archive', { workspace_id: workspaceId, archived });
  }

  uploadModel(workspaceId: number, name: string, bytes: Uint8Array, opts: UploadOptions = {}) {
    const q = new URLSearchParams({ metadata: JSON.stringify(uploadMeta(workspaceId, name, opts)) });
    if (opts.fileName) q.set('file_name', opts.fileName);
    return this.sendBytes<UploadResult>(UPLOAD, bytes, q);
  }
  listModels(workspaceId: number) {
    return this.call<{ models: ModelView[] }>('/v1/api/models/list', { workspace_id: workspaceId });
  }
  getModel(workspaceId: number, name: string) {
    return this.call<ModelView>('/v1/api/models/get', { workspace_id: workspaceId, name });
  }
  listModelVersions(modelId: number) {
    return this.call<ModelVersionView[]>('/v1/api/models/list_versions', { models_pk_id: modelId });
  }
  getModelVersion(modelVersionId: number) {
    return this.call<{ model_version: ModelVersionView }>('/v1/api/models/get_version_by_id', { model_version_id: modelVersionId });
  }
  configureModel(modelVersionId: number, config: Record<string, unknown>) {
    return this.call<{ model_version: ModelVersionView }>('/v1/api/models/configure', { model_version_id: modelVersionId, ...config });
  }
  setModelTags(modelId: number, tags: string[]) {
    return this.call<ModelView>('/v1/api/models/set_tags', { model_id: modelId, tags });
  }
  setModelLabels(modelId: number, labels: Labels) {
    return this.call<ModelView>('/v1/api/models/set_labels', { model_id: modelId, labels });
  }

  async deleteModel(modelId: number) {
    await this.call('/v1/api/models/delete', { model_id: modelId });
  }

  putDeploymentConfig(workspaceId: number, name: string, spec: DeploymentConfigSpec, labels?: Labels) {
    return this.call<DeploymentConfigRecord>('/v1/api/deployment_configs/put', { workspace_id: workspaceId, name, spec, ...(labels ? { labels } : {}) });
  }
  listDeploymentConfigs(workspaceId: number) {
    return this.call<{ deployment_configs: DeploymentConfigRecord[] }>('/v1/api/deployment_configs/list', { workspace_id: workspaceId });
  }
  getDeploymentConfig(workspaceId: number, name: string) {
    return this.call<DeploymentConfigRecord>('/v1/api/deployment_configs/get', { workspace_id: workspaceId, name });
  }
  async deleteDeploymentConfig(workspaceId: number, name: string) {
    await this.call('/v1/api/deployment_configs/delete', { workspace_id: workspaceId, name });
  }

  createPipeline(workspaceId: number, name: string, definition: { steps?: StepInput[]; validations?: Record<string, string> }, opts: { tags?: string[]; labels?: Labels } = {}) {
    return this.call<CreatePipelineResult>('/v1/api/pipelines/create', { pipeline_id: name, workspace_id: workspaceId, definition, ...opts });
  }
  getPipeline(pipelineId: number) {
    return this.call<PipelineView>('/v1/api/pipelines/get_pipeline', { pipeline_id: pipelineId });
  }
  getPipelineByName(workspaceId: number, name: string) {
    return this.call<PipelineView>('/v1/api/pipelines/get_pipeline', { workspace_id: workspaceId, name });
  }
  listPipelines(workspaceId?: number) {
    return this.call<{ pipelines: PipelineView[] }>('/v1/api/pipelines/list', workspaceId === undefined ? {} : { workspace_id: workspaceId });
  }
  listPipelineVersions(pipelineId: number) {
    return this.call<{ versions: PipelineVersionView[] }>('/v1/api/pipelines/list_versions', { pipeline_id: pipelineId });
  }
  deployPipeline(req: DeployRequest) {
    return this.call<{ id: number; status: string }>('/v1/api/pipelines/deploy', { ...req });
  }
  async undeployPipeline(pipelineId: number, deploymentId?: number) {
    await this.call('/v1/api/pipelines/undeploy', { pipeline_id: pipelineId, ...(deploymentId !== undefined ? { deployment_id: deploymentId } : {}) });
  }
  copyPipeline(sourcePipelineId: number, name: string, opts: { workspace_id?: number; pipeline_version?: string; deploy?: string; engine_config?: DeploymentConfigSpec } = {}) {
    return this.call<{ pipeline_pk_id: number; pipeline_variant_pk_id: number; pipeline_version: string; deployment: { id: number; status: string } | null }>('/v1/api/pipelines/copy', { source_pipeline: sourcePipelineId, name, ...opts });
  }
  setPipelineTags(pipelineId: number, tags: string[]) {
    return this.call<PipelineView>('/v1/api/pipelines/set_tags', { pipeline_id: pipelineId, tags });
  }
  setPipelineLabels(pipelineId: number, labels: Labels) {
    return this.call<PipelineView>('/v1/api/pipelines/set_labels', { pipeline_id: pipelineId, labels });
  }
  async deletePipeline(pipelineId: number) {
    await this.call('/v1/api/pipelines/delete', { pipeline_id: pipelineId });
  }

  getDeployment(name: string) {
    return this.call<DeploymentStatusView>('/v1/api/status/get_deployment', { name });
  }
  listDeployments(workspaceId: number) {
    return this.call<{ deployments: DeploymentRecord[] }>('/v1/api/deployments/list', { workspace_id: workspaceId });
  }
  getExternalUrl(workspaceId: number, pipelineName: string) {
    return this.call<{ url: string }>('/v1/api/admin/get_pipeline_external_url', { workspace_id: workspaceId, pipeline_name: pipelineName });
  }

  createConnection(input: { workspace_id?: number; name: string; type: string; details: Record<string, string>; labels?: Labels }) {
    return this.call<ConnectionView>('/v1/api/connections/create', { ...input });
  }
  listConnections(workspaceId?: number) {
    return this.call<{ connections: ConnectionView[] }>('/v1/api/connections/list', workspaceId === undefined ? {} : { workspace_id: workspaceId });
  }
  getConnection(id: number) {
    return this.call<ConnectionView>('/v1/api/connections/get', { id });
  }
  async deleteConnection(id: number) {
    await this.call('/v1/api/connections/delete', { id });
  }

  listTags(workspaceId: number) {
    return this.call<{ tags: TagView[] }>('/v1/api/tags/list', { workspace_id: workspaceId });
  }
  uploadOrchestration(workspaceId: number, name: string, zip: Uint8Array, opts: { fileName?: string; labels?: Labels } = {}) {
    const q = new URLSearchParams({ metadata: JSON.stringify({ workspace_id: workspaceId, name, ...(opts.labels ? { labels: opts.labels } : {}) }) });
    if (opts.fileName) q.set('file_name', opts.fileName);
    return this.sendBytes<{ id: string; sha: string; status: string }>('/v1/api/orchestration/upload', zip, q);
  }
}

/** JSON round trip, so in-process answers look exactly like HTTP ones (no undefined, no shared references). */
const wire = <T>(v: unknown): T => (v === undefined ? (null as T) : (JSON.parse(JSON.stringify(v)) as T));

/** In-process client over an open Engine, acting as `actor` (default: the local admin). */
export class LocalClient extends BaseClient {
  constructor(
    readonly engine: Engine,
    readonly actor: Actor = LOCAL_ADMIN,
    private readonly ownsEngine = false,
  ) {
    super();
  }

  /** The same engine acting as another user (membership is enforced for non-admins). */
  as(actor: Actor): LocalClient {
    return new LocalClient(this.engine, actor);
  }

  async call<T = unknown>(path: string, body: Record<string, unknown> = {}): Promise<T> {
    const r = await dispatch({ engine: this.engine, actor: this.actor, path, body: wire(body) });
    return r instanceof RawResponse ? (r as T) : wire<T>(r);
  }

  protected async sendBytes<T>(path: string, bytes: Uint8Array, query: URLSearchParams): Promise<T> {
    const r = await dispatch({ engine: this.engine, actor: this.actor, path, query, raw: { bytes, contentType: 'application/octet-stream', headers: {} } });
    return wire<T>(r);
  }

  async close(): Promise<void> {
    if (this.ownsEngine) await this.engine.close();
  }
}

/** Client of a `joey server` (fetch). */
export class HttpClient extends BaseClient {
  readonly endpoint: string;
  constructor(
    endpoint: string,
    private readonly token?: string,
  ) {
    super();
    this.endpoint = endpoint.replace(/\/+$/, '');
  }

  call<T = unknown>(path: string, body: Record<string, unknown> = {}): Promise<T> {
    return this.request<T>(path, JSON.stringify(body), 'application/json');
  }

  protected sendBytes<T>(path: string, bytes: Uint8Array, query: URLSearchParams): Promise<T> {
    return this.request<T>(`${path}?${query}`, bytes, 'application/octet-stream');
  }

  async close(): Promise<void> {}

  private async request<T>(path: string, body: string | Uint8Array, contentType: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.endpoint + path, {
        method: 'POST',
        headers: { 'content-type': contentType, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: body as unknown as BodyInit,
      });
    } catch (e) {
      throw new JoeyError('unreachable', `cannot reach the joey server at ${this.endpoint}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`, { status: 503, cause: e });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new JoeyError('bad_response', `the server at ${this.endpoint} answered ${res.status} with a non-JSON body`, { status: 502 });
    }
    if (!res.ok) {
      const e = (json ?? {}) as { code?: string; message?: string };
      throw new JoeyError(e.code ?? 'http_error', e.message ?? `HTTP ${res.status}`, { status: res.status });
    }
    return json as T;
  }
}

export interface OpenClientOptions {
  /** Embedded engine state (default: JOEY_HOME or ./.joey). Ignored when `endpoint` is set. */
  stateDir?: string;
  /** A `joey server` URL (JOEY_ENDPOINT also sets it). */
  endpoint?: string;
  /** Bearer token for the server (JOEY_TOKEN also sets it). */
  token?: string;
  /** Embedded only: act as this user instead of the local admin. */
  actor?: Actor;
}

export async function openClient(opts: OpenClientOptions = {}): Promise<EngineClient> {
  const endpoint = opts.endpoint ?? process.env.JOEY_ENDPOINT;
  if (endpoint) return new HttpClient(endpoint, opts.token ?? process.env.JOEY_TOKEN);
  const engine = await Engine.open({ stateDir: opts.stateDir ?? defaultStateDir() });
  return new LocalClient(engine, opts.actor ?? LOCAL_ADMIN, true);
}
