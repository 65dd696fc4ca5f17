/**
 * A small in-process Kubernetes API server for tests (node:http on 127.0.0.1). It implements what joey's
 * client uses: discovery (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`), get, list (with label
 * selectors), create, delete, merge patch, and server-side apply (`application/apply-patch+yaml`) with a
 * minimal field-ownership model: each manager's last applied configuration is remembered, fields a manager
 * stops applying are removed, and applying a field another manager set to a different value is a 409 conflict
 * unless `force=true`. Like a real server it fills defaults, normalizes CPU quantities, bumps generation on
 * spec changes, and a fake controller sets Deployment/HPA status so health waits can pass.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import YAML from 'yaml';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface ResourceType {
  group: string; // '' = core
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

const TYPES: ResourceType[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true },
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true },
  { group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true },
];

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

export interface RequestLogEntry {
  method: string;
  path: string;
  contentType?: string;
  fieldManager?: string;
  force?: boolean;
}

export interface TestApiServerOptions {
  /** Delay before the fake controller reports a Deployment rollout complete (ms). */
  readyDelayMs?: number;
  /** Deployments whose rollouts never complete (by name), to test health-wait timeouts. */
  neverReady?: string[];
}

/** Remove from `live` every leaf path present in `prev` but absent from `next` (SSA: fields a manager dropped). */
function removeDropped(live: Obj, prev: Obj, next: Obj | undefined): void {
  for (const k of Object.keys(prev)) {
    const n = next?.[k];
    if (n === undefined) delete live[k];
    else if (isObj(prev[k]) && isObj(n) && isObj(live[k])) removeDropped(live[k], prev[k], n);
  }
}

/** Deep merge; lists and scalars from `patch` replace. `null` deletes (merge-patch semantics). */
function merge(base: Obj, patch: Obj): Obj {
  const out = clone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = merge(out[k], v);
    else out[k] = clone(v);
  }
  return out;
}

/** Leaf paths of an object (for conflict detection). */
function leaves(o: Obj, prefix = ''): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) {
    const p = `${prefix}/${k}`;
    if (isObj(v)) for (const [kk, vv] of leaves(v, p)) m.set(kk, vv);
    else m.set(p, v);
  }
  return m;
}

/** CPU quantities the way the API server prints them: "0.25" → "250m", "1.0" → "1". */
function canonicalCpu(q: unknown): unknown {
  if (typeof q !== 'string' && typeof q !== 'number') return q;
  const s = String(q);
  if (!/^[0-9.]+$/.test(s)) return q;
  const milli = Math.round(Number(s) * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

function defaultPodSpec(spec: Obj | undefined, restartPolicy = 'Always'): void {
  if (!spec) return;
  spec.restartPolicy ??= restartPolicy;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    c.imagePullPolicy ??= 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    for (const r of [c.resources?.limits, c.resources?.requests]) if (r?.cpu !== undefined) r.cpu = canonicalCpu(r.cpu);
  }
}

/** A few of the defaults a real API server fills in, so diffs must learn to ignore them. */
function applyDefaults(o: Obj): void {
  const s = o.spec;
  switch (o.kind) {
    case 'Service':
      s.clusterIP ??= `10.96.0.${10 + Math.floor(Math.random() * 200)}`;
      s.sessionAffinity ??= 'None';
      for (const p of s.ports ?? []) p.protocol ??= 'TCP';
      break;
    case 'Deployment':
      s.replicas ??= 1;
      s.revisionHistoryLimit ??= 10;
      s.progressDeadlineSeconds ??= 600;
      s.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      defaultPodSpec(s.template?.spec);
      break;
    case 'Job':
      s.completions ??= 1;
      s.parallelism ??= 1;
      defaultPodSpec(s.template?.spec, 'Never');
      break;
    case 'CronJob':
      s.suspend ??= false;
      s.successfulJobsHistoryLimit ??= 3;
      s.failedJobsHistoryLimit ??= 1;
      defaultPodSpec(s.jobTemplate?.spec?.template?.spec, 'Never');
      break;
  }
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class TestApiServer {
  readonly requests: RequestLogEntry[] = [];
  /** key → stored object */
  private readonly store = new Map<string, Obj>();
  /** key → manager → that manager's last applied (or patched) configuration */
  private readonly owners = new Map<string, Map<string, Obj>>();
  private server?: Server;
  private rv = 1;
  private timers = new Set<NodeJS.Timeout>();
  url = '';

  constructor(private readonly opts: TestApiServerOptions = {}) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A kubeconfig (as an object for KubeConfig.loadFromOptions) pointing at this server. */
  kubeconfig(namespace = 'default') {
    return {
      clusters: [{ name: 'test', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'test', token: 'test-token' }],
      contexts: [{ name: 'test', cluster: 'test', user: 'test', namespace }],
      currentContext: 'test',
    };
  }

  // ------------------------------------------------------------------ direct access for tests
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Obj | undefined {
    const o = this.store.get(this.key(apiVersion, kind, namespace, name));
    return o && clone(o);
  }
  list(apiVersion?: string, kind?: string): Obj[] {
    return [...this.store.values()].filter((o) => (!apiVersion || o.apiVersion === apiVersion) && (!kind || o.kind === kind)).map(clone);
  }
  /** Create or change an object as another manager would (e.g. a foreign object, or `kubectl edit` drift). */
  put(obj: Obj, manager = 'kubectl-edit'): Obj {
    const t = TYPES.find((x) => x.kind === obj.kind && apiVersionOf(x) === obj.apiVersion)!;
    return this.write(t, obj.metadata.namespace, obj.metadata.name, (live) => merge(live ?? {}, obj), manager, false, obj);
  }

  // ------------------------------------------------------------------ HTTP
  private key(apiVersion: string, kind: string, ns: string | undefined, name: string) {
    return `${apiVersion}/${kind}/${ns ?? ''}/${name}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, contentType: req.headers['content-type'] };
    if (url.searchParams.has('fieldManager')) entry.fieldManager = url.searchParams.get('fieldManager')!;
    if (url.searchParams.has('force')) entry.force = url.searchParams.get('force') === 'true';
    this.requests.push(entry);
    try {
      if (req.headers.authorization !== 'Bearer test-token') throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      const body = await readBody(req);
      const out = this.route(req.method ?? 'GET', url, req.headers['content-type'] ?? '', body);
      send(res, 200, out.body, out.status);
    } catch (e) {
      const he = e instanceof HttpError ? e : new HttpError(500, 'InternalError', (e as Error).message);
      send(res, he.code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: he.message, reason: he.reason, code: he.code });
    }
  }

  private route(method: string, url: URL, contentType: string, body: string): { body: unknown; status?: number } {
    const p = url.pathname.replace(/\/+$/, '');
    if (method === 'GET' && p === '/api') return { body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] } };
    if (method === 'GET' && p === '/apis') return { body: this.groupList() };
    const disc = p.match(/^\/api\/(v1)$/) ?? p.match(/^\/apis\/([^/]+\/[^/]+)$/);
    if (method === 'GET' && disc) return { body: this.resourceList(disc[1]) };

    const m = p.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/);
    if (!m) throw new HttpError(404, 'NotFound', `the server could not find the requested resource ${p}`);
    const group = m[1] ? '' : m[2];
    const version = m[1] ?? m[3];
    const [ns, plural, name] = [m[4], m[5], m[6]];
    const t = TYPES.find((x) => x.group === group && x.version === version && x.plural === plural);
    if (!t) throw new HttpError(404, 'NotFound', `the server could not find the requested resource ${p}`);
    const av = apiVersionOf(t);
    const namespace = t.namespaced ? ns : undefined;

    if (!name) {
      if (method === 'GET') return { body: this.listOf(t, namespace, url.searchParams.get('labelSelector') ?? '') };
      if (method === 'POST') {
        const obj = parseBody(body);
        const n = obj.metadata?.name;
        if (!n) throw new HttpError(422, 'Invalid', 'metadata.name: Required value');
        if (this.store.has(this.key(av, t.kind, namespace, n))) throw new HttpError(409, 'AlreadyExists', `${t.plural} "${n}" already exists`);
        const mgr = url.searchParams.get('fieldManager') ?? 'unknown';
        return { body: this.write(t, namespace, n, () => ({ ...obj, apiVersion: av, kind: t.kind }), mgr, false, obj), status: 201 };
      }
      throw new HttpError(405, 'MethodNotAllowed', method);
    }

    const key = this.key(av, t.kind, namespace, name);
    const live = this.store.get(key);
    if (method === 'GET') {
      if (!live) throw new HttpError(404, 'NotFound', `${t.plural} "${name}" not found`);
      return { body: live };
    }
    if (method === 'DELETE') {
      if (!live) throw new HttpError(404, 'NotFound', `${t.plural} "${name}" not found`);
      this.store.delete(key);
      this.owners.delete(key);
      return { body: { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: t.plural } } };
    }
    if (method === 'PATCH') {
      const manager = url.searchParams.get('fieldManager');
      const patch = parseBody(body);
      if (contentType.startsWith('application/apply-patch+yaml')) {
        if (!manager) throw new HttpError(400, 'BadRequest', 'fieldManager is required for apply requests');
        if (patch.apiVersion !== av || patch.kind !== t.kind) throw new HttpError(400, 'BadRequest', 'apiVersion/kind of the body do not match the URL');
        if (patch.metadata?.name !== name) throw new HttpError(400, 'BadRequest', 'metadata.name of the body does not match the URL');
        const force = url.searchParams.get('force') === 'true';
        const dryRun = url.searchParams.get('dryRun') === 'All';
        return { body: this.apply(t, namespace, name, patch, manager, force, dryRun), status: live ? 200 : 201 };
      }
      if (contentType.startsWith('application/merge-patch+json')) {
        if (!live) throw new HttpError(404, 'NotFound', `${t.plural} "${name}" not found`);
        return { body: this.write(t, namespace, name, (l) => merge(l!, patch), manager ?? 'unknown', false, patch) };
      }
      throw new HttpError(415, 'UnsupportedMediaType', `patch type ${contentType} not supported by the test server`);
    }
    throw new HttpError(405, 'MethodNotAllowed', method);
  }

  private apply(t: ResourceType, namespace: string | undefined, name: string, patch: Obj, manager: string, force: boolean, dryRun: boolean): Obj {
    const key = this.key(apiVersionOf(t), t.kind, namespace, name);
    const owners = this.owners.get(key) ?? new Map<string, Obj>();
    if (!force) {
      const mine = leaves(stripMeta(patch));
      for (const [other, cfg] of owners) {
        if (other === manager) continue;
        for (const [path, v] of leaves(stripMeta(cfg))) {
          if (mine.has(path) && JSON.stringify(mine.get(path)) !== JSON.stringify(v)) {
            throw new HttpError(409, 'Conflict', `Apply failed with 1 conflict: conflict with "${other}": ${path.replaceAll('/', '.')}`);
          }
        }
      }
    }
    const compute = (live: Obj | undefined) => {
      const base = live ? clone(live) : {};
      const prev = owners.get(manager);
      if (prev) removeDropped(base, prev, patch);
      return merge(base, patch);
    };
    if (dryRun) {
      const o = compute(this.store.get(key));
      applyDefaults(o);
      return o;
    }
    const out = this.write(t, namespace, name, compute, manager, true, patch);
    if (force) {
      // Forcing takes the applied fields away from the other managers.
      const mine = leaves(stripMeta(patch));
      for (const [other, cfg] of this.owners.get(key) ?? []) {
        if (other === manager) continue;
        for (const path of leaves(stripMeta(cfg)).keys()) if (mine.has(path)) deletePath(cfg, path);
      }
    }
    return out;
  }

  private write(t: ResourceType, namespace: string | undefined, name: string, change: (live: Obj | undefined) => Obj, manager: string, isApply: boolean, owned: Obj): Obj {
    const key = this.key(apiVersionOf(t), t.kind, namespace, name);
    const live = this.store.get(key);
    const next = change(live && clone(live));
    next.apiVersion = apiVersionOf(t);
    next.kind = t.kind;
    next.metadata = { ...(next.metadata ?? {}), name };
    if (namespace) next.metadata.namespace = namespace;
    next.spec ??= t.kind === 'ConfigMap' || t.kind === 'Secret' || t.kind === 'Namespace' ? undefined : {};
    if (next.spec === undefined) delete next.spec;
    if (next.spec) applyDefaults(next);
    delete next.status;
    next.status = live?.status;
    if (next.status === undefined) delete next.status;
    const specChanged = JSON.stringify(live?.spec) !== JSON.stringify(next.spec);
    next.metadata.uid = live?.metadata?.uid ?? randomUUID();
    next.metadata.creationTimestamp = live?.metadata?.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    next.metadata.generation = (live?.metadata?.generation ?? 0) + (live && !specChanged ? 0 : 1);
    if (live && JSON.stringify({ ...live, metadata: { ...live.metadata, resourceVersion: 0, managedFields: 0 } }) === JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: 0, managedFields: 0 } })) {
      return live; // a no-op write keeps the resourceVersion, as a real server does
    }
    next.metadata.resourceVersion = String(++this.rv);
    const owners = this.owners.get(key) ?? new Map<string, Obj>();
    owners.set(manager, isApply ? clone(owned) : merge(owners.get(manager) ?? {}, stripStatus(owned)));
    this.owners.set(key, owners);
    next.metadata.managedFields = [...owners.keys()].sort().map((mgr) => ({
      manager: mgr,
      operation: isApply && mgr === manager ? 'Apply' : 'Update',
      apiVersion: apiVersionOf(t),
      fieldsType: 'FieldsV1',
      fieldsV1: fieldSet(owners.get(mgr)!),
    }));
    this.store.set(key, next);
    this.reconcile(t, key);
    return clone(next);
  }

  /** The fake controllers: Deployment rollout status, HPA status and replica ownership. */
  private reconcile(t: ResourceType, key: string): void {
    const o = this.store.get(key);
    if (!o) return;
    if (t.kind === 'Deployment') {
      const done = () => {
        const cur = this.store.get(key);
        if (!cur || this.opts.neverReady?.includes(cur.metadata.name)) return;
        const n = cur.spec.replicas ?? 1;
        cur.status = { observedGeneration: cur.metadata.generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n };
      };
      o.status = { observedGeneration: (o.metadata.generation ?? 1) - 1, replicas: 0 };
      if (this.opts.readyDelayMs) {
        const timer = setTimeout(() => (this.timers.delete(timer), done()), this.opts.readyDelayMs);
        this.timers.add(timer);
      } else done();
    }
    if (t.kind === 'HorizontalPodAutoscaler') {
      const target = o.spec.scaleTargetRef;
      const depKey = this.key('apps/v1', 'Deployment', o.metadata.namespace, target.name);
      const dep = this.store.get(depKey);
      const desired = Math.max(o.spec.minReplicas ?? 1, Math.min(o.spec.maxReplicas, dep?.spec?.replicas ?? 1));
      o.status = { currentReplicas: dep?.status?.replicas ?? 0, desiredReplicas: desired };
      if (dep && dep.spec.replicas !== desired) {
        // The HPA controller scales the target through the scale subresource: it owns spec.replicas from then on.
        this.write(TYPES.find((x) => x.kind === 'Deployment')!, o.metadata.namespace, target.name, (l) => merge(l!, { spec: { replicas: desired } }), 'kube-controller-manager', false, { spec: { replicas: desired } });
      }
    }
  }

  private listOf(t: ResourceType, namespace: string | undefined, selector: string): Obj {
    const want = selector
      .split(',')
      .filter(Boolean)
      .map((s) => s.split('='));
    const items = [...this.store.values()].filter(
      (o) =>
        o.kind === t.kind &&
        o.apiVersion === apiVersionOf(t) &&
        (!namespace || o.metadata.namespace === namespace) &&
        want.every(([k, v]) => o.metadata.labels?.[k] === v),
    );
    return { apiVersion: apiVersionOf(t), kind: `${t.kind}List`, metadata: { resourceVersion: String(this.rv) }, items };
  }

  private groupList(): Obj {
    const groups = [...new Set(TYPES.filter((t) => t.group).map((t) => t.group))];
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((g) => {
        const versions = [...new Set(TYPES.filter((t) => t.group === g).map((t) => t.version))].map((v) => ({ groupVersion: `${g}/${v}`, version: v }));
        return { name: g, versions, preferredVersion: versions[0] };
      }),
    };
  }

  private resourceList(groupVersion: string): Obj {
    const types = TYPES.filter((t) => apiVersionOf(t) === groupVersion);
    if (!types.length) throw new HttpError(404, 'NotFound', `no group version ${groupVersion}`);
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion,
      resources: types.map((t) => ({
        name: t.plural,
        singularName: t.kind.toLowerCase(),
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      })),
    };
  }
}

function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function stripMeta(o: Obj): Obj {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = o;
  const { name: _n, namespace: _ns, ...m } = metadata ?? {};
  return { ...rest, metadata: m };
}
function stripStatus(o: Obj): Obj {
  const { status: _s, ...rest } = o;
  return rest;
}
function deletePath(o: Obj, path: string): void {
  const parts = path.split('/').slice(1);
  let cur: Obj | undefined = o;
  for (const p of parts.slice(0, -1)) cur = isObj(cur?.[p]) ? cur![p] : undefined;
  if (cur) delete cur[parts[parts.length - 1]];
}
/** FieldsV1 form (`{"f:spec": {"f:replicas": {}}}`) of a configuration. */
function fieldSet(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) out[`f:${k}`] = isObj(v) ? fieldSet(v) : {};
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
function parseBody(body: string): Obj {
  try {
    const v = YAML.parse(body); // JSON is YAML; apply-patch bodies may be either
    if (!isObj(v)) throw new Error('not an object');
    return v;
  } catch (e) {
    throw new HttpError(400, 'BadRequest', `cannot parse body: ${(e as Error).message}`);
  }
}
function send(res: ServerResponse, code: number, body: unknown, status?: number): void {
  const text = JSON.stringify(body);
  res.writeHead(status ?? code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
