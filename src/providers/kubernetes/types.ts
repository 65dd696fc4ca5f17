import type { V1ObjectMeta } from '@kubernetes/client-node';

/** A rendered Kubernetes object: plain JSON (no class instances), always with apiVersion, kind and a name. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  [field: string]: unknown;
}

/** `apps/v1/Deployment/ns/name` — identity of a Kubernetes object, used in inventories and diffs. */
export function objectKey(o: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
}

/** Well-known label and annotation keys. */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  partOf: 'app.kubernetes.io/part-of',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  version: 'app.kubernetes.io/version',
  workspace: 'joey.dev/workspace',
  pipeline: 'joey.dev/pipeline',
  task: 'joey.dev/task',
} as const;

export const ANNOTATIONS = {
  commit: 'joey.dev/commit',
  source: 'joey.dev/source',
  specHash: 'joey.dev/spec-hash',
  configHash: 'joey.dev/config-hash',
  autoscaleMin: 'joey.dev/autoscale-min',
  /** Hash of the object as joey last applied it: a change here means the manifest changed (fields may be gone). */
  appliedHash: 'joey.dev/applied-hash',
} as const;

export const MANAGED_BY = 'joey';
