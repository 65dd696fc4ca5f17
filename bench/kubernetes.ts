/**
 * Kubernetes provider and git sync controller.
 *   npx tsx bench/kubernetes.ts
 * 1. Apply of 50 pipelines (200 objects) to the in-test API server: joey's applyToKubernetes (diff + SSA +
 *    inventory + health wait), and a no-op re-apply, against a baseline of bare server-side-apply PATCHes of the
 *    same objects through @kubernetes/client-node in the same run.
 * 2. Commit-to-applied latency through the webhook (target < 2 s), against a baseline of the bare git
 *    fetch + checkout of the same commit, and beside Argo CD's default polling (120 s + up to 60 s jitter).
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { API_VERSION, type AnyResource } from '../src/model/index.js';
import { applyToKubernetes, renderKubernetes } from '../src/providers/kubernetes/index.js';
import { TestApiServer } from '../src/providers/kubernetes/testing/api-server.js';
import { SyncController, kubernetesReconciler, serveController, type SyncEvent } from '../controllers/sync/index.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r = (kind: string, name: string, spec: object) => ({ apiVersion: API_VERSION, kind, metadata: { name, workspace: 'bench' }, spec }) as AnyResource;

async function applyBench(): Promise<void> {
  const resources: AnyResource[] = [r('Model', 'm', { framework: 'onnx', path: 'm.onnx', sha256: 'a'.repeat(64) })];
  for (let i = 0; i < 50; i++) {
    resources.push(r('Pipeline', `p-${i}`, { steps: [{ model: 'm' }], validations: { v: 'pl.col("x") > 1' }, deployment: { autoscale: { min: 1, max: 3 }, cpus: 0.5, memory: '1Gi' } }));
  }
  const objects = renderKubernetes(resources).objects;

  const bare = new TestApiServer();
  await bare.start();
  const kc = new KubeConfig();
  kc.loadFromOptions(bare.kubeconfig('bench'));
  const api = KubernetesObjectApi.makeApiClient(kc);
  let t = performance.now();
  for (const o of objects) await api.patch({ ...o, metadata: { ...o.metadata, namespace: 'bench' } }, undefined, undefined, 'bare', true, PatchStrategy.ServerSideApply);
  const bareMs = performance.now() - t;
  await bare.stop();

  const srv = new TestApiServer();
  await srv.start();
  t = performance.now();
  await applyToKubernetes(objects, { kubeconfig: srv.kubeconfig('bench') });
  const firstMs = performance.now() - t;
  t = performance.now();
  const again = await applyToKubernetes(objects, { kubeconfig: srv.kubeconfig('bench') });
  const noopMs = performance.now() - t;
  await srv.stop();
  if (again.applied.length) throw new Error('re-apply was not a no-op');

  console.log(`apply ${objects.length} objects: baseline bare SSA patches ${bareMs.toFixed(0)} ms`);
  console.log(`  joey first apply (diff + SSA + inventory + health wait): ${firstMs.toFixed(0)} ms  = ${(firstMs / bareMs).toFixed(2)}x baseline`);
  console.log(`  joey no-op re-apply (reads only):                       ${noopMs.toFixed(0)} ms  = ${(noopMs / bareMs).toFixed(2)}x baseline`);
}

async function latencyBench(): Promise<void> {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...args], { cwd, encoding: 'utf8' }).trim();
  const base = mkdtempSync(join(tmpdir(), 'joey-bench-sync-'));
  const upstream = join(base, 'upstream');
  cpSync(join(import.meta.dirname, '..', 'examples'), upstream, { recursive: true });
  git(upstream, 'init', '--quiet', '-b', 'main');
  git(upstream, 'add', '-A');
  git(upstream, 'commit', '--quiet', '-m', 'initial');
  const srv = new TestApiServer();
  await srv.start();
  const ctl = new SyncController({ repo: upstream, intervalMs: 3_600_000, stateDir: join(base, 'ctl'), target: 'kubernetes', reconcile: kubernetesReconciler({ kubeconfig: srv.kubeconfig('ml') }) });
  const http = await serveController(ctl, { port: 0, webhookSecret: 'b' });
  await ctl.start();

  // Baseline: a bare clone kept up to date with fetch + checkout (the floor any git-driven sync pays).
  const mirror = join(base, 'mirror');
  git(base, 'clone', '--quiet', upstream, mirror);

  const lat: number[] = [];
  const gitOnly: number[] = [];
  const file = join(upstream, 'pipelines/ccfraud.yaml');
  for (let i = 0; i < 5; i++) {
    writeFileSync(file, readFileSync(file, 'utf8').replace(/list\.get\(0\) > [0-9.]+/, `list.get(0) > 0.9${i}`));
    git(upstream, 'commit', '--quiet', '-am', `threshold ${i}`);
    const sha = git(upstream, 'rev-parse', 'HEAD');
    const t0 = performance.now();
    const done = new Promise<SyncEvent>((res) => {
      const on = (e: SyncEvent) => e.commit === sha && (ctl.off('sync', on), res(e));
      ctl.on('sync', on);
    });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
    await fetch(`${http.url}/hooks/git`, { method: 'POST', headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'b').update(body).digest('hex')}` }, body });
    const ev = await done;
    if (ev.type !== 'synced') throw new Error(ev.error);
    lat.push(performance.now() - t0);
    const g0 = performance.now();
    git(mirror, 'fetch', '--quiet', 'origin', 'main');
    git(mirror, 'checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD');
    gitOnly.push(performance.now() - g0);
  }
  await ctl.stop();
  await http.close();
  await srv.stop();
  const m = median(lat);
  const g = median(gitOnly);
  console.log(`commit-to-applied via webhook (median of ${lat.length}): ${m.toFixed(0)} ms (target < 2000 ms: ${m < 2000 ? 'met' : 'MISSED'})`);
  console.log(`  baseline bare git fetch + checkout: ${g.toFixed(0)} ms  → joey sync = ${(m / g).toFixed(1)}x baseline`);
  console.log(`  vs Argo CD default polling (120-180 s): ${(120_000 / m).toFixed(0)}-${(180_000 / m).toFixed(0)}x faster`);
}

await applyBench();
await latencyBench();
