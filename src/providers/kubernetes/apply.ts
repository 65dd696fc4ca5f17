/**
 * `joey apply --target kubernetes`: server-side apply (field manager `joey`, forced), an inventory ConfigMap
 * listing what joey owns so prune deletes only joey's objects, health waits, and a diff without noise.
 */
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { PatchStrategy } from '@kubernetes/client-node';
import { JoeyError } from '../../model/index.js';
import { stableStringify } from '../../model/canonical.js';
import { compareObject, type FieldChange } from './diff.js';
import { kubeClient, kubeError, statusOf, type KubeClient, type KubeTarget } from './client.js';
import { compareObjects } from './render.js';
import { ANNOTATIONS, LABELS, MANAGED_BY, objectKey, type K8sObject } from './types.js';
import { k8sName } from './names.js';

export const FIELD_MANAGER = 'joey';

export type ObjectAction = 'create' | 'update' | 'delete' | 'unchanged';
export interface ObjectChange {
  /** `apps/v1/Deployment/ns/name` */
  key: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: ObjectAction;
  /** For updates: what differs, desired vs live (drift or a manifest change). */
  changes?: FieldChange[];
  /** An update whose manifest did not change since joey applied it: someone changed the live object (drift). */
  drift?: boolean;
}

export interface KubeDiff {
  namespace: string;
  inventory: string;
  changes: ObjectChange[];
  summary: Record<ObjectAction, number>;
}

export interface KubeOptions extends KubeTarget {
  /** Inventory name (ConfigMap `joey-inventory-<name>`); default: the objects' instance label, else `joey`. */
  inventory?: string;
  /** Delete objects the inventory lists that are no longer desired (default true). */
  prune?: boolean;
}

export interface ApplyOptions extends KubeOptions {
  /** Wait for Deployments to roll out and HPAs to exist (default true). */
  wait?: boolean;
  /** Health-wait timeout in ms (default 120 000). */
  timeoutMs?: number;
  /** `correct` (default) re-applies drifted objects; `warn` reports them and leaves them as they are. */
  driftPolicy?: 'correct' | 'warn';
  onEvent?: (e: { type: 'applied' | 'pruned' | 'healthy' | 'skipped'; key: string; detail?: string }) => void;
}

export interface ApplyResult extends KubeDiff {
  applied: string[];
  pruned: string[];
  /** Inventory entries not deleted because the live object is not labelled managed-by joey. */
  keptForeign: string[];
  /** Drifted objects left alone because driftPolicy is `warn`. */
  driftKept: string[];
  healthy: boolean;
  durationMs: number;
}

interface InventoryEntry {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

type Obj = Record<string, unknown>;
const plain = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** Objects as joey applies them: namespace filled, an applied-hash annotation of their content. */
function prepare(objects: K8sObject[], namespace: string): K8sObject[] {
  return objects
    .map((o) => {
      const c = plain(o);
      c.metadata.namespace ??= namespace;
      const { [ANNOTATIONS.commit]: _commit, ...rest } = c.metadata.annotations ?? {};
      const hash = createHash('sha256').update(stableStringify({ ...c, metadata: { ...c.metadata, annotations: rest } })).digest('hex').slice(0, 16);
      c.metadata.annotations = { ...(c.metadata.annotations ?? {}), [ANNOTATIONS.appliedHash]: hash };
      return c;
    })
    .sort(compareObjects);
}

function inventoryName(objects: K8sObject[], opts: KubeOptions): string {
  const instances = [...new Set(objects.map((o) => o.metadata.labels?.[LABELS.instance]).filter(Boolean))];
  return k8sName(['joey-inventory', opts.inventory ?? (instances.length === 1 ? instances[0]! : 'joey')]);
}

function inventoryObject(name: string, namespace: string, entries: InventoryEntry[]): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.component]: 'inventory', [LABELS.partOf]: 'joey' },
      annotations: {},
    },
    data: { objects: JSON.stringify(entries.map((e) => objectKey({ apiVersion: e.apiVersion, kind: e.kind, metadata: e })).sort(), null, 1) },
  };
}

function parseInventory(cm: Obj | undefined): InventoryEntry[] {
  const raw = (cm?.data as Record<string, string> | undefined)?.objects;
  if (!raw) return [];
  try {
    return (JSON.parse(raw) as string[]).map((k) => {
      // apiVersion may contain one '/': group/version/kind/namespace/name or version/kind/namespace/name
      const parts = k.split('/');
      const name = parts.pop()!;
      const namespace = parts.pop() || undefined;
      const kind = parts.pop()!;
      return { apiVersion: parts.join('/'), kind, namespace, name };
    });
  } catch {
    throw new JoeyError('inventory', `the inventory ConfigMap ${String((cm?.metadata as Obj)?.name)} is corrupt; fix or delete it (prune is off until then)`);
  }
}

async function read(c: KubeClient, o: InventoryEntry): Promise<Obj | undefined> {
  try {
    return plain(await c.api.read({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name, namespace: o.namespace } })) as Obj;
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw kubeError(`read ${o.kind}/${o.name}`, e, c.server);
  }
}

const toEntry = (o: K8sObject): InventoryEntry => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });

interface Computed {
  client: KubeClient;
  desired: K8sObject[];
  inventory: K8sObject;
  previous: InventoryEntry[];
  diff: KubeDiff;
  live: Map<string, Obj | undefined>;
  inventoryChanged: boolean;
}

async function compute(objects: K8sObject[], opts: KubeOptions): Promise<Computed> {
  const client = kubeClient(opts);
  const desired = prepare(objects, client.namespace);
  const invName = inventoryName(objects, opts);
  const invLive = await read(client, { apiVersion: 'v1', kind: 'ConfigMap', namespace: client.namespace, name: invName });
  const previous = parseInventory(invLive);
  const hpaTargets = new Set(
    desired.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => `${o.metadata.namespace}/${(o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name}`),
  );
  const live = new Map<string, Obj | undefined>();
  const changes: ObjectChange[] = [];
  for (const o of desired) {
    const l = await read(client, toEntry(o));
    live.set(objectKey(o), l);
    const base = { key: objectKey(o), apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
    if (!l) {
      changes.push({ ...base, action: 'create' });
      continue;
    }
    const fc = compareObject(o as Obj, l, { hpaOwnsReplicas: o.kind === 'Deployment' && hpaTargets.has(`${o.metadata.namespace}/${o.metadata.name}`) });
    if (!fc.length) changes.push({ ...base, action: 'unchanged' });
    else {
      const liveHash = ((l.metadata as Obj)?.annotations as Record<string, string> | undefined)?.[ANNOTATIONS.appliedHash];
      changes.push({ ...base, action: 'update', changes: fc, drift: liveHash === o.metadata.annotations[ANNOTATIONS.appliedHash] });
    }
  }
  const wanted = new Set(desired.map(objectKey));
  if (opts.prune !== false) {
    for (const e of previous) {
      const key = objectKey({ apiVersion: e.apiVersion, kind: e.kind, metadata: e });
      if (!wanted.has(key)) changes.push({ key, apiVersion: e.apiVersion, kind: e.kind, namespace: e.namespace, name: e.name, action: 'delete' });
    }
  }
  // The inventory keeps listing objects prune is told to leave, so a later prune still knows they were joey's.
  const keep = opts.prune === false ? previous.filter((e) => !wanted.has(objectKey({ ...e, metadata: e }))) : [];
  const inventory = inventoryObject(invName, client.namespace, [...desired.map(toEntry), ...keep]);
  const summary: Record<ObjectAction, number> = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const c of changes) summary[c.action]++;
  const inventoryChanged = (invLive?.data as Obj | undefined)?.objects !== (inventory.data as Obj).objects;
  return { client, desired, inventory, previous, live, inventoryChanged, diff: { namespace: client.namespace, inventory: invName, changes, summary } };
}

/** What `applyToKubernetes` would do: creates, updates (with field changes), prunes, unchanged. Reads only. */
export async function diffKubernetes(objects: K8sObject[], opts: KubeOptions = {}): Promise<KubeDiff> {
  return (await compute(objects, opts)).diff;
}

async function ssa(c: KubeClient, o: K8sObject): Promise<void> {
  try {
    await c.api.patch(o as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  } catch (e) {
    throw kubeError(`apply ${o.kind}/${o.metadata.name}`, e, c.server);
  }
}

/**
 * Server-side apply the objects that differ (field manager `joey`, forced: joey's manifests win over hand
 * edits), record them in the inventory, prune what the previous inventory listed and is no longer desired
 * (only if the live object is labelled managed-by joey), then wait for health.
 */
export async function applyToKubernetes(objects: K8sObject[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const start = Date.now();
  const { client, desired, inventory, inventoryChanged, diff } = await compute(objects, opts);
  const byKey = new Map(desired.map((o) => [objectKey(o), o]));
  const applied: string[] = [];
  const driftKept: string[] = [];
  for (const ch of diff.changes) {
    if (ch.action !== 'create' && ch.action !== 'update') continue;
    if (ch.drift && opts.driftPolicy === 'warn') {
      driftKept.push(ch.key);
      opts.onEvent?.({ type: 'skipped', key: ch.key, detail: 'drifted; driftPolicy warn leaves it' });
      continue;
    }
    await ssa(client, byKey.get(ch.key)!);
    applied.push(ch.key);
    opts.onEvent?.({ type: 'applied', key: ch.key, detail: ch.action });
  }
  // The inventory is written before pruning: if a delete fails, the next run still knows what to prune.
  if (inventoryChanged) await ssa(client, inventory);

  const pruned: string[] = [];
  const keptForeign: string[] = [];
  // Prune in reverse apply order (HPAs before their Deployments, workloads before their ConfigMaps).
  for (const ch of diff.changes.filter((c) => c.action === 'delete').reverse()) {
    const e: InventoryEntry = { apiVersion: ch.apiVersion, kind: ch.kind, namespace: ch.namespace, name: ch.name };
    const live = await read(client, e);
    if (!live) continue;
    const labels = ((live.metadata as Obj)?.labels ?? {}) as Record<string, string>;
    if (labels[LABELS.managedBy] !== MANAGED_BY) {
      keptForeign.push(ch.key);
      opts.onEvent?.({ type: 'skipped', key: ch.key, detail: 'not labelled managed-by joey' });
      continue;
    }
    try {
      await client.api.delete({ apiVersion: e.apiVersion, kind: e.kind, metadata: { name: e.name, namespace: e.namespace } }, undefined, undefined, undefined, undefined, 'Background');
    } catch (err) {
      if (statusOf(err) !== 404) throw kubeError(`delete ${e.kind}/${e.name}`, err, client.server);
    }
    pruned.push(ch.key);
    opts.onEvent?.({ type: 'pruned', key: ch.key });
  }

  let healthy = true;
  if (opts.wait !== false) healthy = await waitHealthy(client, desired, opts);
  return { ...diff, applied, pruned, keptForeign, driftKept, healthy, durationMs: Date.now() - start };
}

/** Why an object is not healthy yet, or undefined when it is. */
export function unhealthyReason(o: Obj): string | undefined {
  if (o.kind === 'Deployment') {
    const spec = (o.spec ?? {}) as { replicas?: number };
    const st = (o.status ?? {}) as { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number };
    const gen = (o.metadata as { generation?: number })?.generation ?? 0;
    const want = spec.replicas ?? 1;
    if ((st.observedGeneration ?? 0) < gen) return `rollout not observed yet (generation ${gen}, observed ${st.observedGeneration ?? 0})`;
    if ((st.updatedReplicas ?? 0) < want) return `${st.updatedReplicas ?? 0}/${want} replicas updated`;
    if ((st.availableReplicas ?? 0) < want) return `${st.availableReplicas ?? 0}/${want} replicas available`;
  }
  return undefined;
}

async function waitHealthy(c: KubeClient, desired: K8sObject[], opts: ApplyOptions): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const pending = desired.filter((o) => o.kind === 'Deployment' || o.kind === 'HorizontalPodAutoscaler');
  let delay = 50;
  const reasons = new Map<string, string>();
  while (pending.length) {
    for (let i = pending.length - 1; i >= 0; i--) {
      const o = pending[i];
      const live = await read(c, toEntry(o));
      const reason = live ? unhealthyReason(live) : 'not found';
      if (reason) reasons.set(objectKey(o), reason);
      else {
        pending.splice(i, 1);
        opts.onEvent?.({ type: 'healthy', key: objectKey(o) });
      }
    }
    if (!pending.length) break;
    const left = deadline - Date.now();
    if (left <= 0) {
      const what = pending.map((o) => `${o.kind}/${o.metadata.name}: ${reasons.get(objectKey(o))}`).join('; ');
      throw new JoeyError('timeout', `not healthy after ${Math.round(timeoutMs / 1000)}s: ${what}`, { status: 504 });
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(delay * 2, 1000);
  }
  return true;
}
