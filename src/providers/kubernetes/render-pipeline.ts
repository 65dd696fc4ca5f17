import YAML from 'yaml';
import type {
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1ResourceRequirements,
  V1Service,
  V1Toleration,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { AnyResource, DeploymentConfigSpec, PipelineSpec, Resource, Resources } from '../../model/index.js';
import { stableStringify } from '../../model/canonical.js';
import { ANNOTATIONS, type K8sObject } from './types.js';
import { RenderContext, shortHash, sorted } from './context.js';
import { k8sName } from './names.js';

/** Default HPA target when an autoscale config names none (Kubernetes' own kubectl-autoscale default). */
export const DEFAULT_CPU_UTILIZATION = 80;
const CONFIG_DIR = '/etc/joey/pipeline';
const STATE_DIR = '/var/lib/joey/state';
const SIDEKICK_BASE_PORT = 50051;

/** Models named by a pipeline's steps, in step order, without repeats. */
export function pipelineModels(spec: PipelineSpec): string[] {
  const out: string[] = [];
  const add = (m: string) => !out.includes(m) && out.push(m);
  for (const step of spec.steps ?? []) {
    if ('model' in step) add(step.model);
    else if ('abTest' in step) {
      add(step.abTest.champion);
      for (const c of step.abTest.challengers) add(c.model);
    } else if ('shadow' in step) {
      add(step.shadow.champion);
      for (const c of step.shadow.challengers) add(c);
    }
  }
  return out;
}

/** requests = limits, as the platform's engine config does; undefined when nothing is set. */
export function resourceRequirements(r: Resources | undefined): V1ResourceRequirements | undefined {
  if (!r) return undefined;
  const q: Record<string, string> = {};
  if (r.cpus !== undefined) q.cpu = String(r.cpus);
  if (r.memory !== undefined) q.memory = r.memory;
  if (r.gpus !== undefined && r.gpus > 0) q['nvidia.com/gpu'] = String(r.gpus);
  if (Object.keys(q).length === 0) return undefined;
  return { limits: { ...q }, requests: { ...q } };
}

/** `deploymentLabel: "pool:gpu"` → `{pool: "gpu"}`; a bare key means `"true"`. `arch` → `kubernetes.io/arch`. */
export function nodeSelector(cfg: DeploymentConfigSpec): Record<string, string> | undefined {
  const sel: Record<string, string> = {};
  if (cfg.deploymentLabel) {
    const i = cfg.deploymentLabel.indexOf(':');
    if (i < 0) sel[cfg.deploymentLabel] = 'true';
    else sel[cfg.deploymentLabel.slice(0, i)] = cfg.deploymentLabel.slice(i + 1);
  }
  if (cfg.arch) sel['kubernetes.io/arch'] = cfg.arch === 'arm' ? 'arm64' : 'amd64';
  return Object.keys(sel).length ? sorted(sel) : undefined;
}

/** The DeploymentConfig a pipeline deploys with (named or inline), or undefined when it is not deployed. */
export function deploymentConfigOf(ctx: RenderContext, p: Resource<'Pipeline'>): DeploymentConfigSpec | undefined {
  const d = p.spec.deployment;
  if (d === false || d === undefined) return undefined;
  if (typeof d === 'string') {
    const cfg = ctx.find('DeploymentConfig', p.metadata.workspace, d);
    if (!cfg) {
      ctx.warn(`${p.metadata.workspace}/${p.metadata.name}: deployment config "${d}" not found; deploying with defaults`);
      return { replicas: 1 };
    }
    return cfg.spec;
  }
  return d;
}

/** The joey manifests the engine in the pod loads: workspace, models (by sha256), deployment config, pipeline. */
function definitionDocs(ctx: RenderContext, p: Resource<'Pipeline'>, models: string[]): string {
  const ws = p.metadata.workspace;
  const docs: AnyResource[] = [];
  const w = ws ? ctx.find('Workspace', undefined, ws) : undefined;
  if (w) docs.push(w);
  for (const m of models) {
    const model = ctx.find('Model', ws, m);
    if (model) docs.push(model);
  }
  if (typeof p.spec.deployment === 'string') {
    const c = ctx.find('DeploymentConfig', ws, p.spec.deployment);
    if (c) docs.push(c);
  }
  docs.push(p);
  return docs
    .map((r) => {
      // In the pod, a model's artifact is the content-addressed file on the artifacts volume.
      const spec = r.kind === 'Model' && r.spec.sha256 ? { ...r.spec, path: `${ctx.artifactsDir}/${r.spec.sha256}` } : r.spec;
      return YAML.stringify({ apiVersion: r.apiVersion, kind: r.kind, metadata: r.metadata, spec }, { lineWidth: 0 });
    })
    .join('---\n');
}

export function renderPipeline(ctx: RenderContext, p: Resource<'Pipeline'>): K8sObject[] {
  const cfg = deploymentConfigOf(ctx, p);
  if (!cfg) return [];
  const ws = p.metadata.workspace ?? '';
  const name = ctx.name([ws, p.metadata.name]);
  const configName = ctx.name([ws, p.metadata.name, 'config']);
  const modelNames = pipelineModels(p.spec);

  const models = modelNames.map((m) => {
    const r = ctx.find('Model', ws, m);
    if (!r) ctx.warn(`${ws}/${p.metadata.name}: model "${m}" not found`);
    return { name: m, framework: r?.spec.framework ?? 'onnx', sha256: r?.spec.sha256 ?? '' };
  });
  const containerized = models.filter((m) => m.framework !== 'onnx');
  for (const sk of Object.keys(cfg.sidekicks ?? {})) {
    if (!containerized.some((m) => m.name === sk)) ctx.warn(`${ws}/${p.metadata.name}: sidekick "${sk}" is not a containerized model of this pipeline; ignored`);
  }

  const data = {
    'models.json': JSON.stringify(
      models.map((m) => ({ ...m, artifact: m.sha256 ? `${ctx.artifactsDir}/${m.sha256}` : '' })),
      null,
      2,
    ),
    'pipeline.yaml': definitionDocs(ctx, p, modelNames),
  };
  const configMap: V1ConfigMap & K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ctx.metadata(configName, p, 'config'),
    data,
  };

  const sidekickAddrs = containerized.map((m, i) => `${m.name}=127.0.0.1:${SIDEKICK_BASE_PORT + i}`);
  const engineEnv: V1EnvVar[] = [{ name: 'JOEY_PIPELINE', value: `${ws}/${p.metadata.name}` }];
  if (sidekickAddrs.length) engineEnv.push({ name: 'JOEY_SIDEKICKS', value: sidekickAddrs.join(',') });
  const mounts = [
    { name: 'artifacts', mountPath: ctx.artifactsDir, readOnly: true },
    { name: 'pipeline', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'state', mountPath: STATE_DIR },
  ];

  // The pod's engine state is built by `joey apply` from the ConfigMap before `joey server` starts serving it.
  const load: V1Container = {
    name: 'load',
    image: ctx.image,
    args: ['apply', CONFIG_DIR, '--auto-approve', '--state', STATE_DIR],
    volumeMounts: mounts,
  };
  const engine: V1Container = {
    name: 'engine',
    image: ctx.image,
    args: ['server', '--host', '0.0.0.0', '--port', String(ctx.port), '--state', STATE_DIR],
    env: engineEnv,
    ports: [{ name: 'http', containerPort: ctx.port, protocol: 'TCP' }],
    readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 5 },
    volumeMounts: mounts,
  };
  const engineResources = resourceRequirements(cfg);
  if (engineResources) engine.resources = engineResources;

  const sidekicks: V1Container[] = containerized.map((m, i) => {
    const sk = cfg.sidekicks?.[m.name];
    const env: V1EnvVar[] = [
      { name: 'MODEL_FRAMEWORK', value: m.framework },
      { name: 'MODEL_NAME', value: m.name },
      { name: 'MODEL_PATH', value: `${ctx.artifactsDir}/${m.sha256}` },
      { name: 'MODEL_SHA256', value: m.sha256 },
      { name: 'PORT', value: String(SIDEKICK_BASE_PORT + i) },
    ];
    for (const [k, v] of Object.entries(sorted(sk?.env ?? {}))) {
      if (!env.some((e) => e.name === k)) env.push({ name: k, value: v });
    }
    const c: V1Container = {
      name: k8sName(['sidekick', m.name]),
      image: ctx.sidekickImage.replaceAll('{framework}', m.framework),
      env,
      ports: [{ name: `sk-${i}`, containerPort: SIDEKICK_BASE_PORT + i, protocol: 'TCP' }],
      volumeMounts: [{ name: 'artifacts', mountPath: ctx.artifactsDir, readOnly: true }],
    };
    const res = resourceRequirements(sk);
    if (res) c.resources = res;
    return c;
  });

  const gpus = (cfg.gpus ?? 0) + containerized.reduce((n, m) => n + (cfg.sidekicks?.[m.name]?.gpus ?? 0), 0);
  if (gpus > 0 && !cfg.deploymentLabel) ctx.warn(`${ws}/${p.metadata.name}: gpus need a deploymentLabel that matches the GPU node pool`);
  const tolerations: V1Toleration[] | undefined =
    gpus > 0 ? [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] : undefined;

  const selector = ctx.selector(p, 'pipeline');
  const configHash = shortHash(stableStringify(data));
  const deployment: V1Deployment & K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: ctx.metadata(name, p, 'engine'),
    spec: {
      // With an HPA the replica count is the HPA's to set: leaving it out keeps apply from fighting it.
      ...(cfg.autoscale ? {} : { replicas: cfg.replicas ?? 1 }),
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: ctx.labels(p, 'engine'), annotations: { [ANNOTATIONS.configHash]: configHash } },
        spec: {
          initContainers: [load],
          containers: [engine, ...sidekicks],
          ...(nodeSelector(cfg) ? { nodeSelector: nodeSelector(cfg) } : {}),
          ...(tolerations ? { tolerations } : {}),
          volumes: [
            { name: 'artifacts', persistentVolumeClaim: { claimName: ctx.artifactsClaim, readOnly: true } },
            { name: 'pipeline', configMap: { name: configName } },
            { name: 'state', emptyDir: {} },
          ],
        },
      },
    },
  };

  const service: V1Service & K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ctx.metadata(name, p, 'engine'),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  const out: K8sObject[] = [configMap, deployment, service];
  if (cfg.autoscale) out.push(renderHpa(ctx, p, name, cfg));
  return out;
}

/**
 * HPA minReplicas must be ≥ 1 unless the alpha HPAScaleToZero gate is on (and then only with object/external
 * metrics), so an autoscale `min: 0` renders as minReplicas 1 with the requested minimum kept in an annotation.
 */
function renderHpa(ctx: RenderContext, p: Resource<'Pipeline'>, name: string, cfg: DeploymentConfigSpec): K8sObject {
  const a = cfg.autoscale!;
  const ws = p.metadata.workspace ?? '';
  if (cfg.cpus === undefined) ctx.warn(`${ws}/${p.metadata.name}: autoscale on CPU utilization needs cpus set (the HPA divides by the CPU request)`);
  const meta = ctx.metadata(name, p, 'engine');
  if (a.min < 1) meta.annotations = sorted({ ...meta.annotations, [ANNOTATIONS.autoscaleMin]: String(a.min) });
  const hpa: V2HorizontalPodAutoscaler & K8sObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: Math.max(1, a.min),
      maxReplicas: Math.max(1, a.max, a.min),
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpuUtilization ?? DEFAULT_CPU_UTILIZATION } },
        },
      ],
    },
  };
  return hpa;
}
