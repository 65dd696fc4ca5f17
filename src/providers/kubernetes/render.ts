import YAML from 'yaml';
import type { AnyResource, Resource } from '../../model/index.js';
import { RenderContext, type RenderOptions, type RenderResult } from './context.js';
import { renderPipeline } from './render-pipeline.js';
import { renderTask } from './render-task.js';
import type { K8sObject } from './types.js';

export type { RenderOptions, RenderResult } from './context.js';

/** Apply order: configuration before the workloads that mount it, the HPA after its target. */
const KIND_ORDER = ['Namespace', 'ConfigMap', 'Secret', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'CronJob'];
const rank = (k: string) => {
  const i = KIND_ORDER.indexOf(k);
  return i < 0 ? KIND_ORDER.length : i;
};

export function compareObjects(a: K8sObject, b: K8sObject): number {
  return (
    rank(a.kind) - rank(b.kind) ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name, b.metadata.name) ||
    cmp(a.apiVersion, b.apiVersion)
  );
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The desired state as Kubernetes objects: per deployed pipeline a ConfigMap (definition + model references),
 * an engine Deployment (with sidekicks for containerized models), a Service and, for autoscale configs, an HPA;
 * per task a ConfigMap and a Job (once), CronJob (scheduled) or Deployment (continuous). Connections become
 * references to Secrets in task pods, never values. Output is sorted and deterministic.
 */
export function renderKubernetes(resources: AnyResource[], opts: RenderOptions = {}): RenderResult {
  const ctx = new RenderContext(resources, opts);
  const objects: K8sObject[] = [];
  for (const r of resources) {
    if (r.kind === 'Pipeline') objects.push(...renderPipeline(ctx, r as Resource<'Pipeline'>));
    else if (r.kind === 'Task') objects.push(...renderTask(ctx, r as Resource<'Task'>));
  }
  const seen = new Map<string, K8sObject>();
  for (const o of objects) {
    const k = `${o.kind}/${o.metadata.name}`;
    if (seen.has(k)) ctx.warn(`two objects render to ${k}; names collide after shortening`);
    seen.set(k, o);
  }
  return { objects: objects.sort(compareObjects), warnings: ctx.warnings };
}

/** A YAML stream (`---` separated), the format `kubectl apply -f` and Argo CD plugins read. */
export function toYamlStream(objects: K8sObject[]): string {
  return objects.map((o) => `---\n${YAML.stringify(o, { lineWidth: 0 })}`).join('');
}
