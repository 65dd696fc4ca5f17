import YAML from 'yaml';
import type { V1ConfigMap, V1CronJob, V1Deployment, V1EnvVar, V1Job, V1JobSpec, V1PodSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { Resource } from '../../model/index.js';
import { specHash, stableStringify } from '../../model/canonical.js';
import { ANNOTATIONS, type K8sObject } from './types.js';
import { RenderContext, shortHash } from './context.js';
import { MAX_CRONJOB, k8sName } from './names.js';

const TASK_CONFIG_DIR = '/etc/joey/task';
const WORK_DIR = '/work';
const CONNECTIONS_DIR = '/var/run/joey/connections';
/** Where the joey image keeps the task helper modules (joey_task, the wallaroo shim). */
export const TASK_PYTHONPATH = '/app/python';

/** The Secret a Connection's values live in: joey renders the reference, never the values. */
export function connectionSecretName(ctx: RenderContext, workspace: string, name: string): string {
  return ctx.name([workspace, 'conn', name]);
}

/** Task code runs from the orchestration's zip: main.py at its root, else the first in a subfolder. */
const RUN_MAIN = `cd "$(dirname "$(ls ${WORK_DIR}/main.py ${WORK_DIR}/*/main.py 2>/dev/null | head -n 1)")" && exec python3 main.py`;

function podSpec(ctx: RenderContext, t: Resource<'Task'>, configName: string, restartPolicy: 'Never' | 'Always'): V1PodSpec {
  const ws = t.metadata.workspace ?? '';
  const orch = ctx.find('Orchestration', ws, t.spec.orchestration);
  if (!orch) ctx.warn(`${ws}/${t.metadata.name}: orchestration "${t.spec.orchestration}" not found`);
  const sha = orch?.spec.sha256 ?? '';
  const connections = ctx.ofKind('Connection').filter((c) => c.metadata.workspace === ws).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));

  const volumes: V1Volume[] = [
    { name: 'artifacts', persistentVolumeClaim: { claimName: ctx.artifactsClaim, readOnly: true } },
    { name: 'task', configMap: { name: configName } },
    { name: 'work', emptyDir: {} },
  ];
  const mounts: V1VolumeMount[] = [
    { name: 'task', mountPath: TASK_CONFIG_DIR, readOnly: true },
    { name: 'work', mountPath: WORK_DIR },
  ];
  connections.forEach((c, i) => {
    // optional: the Secret is created outside joey (sealed-secrets, external-secrets, by hand).
    volumes.push({ name: `conn-${i}`, secret: { secretName: connectionSecretName(ctx, ws, c.metadata.name), optional: true } });
    mounts.push({ name: `conn-${i}`, mountPath: `${CONNECTIONS_DIR}/${c.metadata.name}`, readOnly: true });
  });

  const env: V1EnvVar[] = [
    { name: 'JOEY_CONNECTIONS_DIR', value: CONNECTIONS_DIR },
    { name: 'JOEY_TASK_ARGS_FILE', value: `${TASK_CONFIG_DIR}/args.json` },
    { name: 'JOEY_TASK_ID', value: `${ws}/${t.metadata.name}` },
    { name: 'JOEY_TASK_RUN_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'ORCH_SHA', value: sha },
    { name: 'PYTHONPATH', value: TASK_PYTHONPATH },
    { name: 'TASK_ID', value: `${ws}/${t.metadata.name}` },
  ];
  return {
    restartPolicy,
    initContainers: [
      {
        name: 'unpack',
        image: ctx.image,
        command: ['python3', '-m', 'zipfile', '-e', `${ctx.artifactsDir}/${sha}.zip`, WORK_DIR],
        volumeMounts: [
          { name: 'artifacts', mountPath: ctx.artifactsDir, readOnly: true },
          { name: 'work', mountPath: WORK_DIR },
        ],
      },
    ],
    containers: [{ name: 'task', image: ctx.image, command: ['sh', '-c', RUN_MAIN], env, volumeMounts: mounts }],
    volumes,
  };
}

function jobSpec(ctx: RenderContext, t: Resource<'Task'>, configName: string): V1JobSpec {
  return {
    backoffLimit: 0, // the platform runs a task once per trigger; a failed run is reported, not retried
    ...(t.spec.timeout ? { activeDeadlineSeconds: t.spec.timeout } : {}),
    template: { metadata: { labels: ctx.labels(t, 'task') }, spec: podSpec(ctx, t, configName, 'Never') },
  };
}

/** once → Job (named by spec hash: Job templates are immutable, a changed task is a new run); scheduled → CronJob; continuous → Deployment. */
export function renderTask(ctx: RenderContext, t: Resource<'Task'>): K8sObject[] {
  const ws = t.metadata.workspace ?? '';
  const orch = ctx.find('Orchestration', ws, t.spec.orchestration);
  const configName = ctx.name([ws, t.metadata.name, 'task']);
  const connections = ctx
    .ofKind('Connection')
    .filter((c) => c.metadata.workspace === ws)
    .map((c) => ({
      name: c.metadata.name,
      type: c.spec.type,
      secret: connectionSecretName(ctx, ws, c.metadata.name),
      keys: Object.keys(c.spec.details ?? {}).sort(),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const docs = [orch, t].filter((r) => r !== undefined);
  const data = {
    'args.json': stableStringify(t.spec.args ?? {}),
    'connections.json': JSON.stringify(connections, null, 2),
    'task.yaml': docs
      .map((r) => YAML.stringify({ apiVersion: r.apiVersion, kind: r.kind, metadata: r.metadata, spec: r.spec }, { lineWidth: 0 }))
      .join('---\n'),
  };
  const configMap: V1ConfigMap & K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: ctx.metadata(configName, t, 'config'), data };
  const configHash = shortHash(stableStringify(data));

  switch (t.spec.run) {
    case 'once': {
      const name = k8sName([ctx.instance, ws, t.metadata.name, specHash(t).slice(0, 8)], { alphaStart: true });
      const job: V1Job & K8sObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: ctx.metadata(name, t, 'task'), spec: jobSpec(ctx, t, configName) };
      return [configMap, job];
    }
    case 'scheduled': {
      if (!t.spec.schedule) ctx.warn(`${ws}/${t.metadata.name}: run: scheduled needs a schedule`);
      const name = k8sName([ctx.instance, ws, t.metadata.name], { alphaStart: true, max: MAX_CRONJOB });
      const cron: V1CronJob & K8sObject = {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: ctx.metadata(name, t, 'task'),
        spec: {
          schedule: t.spec.schedule ?? '0 0 * * *',
          timeZone: t.spec.timezone ?? 'UTC',
          concurrencyPolicy: 'Forbid',
          jobTemplate: { metadata: { labels: ctx.labels(t, 'task') }, spec: jobSpec(ctx, t, configName) },
        },
      };
      return [configMap, cron];
    }
    case 'continuous': {
      const name = ctx.name([ws, t.metadata.name]);
      const dep: V1Deployment & K8sObject = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: ctx.metadata(name, t, 'task'),
        spec: {
          replicas: 1,
          // Never two copies of a continuous task at once, even during a rollout.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: ctx.selector(t, 'task') },
          template: {
            metadata: { labels: ctx.labels(t, 'task'), annotations: { [ANNOTATIONS.configHash]: configHash } },
            spec: podSpec(ctx, t, configName, 'Always'),
          },
        },
      };
      return [configMap, dep];
    }
    default:
      ctx.warn(`${ws}/${t.metadata.name}: unknown run mode ${String((t.spec as { run?: unknown }).run)}`);
      return [];
  }
}
