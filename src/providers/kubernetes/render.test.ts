import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadRepo } from '../../manifest/index.js';
import { API_VERSION, type AnyResource } from '../../model/index.js';
import { renderKubernetes, toYamlStream } from './render.js';
import { isDnsLabel } from './names.js';
import { schemaErrors } from './testing/validate-schema.js';
import type { K8sObject } from './types.js';

const examples = fileURLToPath(new URL('../../../examples', import.meta.url));

function expectValid(objects: K8sObject[]) {
  for (const o of objects) {
    expect(schemaErrors(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    expect(isDnsLabel(o.metadata.name, o.kind === 'CronJob' ? 52 : 63), o.metadata.name).toBe(true);
    expect(o.metadata.labels['app.kubernetes.io/managed-by']).toBe('joey');
  }
}

const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

describe('render examples', () => {
  it('renders the example repo to schema-valid objects', async () => {
    const { resources, diagnostics } = await loadRepo(examples);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { objects } = renderKubernetes(resources, { commit: 'abc123', namespace: 'ml' });
    expectValid(objects);
    // two deployed pipelines (ccfraud, ccfraud-ab) → ConfigMap + Deployment + Service each; one scheduled task.
    expect(byKind(objects, 'Deployment').map((o) => o.metadata.name)).toEqual(['joey-fraud-ccfraud', 'joey-fraud-ccfraud-ab']);
    expect(byKind(objects, 'Service')).toHaveLength(2);
    expect(byKind(objects, 'CronJob')).toHaveLength(1);
    expect(byKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
    const dep = byKind(objects, 'Deployment')[0] as Any;
    expect(dep.metadata.namespace).toBe('ml');
    expect(dep.metadata.annotations['joey.dev/commit']).toBe('abc123');
    expect(dep.metadata.annotations['joey.dev/source']).toMatch(/^pipelines\/ccfraud\.yaml:\d+$/);
    const engine = dep.spec.template.spec.containers[0];
    expect(engine.resources).toEqual({ limits: { cpu: '0.25', memory: '1Gi' }, requests: { cpu: '0.25', memory: '1Gi' } });
    expect(dep.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'joey-fraud-ccfraud-config') as Any;
    const models = JSON.parse(cm.data['models.json']);
    const model = resources.find((r) => r.kind === 'Model' && r.metadata.name === 'ccfraud') as Any;
    expect(models).toEqual([{ name: 'ccfraud', framework: 'onnx', sha256: model.spec.sha256, artifact: `/var/lib/joey/artifacts/${model.spec.sha256}` }]);
    // artifacts are referenced, never embedded
    expect(cm.data['pipeline.yaml']).toContain(model.spec.sha256);
    expect(JSON.stringify(objects).length).toBeLessThan(50_000);
    const cron = byKind(objects, 'CronJob')[0] as Any;
    expect(cron.spec).toMatchObject({ schedule: '0 1 * * *', timeZone: 'UTC', concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(600);
  });

  it('renders the prod overlay with an HPA and connection secrets by reference only', async () => {
    const { resources } = await loadRepo(examples, { env: 'prod' });
    const { objects } = renderKubernetes(resources, { instance: 'fraud-prod' });
    expectValid(objects);
    const hpa = byKind(objects, 'HorizontalPodAutoscaler') as Any[];
    expect(hpa).toHaveLength(1);
    expect(hpa[0].spec).toMatchObject({ minReplicas: 1, maxReplicas: 4, scaleTargetRef: { kind: 'Deployment', name: 'fraud-prod-fraud-ccfraud' } });
    expect(hpa[0].spec.metrics[0].resource.target.averageUtilization).toBe(70);
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'fraud-prod-fraud-ccfraud') as Any;
    expect(dep.spec.replicas).toBeUndefined(); // the HPA owns it
    expect(dep.metadata.labels['app.kubernetes.io/instance']).toBe('fraud-prod');
    const text = toYamlStream(objects);
    expect(text).not.toContain('FRAUD_ALERTS_TOKEN');
    expect(text).not.toContain('alerts.example.com');
    const cron = byKind(objects, 'CronJob')[0] as Any;
    const vols = cron.spec.jobTemplate.spec.template.spec.volumes;
    expect(vols).toContainEqual({ name: 'conn-0', secret: { secretName: 'fraud-prod-fraud-conn-alerts', optional: true } });
  });

  it("the engine pod's load step can apply the ConfigMap: it validates with artifacts found by sha256", async () => {
    const { resources } = await loadRepo(examples);
    const tmp = mkdtempSync(join(tmpdir(), 'joey-pod-'));
    const art = join(tmp, 'artifacts');
    mkdirSync(art);
    const { objects } = renderKubernetes(resources, { artifactsDir: art });
    for (const m of resources.filter((r) => r.kind === 'Model') as Any[]) copyFileSync(join(examples, 'models', m.spec.path), join(art, m.spec.sha256));
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'joey-fraud-ccfraud-ab-config') as Any;
    const etc = join(tmp, 'etc');
    mkdirSync(etc);
    writeFileSync(join(etc, 'pipeline.yaml'), cm.data['pipeline.yaml']);
    const loaded = await loadRepo(etc);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const models = loaded.resources.filter((r) => r.kind === 'Model') as Any[];
    expect(models.map((m) => m.spec.sha256).sort()).toEqual(
      (resources.filter((r) => r.kind === 'Model' && ['ccfraud', 'ccfraud-xgb'].includes(r.metadata.name)) as Any[]).map((m) => m.spec.sha256).sort(),
    );
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'joey-fraud-ccfraud-ab') as Any;
    expect(dep.spec.template.spec.initContainers[0].args).toEqual(['apply', '/etc/joey/pipeline', '--auto-approve', '--state', '/var/lib/joey/state']);
    expect(dep.spec.template.spec.containers[0].args).toEqual(['server', '--host', '0.0.0.0', '--port', '8080', '--state', '/var/lib/joey/state']);
  });

  it('is deterministic and the YAML stream parses back to the same objects', async () => {
    const { resources } = await loadRepo(examples, { env: 'prod' });
    const a = toYamlStream(renderKubernetes(resources).objects);
    const b = toYamlStream(renderKubernetes([...resources].reverse()).objects);
    expect(a).toBe(b);
    const docs = YAML.parseAllDocuments(a).map((d) => d.toJS());
    expect(docs).toEqual(JSON.parse(JSON.stringify(renderKubernetes(resources).objects)));
  });
});

const r = (kind: string, name: string, spec: object, workspace = 'ws'): AnyResource =>
  ({ apiVersion: API_VERSION, kind, metadata: { name, workspace }, spec }) as AnyResource;

describe('render hand-built resources', () => {
  const longWs = 'a-very-long-workspace-name-that-goes-on-and-on';
  const resources: AnyResource[] = [
    r('Model', 'onnxm', { framework: 'onnx', path: 'm.onnx', sha256: 'a'.repeat(64) }, longWs),
    r('Model', 'skl', { framework: 'sklearn', path: 'm.pkl', sha256: 'b'.repeat(64) }, longWs),
    r('DeploymentConfig', 'gpu', {
      autoscale: { min: 0, max: 3 },
      cpus: 1.5,
      memory: '2Gi',
      gpus: 1,
      deploymentLabel: 'pool:gpu',
      arch: 'arm',
      sidekicks: { skl: { cpus: 0.5, memory: '512Mi', gpus: 1, env: { GUNICORN_CMD_ARGS: '--timeout=188 --workers=1' } } },
    }, longWs),
    r('Pipeline', 'mixed-pipeline-with-a-long-name', { steps: [{ model: 'onnxm' }, { model: 'skl' }], validations: {}, deployment: 'gpu' }, longWs),
    r('Pipeline', 'undeployed', { steps: [{ model: 'onnxm' }], validations: {}, deployment: false }, longWs),
    r('Orchestration', 'orch', { path: 'orch', sha256: 'c'.repeat(64) }, longWs),
    r('Task', 'once', { orchestration: 'orch', run: 'once', args: { a: 1 }, timeout: 30 }, longWs),
    r('Task', 'forever', { orchestration: 'orch', run: 'continuous', args: {} }, longWs),
    r('Task', 'nightly-job-with-a-name-long-enough-to-need-a-hash', { orchestration: 'orch', run: 'scheduled', schedule: '*/5 * * * *', timezone: 'Europe/Paris', args: {} }, longWs),
  ];

  it('renders sidekicks, GPUs, node selectors, min-0 autoscale and every task mode, all schema-valid', () => {
    const { objects, warnings } = renderKubernetes(resources);
    expectValid(objects);
    expect(warnings).toEqual([]);
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.labels['joey.dev/pipeline']) as Any;
    expect(dep.metadata.name.length).toBeLessThanOrEqual(63);
    expect(dep.metadata.name).toMatch(/-[0-9a-f]{8}$/);
    const pod = dep.spec.template.spec;
    expect(pod.containers.map((c: Any) => c.name)).toEqual(['engine', 'sidekick-skl']);
    expect(pod.containers[0].resources.limits).toEqual({ cpu: '1.5', memory: '2Gi', 'nvidia.com/gpu': '1' });
    expect(pod.containers[1].resources.requests).toEqual({ cpu: '0.5', memory: '512Mi', 'nvidia.com/gpu': '1' });
    expect(pod.containers[1].env).toContainEqual({ name: 'GUNICORN_CMD_ARGS', value: '--timeout=188 --workers=1' });
    expect(pod.containers[0].env).toContainEqual({ name: 'JOEY_SIDEKICKS', value: 'skl=127.0.0.1:50051' });
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64', pool: 'gpu' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler') as Any;
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.metadata.annotations['joey.dev/autoscale-min']).toBe('0');
    expect(hpa.spec.scaleTargetRef.name).toBe(dep.metadata.name);
    // undeployed pipeline renders nothing
    expect(objects.some((o) => o.metadata.labels['joey.dev/pipeline'] === 'undeployed')).toBe(false);
    const job = objects.find((o) => o.kind === 'Job') as Any;
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 30 });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const cron = objects.find((o) => o.kind === 'CronJob') as Any;
    expect(cron.metadata.name.length).toBeLessThanOrEqual(52);
    expect(cron.spec.timeZone).toBe('Europe/Paris');
    const cont = objects.find((o) => o.kind === 'Deployment' && o.metadata.labels['joey.dev/task'] === 'forever') as Any;
    expect(cont.spec.template.spec.restartPolicy).toBe('Always');
    expect(cont.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('names a once-task Job by its spec so a changed task is a new run, and rolls pods when config changes', () => {
    const a = renderKubernetes(resources).objects;
    const changed = resources.map((x) => (x.metadata.name === 'once' ? r('Task', 'once', { orchestration: 'orch', run: 'once', args: { a: 2 }, timeout: 30 }, longWs) : x));
    const b = renderKubernetes(changed).objects;
    const jobName = (objs: K8sObject[]) => objs.find((o) => o.kind === 'Job')!.metadata.name;
    expect(jobName(a)).not.toBe(jobName(b));
    const gpu2 = resources.map((x) =>
      x.kind === 'Pipeline' && x.metadata.name.startsWith('mixed') ? r('Pipeline', x.metadata.name, { ...(x.spec as object), validations: { v: 'pl.col("x") > 1' } }, longWs) : x,
    );
    const hash = (objs: K8sObject[]) => (objs.find((o) => o.kind === 'Deployment' && o.metadata.labels['joey.dev/pipeline']) as Any).spec.template.metadata.annotations['joey.dev/config-hash'];
    expect(hash(renderKubernetes(gpu2).objects)).not.toBe(hash(a));
  });

  it('warns about configs Kubernetes cannot honour', () => {
    const { warnings } = renderKubernetes([
      r('DeploymentConfig', 'c', { autoscale: { min: 1, max: 2 }, gpus: 1 }),
      r('Pipeline', 'p', { steps: [{ model: 'missing' }], validations: {}, deployment: 'c' }),
    ]);
    expect(warnings.join('\n')).toMatch(/model "missing" not found/);
    expect(warnings.join('\n')).toMatch(/needs cpus set/);
    expect(warnings.join('\n')).toMatch(/deploymentLabel/);
  });

  it('rejects an object with a misspelt field (the validator is not a rubber stamp)', () => {
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replica: 1, selector: {}, template: {} } };
    expect(schemaErrors(bad).join()).toMatch(/spec\/replica/);
    const badQty = { apiVersion: 'v1', kind: 'Pod' };
    expect(schemaErrors(badQty).join()).toMatch(/no schema/);
  });
});
