import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadRepo } from '../../manifest/index.js';
import { renderKubernetes } from './render.js';
import { applyToKubernetes, diffKubernetes } from './apply.js';
import { TestApiServer } from './testing/api-server.js';
import { API_VERSION, type AnyResource } from '../../model/index.js';
import type { K8sObject } from './types.js';

const examples = fileURLToPath(new URL('../../../examples', import.meta.url));
let server: TestApiServer;
let objects: K8sObject[];
let resources: AnyResource[];

beforeEach(async () => {
  server = new TestApiServer();
  await server.start();
  resources = (await loadRepo(examples, { env: 'prod' })).resources;
  objects = renderKubernetes(resources, { commit: 'c1' }).objects;
});
afterEach(() => server.stop());

const target = () => ({ kubeconfig: server.kubeconfig('ml'), timeoutMs: 5000 });
const joeyRequests = () => server.requests.filter((r) => r.method === 'PATCH' || r.method === 'POST' || r.method === 'DELETE');

describe('applyToKubernetes against the in-test API server', () => {
  it('creates every object with server-side apply (manager joey, forced), labelled, and waits for health', async () => {
    const res = await applyToKubernetes(objects, target());
    expect(res.summary).toEqual({ create: objects.length, update: 0, delete: 0, unchanged: 0 });
    expect(res.healthy).toBe(true);
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    expect(patches.length).toBe(objects.length + 1); // + the inventory
    expect(patches.every((r) => r.contentType === 'application/apply-patch+yaml' && r.fieldManager === 'joey' && r.force === true)).toBe(true);
    for (const o of objects) {
      const live = server.get(o.apiVersion, o.kind, 'ml', o.metadata.name);
      expect(live, `${o.kind}/${o.metadata.name}`).toBeDefined();
      expect(live!.metadata.labels['app.kubernetes.io/managed-by']).toBe('joey');
      expect(live!.metadata.managedFields.some((m: { manager: string }) => m.manager === 'joey')).toBe(true);
    }
    const inv = server.get('v1', 'ConfigMap', 'ml', 'joey-inventory-joey')!;
    expect(JSON.parse(inv.data.objects)).toHaveLength(objects.length);
  });

  it('re-applying the same objects changes nothing (server defaults, quantities, HPA-owned replicas are not noise)', async () => {
    await applyToKubernetes(objects, target());
    // The HPA controller takes spec.replicas (min 1 in prod; scale the deployment as it would).
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'joey-fraud-ccfraud')!;
    server.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: dep.metadata.name, namespace: 'ml' }, spec: { replicas: 3 } }, 'kube-controller-manager');
    const before = joeyRequests().length;
    const again = renderKubernetes(resources, { commit: 'c2' }).objects; // a new commit that changes nothing here
    const d = await diffKubernetes(again, target());
    expect(d.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    const res = await applyToKubernetes(again, target());
    expect(res.applied).toEqual([]);
    expect(joeyRequests().length).toBe(before);
    // CPU was sent as "1" / "0.25" and the server answers "1" / "250m": same quantity.
    expect(server.get('apps/v1', 'Deployment', 'ml', 'joey-fraud-ccfraud-ab')!.spec.template.spec.containers[0].resources.limits.cpu).toBe('500m');
  });

  it('reports and corrects drift made by hand, and only that object is re-applied', async () => {
    await applyToKubernetes(objects, target());
    const live = server.get('apps/v1', 'Deployment', 'ml', 'joey-fraud-ccfraud-ab')!;
    live.spec.template.spec.containers[0].image = 'evil:latest';
    server.put(live, 'kubectl-edit');
    const d = await diffKubernetes(objects, target());
    const upd = d.changes.filter((c) => c.action === 'update');
    expect(upd.map((c) => c.name)).toEqual(['joey-fraud-ccfraud-ab']);
    expect(upd[0].changes).toContainEqual({ path: 'spec.template.spec.containers[engine].image', from: 'evil:latest', to: expect.stringMatching(/^ghcr\.io\/joey-dev\/joey:/) });
    expect(upd[0].drift).toBe(true);
    const warned = await applyToKubernetes(objects, { ...target(), driftPolicy: 'warn' });
    expect(warned.applied).toEqual([]);
    expect(warned.driftKept).toEqual([upd[0].key]);
    expect(server.get('apps/v1', 'Deployment', 'ml', 'joey-fraud-ccfraud-ab')!.spec.template.spec.containers[0].image).toBe('evil:latest');
    const res = await applyToKubernetes(objects, target());
    expect(res.applied).toEqual([upd[0].key]);
    expect(server.get('apps/v1', 'Deployment', 'ml', 'joey-fraud-ccfraud-ab')!.spec.template.spec.containers[0].image).toMatch(/^ghcr\.io\/joey-dev\/joey:/);
  });

  it('removing a pipeline prunes only joey-owned objects; a foreign object in the namespace survives', async () => {
    await applyToKubernetes(objects, target());
    server.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-elses', namespace: 'ml' }, data: { a: 'b' } });
    server.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'other-app', namespace: 'ml', labels: { app: 'x' } }, spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } });
    const without = resources.filter((r) => !(r.kind === 'Pipeline' && r.metadata.name === 'ccfraud-ab'));
    const next = renderKubernetes(without).objects;
    const d = await diffKubernetes(next, target());
    expect(d.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind}/${c.name}`).sort()).toEqual([
      'ConfigMap/joey-fraud-ccfraud-ab-config',
      'Deployment/joey-fraud-ccfraud-ab',
      'Service/joey-fraud-ccfraud-ab',
    ]);
    const res = await applyToKubernetes(next, target());
    expect(res.pruned).toHaveLength(3);
    expect(server.get('apps/v1', 'Deployment', 'ml', 'joey-fraud-ccfraud-ab')).toBeUndefined();
    expect(server.get('apps/v1', 'Deployment', 'ml', 'joey-fraud-ccfraud')).toBeDefined();
    expect(server.get('v1', 'ConfigMap', 'ml', 'someone-elses')).toBeDefined();
    expect(server.get('apps/v1', 'Deployment', 'ml', 'other-app')).toBeDefined();
    expect(JSON.parse(server.get('v1', 'ConfigMap', 'ml', 'joey-inventory-joey')!.data.objects)).toHaveLength(next.length);
    // prune: false leaves them, and keeps them in the inventory for a later prune
    const res2 = await applyToKubernetes(renderKubernetes(without.filter((r) => r.kind !== 'Task')).objects, { ...target(), prune: false });
    expect(res2.pruned).toEqual([]);
    expect(server.list('batch/v1', 'CronJob')).toHaveLength(1);
  });

  it('an object in the inventory that lost the managed-by label is not deleted', async () => {
    await applyToKubernetes(objects, target());
    const cm = server.get('v1', 'ConfigMap', 'ml', 'joey-fraud-ccfraud-ab-config')!;
    server.put({ ...cm, metadata: { ...cm.metadata, labels: { 'app.kubernetes.io/managed-by': null } } } as never);
    const res = await applyToKubernetes(renderKubernetes(resources.filter((r) => r.metadata.name !== 'ccfraud-ab')).objects, target());
    expect(res.keptForeign).toEqual(['v1/ConfigMap/ml/joey-fraud-ccfraud-ab-config']);
    expect(server.get('v1', 'ConfigMap', 'ml', 'joey-fraud-ccfraud-ab-config')).toBeDefined();
  });

  it('waits for rollouts and times out with the reason when one never completes', async () => {
    await server.stop();
    server = new TestApiServer({ readyDelayMs: 300, neverReady: ['joey-fraud-ccfraud-ab'] });
    await server.start();
    const t0 = Date.now();
    await expect(applyToKubernetes(objects, { ...target(), timeoutMs: 1500 })).rejects.toThrow(/not healthy after 2s: Deployment\/joey-fraud-ccfraud-ab: rollout not observed/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    const ok = objects.filter((o) => !o.metadata.name.startsWith('joey-fraud-ccfraud-ab'));
    const res = await applyToKubernetes(ok, { ...target(), prune: false });
    expect(res.healthy).toBe(true);
  });

  it('a min-2 autoscaled engine: the HPA owns replicas and the next diff is clean', async () => {
    const r = (kind: string, name: string, spec: object) => ({ apiVersion: API_VERSION, kind, metadata: { name, workspace: 'w' }, spec }) as AnyResource;
    const res = [
      r('Model', 'm', { framework: 'onnx', path: 'm.onnx', sha256: 'a'.repeat(64) }),
      r('Pipeline', 'p', { steps: [{ model: 'm' }], validations: {}, deployment: { autoscale: { min: 2, max: 5, cpuUtilization: 60 }, cpus: 1, memory: '1Gi' } }),
    ];
    const objs = renderKubernetes(res).objects;
    await applyToKubernetes(objs, target());
    expect(server.get('apps/v1', 'Deployment', 'ml', 'joey-w-p')!.spec.replicas).toBe(2);
    const owners = server.get('apps/v1', 'Deployment', 'ml', 'joey-w-p')!.metadata.managedFields.map((m: { manager: string }) => m.manager);
    expect(owners).toEqual(['joey', 'kube-controller-manager']);
    const d = await diffKubernetes(objs, target());
    expect(d.summary).toMatchObject({ create: 0, update: 0, delete: 0 });
  });

  it('says which server it could not reach, without credentials', async () => {
    await server.stop();
    await expect(diffKubernetes(objects, { kubeconfig: server.kubeconfig('ml') })).rejects.toThrow(/cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+/);
  });
});
