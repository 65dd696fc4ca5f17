/**
 * joey's engine: the ML platform itself (the seeds' MLOps platform), embedded in-process or served by `joey server`.
 *
 * ## Opening
 *   const engine = await Engine.open({ stateDir });          // creates the dir on first use; several processes may open it
 *   engine.store                                              // the durable store (below)
 *   engine.setRuntime(rt)                                     // plug the RUNTIME area's DeploymentRuntime in
 *   engine.extension('tasks', (e) => new TaskService(e))      // lazily build + cache another area's service
 *   await engine.close()                                      // unloads deployments loaded by this process
 *
 * ## Store (src/engine/store) — `engine.store: Store`
 *   get<T>(collection, id) / has / ids(collection) / list<T>(collection, filter?)   reads: no lock, always from disk
 *   await put(collection, id, doc) / delete(collection, id)                         one-document transactions
 *   await update<T>(collection, id, cur => next | undefined)                        read-modify-write under the lock
 *   await withLock(fn, purpose?)   all-or-nothing multi-document transaction (undo journal; a throw or a crash rolls it back);
 *                                  inside fn use putUnlocked / deleteUnlocked (or put/delete: re-entrant)
 *   putBlob(bytes) → sha256 / putBlobFile(path) / blobPath(sha) / hasBlob / readBlob   content-addressed artifacts
 *   lockHolder() / forceUnlock()     writer lock {pid, host, time, purpose}; stale (dead pid on this host) locks are broken
 *   Collection names: /^[a-z][a-z0-9_-]*$/ — prefix yours with your area (e.g. `tasks`, `task_runs`, `assays`).
 *   `FileLock` (store/lock.ts) is exported for other long-held locks (e.g. the reconciler's apply lock).
 *
 * ## Services (src/engine/services) — no authorization inside; the API layer (src/engine/api) checks membership
 *   engine.workspaces         create/get/getByName/list/addUser/removeUser/setMembers/setLabels/archive/requireMember
 *   engine.models             upload(bytes, {workspaceId, name, framework, ...}) / list / get / getVersion / versions / findVersion / configure / setTags / setLabels / delete
 *   engine.deploymentConfigs  put (create or replace by name) / get / getByName / list / delete
 *   engine.pipelines          create/update (new version only when the definition changes) / get / getByName / list / versions / copy / setTags
 *   engine.deployments        deploy / undeploy / get / byPipeline / list / status (seeds' get_deployment shape) / externalUrl
 *   engine.connections        put / get / getByName / list / delete (details masked) / resolveDetails (in-process only)
 *   engine.tags               list tags across pipelines and models of a workspace
 *   engine.tokens             create({user, admin?}) → {token} (stored hashed) / verify(token) → Actor / list / revoke
 * Every object has integer `id`, `labels`, `created_at`, `updated_at`; field names follow the seeds (snake_case).
 *
 * ## HTTP API (src/engine/http) — one handler per route, used by both the HTTP server and LocalClient
 *   `dispatch({engine, actor, path, body})` (http/dispatch.ts); `startServer(engine, {port, host})` (http/server.ts);
 *   add routes in http/routes/<area>.ts + one line in http/routes/index.ts (see http/types.ts).
 *   Clients: src/providers/engine/client.ts — `openClient({stateDir} | {endpoint, token})` → EngineClient.
 */
import { join, resolve } from 'node:path';
import { Store, type StoreOptions } from './store/index.js';
import { OnnxProbeRuntime, type DeploymentRuntime } from './runtime-port.js';
import { WorkspaceService } from './services/workspaces.js';
import { ModelService } from './services/models.js';
import { DeploymentConfigService } from './services/deployment-configs.js';
import { PipelineService } from './services/pipelines.js';
import { DeploymentService } from './services/deployments.js';
import { ConnectionService } from './services/connections.js';
import { TagService } from './services/tags.js';
import { TokenService } from './services/tokens.js';

export interface EngineOptions {
  stateDir: string;
  /** Defaults to OnnxProbeRuntime (loads each ONNX model once to prove it runs). */
  runtime?: DeploymentRuntime;
  lockTimeoutMs?: StoreOptions['lockTimeoutMs'];
  /** Base URL for external inference URLs (default http://127.0.0.1:8080, or the server's address). */
  externalUrl?: string;
}

/** `JOEY_HOME`, else `.joey/` under the repo root. */
export function defaultStateDir(root = '.'): string {
  return resolve(process.env.JOEY_HOME ?? join(root, '.joey'));
}

export class Engine {
  readonly workspaces: WorkspaceService;
  readonly models: ModelService;
  readonly deploymentConfigs: DeploymentConfigService;
  readonly pipelines: PipelineService;
  readonly deployments: DeploymentService;
  readonly connections: ConnectionService;
  readonly tags: TagService;
  readonly tokens: TokenService;
  externalUrl: string;
  private rt: DeploymentRuntime;
  private readonly extensions = new Map<string, unknown>();

  private constructor(
    readonly store: Store,
    opts: EngineOptions,
  ) {
    this.rt = opts.runtime ?? new OnnxProbeRuntime();
    this.externalUrl = opts.externalUrl ?? 'http://127.0.0.1:8080';
    this.workspaces = new WorkspaceService(store);
    this.models = new ModelService(store);
    this.deploymentConfigs = new DeploymentConfigService(store);
    this.pipelines = new PipelineService(store, this.models);
    this.deployments = new DeploymentService(store, this.pipelines, this.models, this.deploymentConfigs, () => this.rt);
    this.connections = new ConnectionService(store);
    this.tags = new TagService(this.pipelines, this.models);
    this.tokens = new TokenService(store);
  }

  static async open(opts: EngineOptions): Promise<Engine> {
    const store = await Store.open(opts.stateDir, { lockTimeoutMs: opts.lockTimeoutMs });
    return new Engine(store, opts);
  }

  get stateDir(): string {
    return this.store.dir;
  }

  get runtime(): DeploymentRuntime {
    return this.rt;
  }

  setRuntime(rt: DeploymentRuntime): void {
    this.rt = rt;
  }

  /** Build another area's service once per engine and hand the same instance back afterwards. */
  extension<T>(name: string, factory: (engine: Engine) => T): T {
    if (!this.extensions.has(name)) this.extensions.set(name, factory(this));
    return this.extensions.get(name) as T;
  }

  async close(): Promise<void> {
    await this.deployments.close();
    for (const ext of this.extensions.values()) {
      const c = (ext as { close?: () => unknown } | null)?.close;
      if (typeof c === 'function') await c.call(ext);
    }
  }
}

export { Store, FileLock } from './store/index.js';
export type { DeploymentRuntime, LoadableModel } from './runtime-port.js';
export { OnnxProbeRuntime } from './runtime-port.js';
export * from './types.js';
export { WorkspaceService } from './services/workspaces.js';
export { ModelService, inspectOnnx, FRAMEWORKS, type UploadInput } from './services/models.js';
export { DeploymentConfigService, validateDeploymentConfig } from './services/deployment-configs.js';
export { PipelineService, definitionHash, type PipelineInput, type PipelineResult, type StepInput, type ModelRefInput } from './services/pipelines.js';
export { DeploymentService, type DeployInput, type DeploymentStatusView } from './services/deployments.js';
export { ConnectionService, maskDetails, viewConnection, isSecretRef, MASK, type ConnectionView } from './services/connections.js';
export { TagService, type TagView } from './services/tags.js';
export { TokenService } from './services/tokens.js';
