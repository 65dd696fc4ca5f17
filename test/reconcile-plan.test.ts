import { describe, expect, it } from 'vitest';
import type { AnyResource } from '../src/model/index.js';
import { buildDesired, computePlan, renderPlanText, hasChanges, isManaged, SPEC_HASH } from '../src/plan/index.js';
import { MemoryProvider } from '../src/apply/memory-provider.js';
import { executePlan } from '../src/apply/execute.js';
import { publicPlan } from '../src/apply/planfile.js';

const ws = (name: string, prune = false): AnyResource => ({ apiVersion: 'joey.dev/v1', kind: 'Workspace', metadata: { name }, spec: { members: [], prune }, source: { file: 'ws.yaml', line: 1, col: 1 } });
const model = (name: string, sha: string, framework = 'onnx'): AnyResource => ({
  apiVersion: 'joey.dev/v1',
  kind: 'Model',
  metadata: { name, workspace: 'w' },
  spec: { framework: framework as 'onnx', path: `${name}.onnx`, sha256: sha },
  source: { file: 'models.yaml', line: 3, col: 1 },
});
const config = (name: string, memory: string, replicas = 1): AnyResource => ({
  apiVersion: 'joey.dev/v1',
  kind: 'DeploymentConfig',
  metadata: { name, workspace: 'w' },
  spec: { replicas, cpus: 0.25, memory },
  source: { file: 'configs.yaml', line: 1, col: 1 },
});
const pipeline = (name: string, models: string[], validations: Record<string, string> = {}, deployment: string | false = 'small'): AnyResource => ({
  apiVersion: 'joey.dev/v1',
  kind: 'Pipeline',
  metadata: { name, workspace: 'w', labels: { team: 'risk' } },
  spec: { steps: models.map((m) => ({ model: m })), validations, deployment },
  source: { file: 'pipelines.yaml', line: 7, col: 1 },
});
const connection = (token: string): AnyResource => ({
  apiVersion: 'joey.dev/v1',
  kind: 'Connection',
  metadata: { name: 'alerts', workspace: 'w' },
  spec: { type: 'HTTP', details: { url: 'https://x', token } },
  source: { file: 'conn.yaml', line: 1, col: 1 },
});

const base = () => [ws('w'), model('m1', 'a'.repeat(64)), config('small', '1Gi'), pipeline('p1', ['m1'], { high: 'pl.col("x") > 1' })];
const desiredOf = (rs: AnyResource[]) => buildDesired('/repo', rs);

async function converge(p: MemoryProvider, rs: AnyResource[], extra: Partial<Parameters<typeof computePlan>[0]> = {}) {
  const plan = computePlan({ desired: desiredOf(rs), actual: await p.read(), commit: 'c1', ...extra });
  const result = await executePlan(plan, p);
  return { plan, result };
}

describe('plan: diff of desired vs actual', () => {
  it('creates everything on an empty state, in dependency order, then shows no changes', async () => {
    const p = new MemoryProvider();
    const { plan, result } = await converge(p, base());
    expect(plan.changes.map((c) => c.actions[0])).toEqual(['create', 'create', 'create', 'create']);
    expect(plan.summary).toMatchObject({ add: 4, change: 0, replace: 0, destroy: 0 });
    const pl = plan.changes.find((c) => c.key === 'Pipeline/w/p1')!;
    expect(pl.dependsOn.sort()).toEqual(['DeploymentConfig/w/small', 'Model/w/m1', 'Workspace/w']);
    expect(pl.source).toBe('pipelines.yaml:7');
    expect(result.failed).toEqual([]);
    // the pipeline was created after everything it depends on
    const order = p.calls;
    expect(order.indexOf('create Pipeline/w/p1')).toBeGreaterThan(order.indexOf('create Model/w/m1'));
    expect(order.indexOf('create Model/w/m1')).toBeGreaterThan(order.indexOf('create Workspace/w'));
    for (const o of p.objects.values()) expect(isManaged(o.labels)).toBe(true);
    expect(p.objects.get('Pipeline/w/p1')!.labels).toMatchObject({ team: 'risk', 'joey.dev/source': 'pipelines.yaml:7', 'joey.dev/commit': 'c1' });

    const again = computePlan({ desired: desiredOf(base()), actual: await p.read(), commit: 'c2' });
    expect(hasChanges(again)).toBe(false);
    expect(again.summary.unchanged).toBe(4);
    expect(renderPlanText(again)).toContain('No changes.');
  });

  it('normalizes quantities and defaults on both sides: 1Gi vs 1024Mi is not a change', async () => {
    const p = new MemoryProvider();
    await converge(p, base());
    const rs = base();
    rs[2] = config('small', '1024Mi');
    const plan = computePlan({ desired: desiredOf(rs), actual: await p.read(), commit: 'c' });
    expect(hasChanges(plan)).toBe(false);
  });

  it('shows field-level updates with JSON paths and rebuilds pipelines whose config changed', async () => {
    const p = new MemoryProvider();
    await converge(p, base());
    const rs = base();
    rs[2] = config('small', '1Gi', 3);
    rs[3] = pipeline('p1', ['m1'], { high: 'pl.col("x") > 2' });
    const plan = computePlan({ desired: desiredOf(rs), actual: await p.read(), commit: 'c' });
    const cfg = plan.changes.find((c) => c.key === 'DeploymentConfig/w/small')!;
    expect(cfg.actions).toEqual(['update']);
    expect(cfg.diffs).toEqual([{ path: 'spec.replicas', before: 1, after: 3 }]);
    const pl = plan.changes.find((c) => c.key === 'Pipeline/w/p1')!;
    expect(pl.actions).toEqual(['update']);
    expect(pl.diffs).toEqual([{ path: 'spec.validations.high', before: 'pl.col("x") > 1', after: 'pl.col("x") > 2' }]);
    expect(pl.dependsOn).toContain('DeploymentConfig/w/small');
    expect(pl.reason).toContain('DeploymentConfig/w/small');
    const text = renderPlanText(plan);
    expect(text).toContain('~ DeploymentConfig/w/small will be updated in place');
    expect(text).toContain('~ spec.replicas: 1 -> 3');
    expect(text).toContain('Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.');
    await executePlan(plan, p);
    expect(hasChanges(computePlan({ desired: desiredOf(rs), actual: await p.read(), commit: 'c' }))).toBe(false);
  });

  it('replaces a model whose artifact changed, with the reason, and rebuilds its pipeline', async () => {
    const p = new MemoryProvider();
    await converge(p, base());
    const rs = base();
    rs[1] = model('m1', 'b'.repeat(64));
    const plan = computePlan({ desired: desiredOf(rs), actual: await p.read(), commit: 'c' });
    const m = plan.changes.find((c) => c.key === 'Model/w/m1')!;
    expect(m.actions).toEqual(['delete', 'create']);
    expect(m.reason).toMatch(/spec.sha256 changed/);
    expect(m.diffs[0]).toMatchObject({ path: 'spec.sha256', forcesReplace: true });
    expect(plan.summary).toMatchObject({ replace: 1, change: 1 });
    expect(renderPlanText(plan)).toContain('-/+ Model/w/m1 must be replaced');
    const { result } = { result: await executePlan(plan, p) };
    expect(result.succeeded.map((s) => s.key)).toEqual(['Model/w/m1', 'Pipeline/w/p1']);
  });

  it('a framework change forces a replace; an unmanaged object in the manifests is adopted', async () => {
    const p = new MemoryProvider([{ key: 'Workspace/w', kind: 'Workspace', name: 'w', spec: { members: [] }, labels: {} }]);
    const rs = [ws('w'), model('m1', 'a'.repeat(64), 'onnx')];
    const plan = computePlan({ desired: desiredOf(rs), actual: await p.read(), commit: 'c' });
    const w = plan.changes.find((c) => c.key === 'Workspace/w')!;
    expect(w.actions).toEqual(['update']);
    expect(w.reason).toMatch(/adopted/);
    await executePlan(plan, p);
    const plan2 = computePlan({ desired: desiredOf([ws('w'), model('m1', 'a'.repeat(64), 'sklearn')]), actual: await p.read(), commit: 'c' });
    expect(plan2.changes.find((c) => c.key === 'Model/w/m1')!.reason).toMatch(/spec.framework/);
  });

  it('leaves managed objects gone from the manifests alone unless prune is on; never deletes unmanaged ones', async () => {
    const p = new MemoryProvider();
    await converge(p, [...base(), pipeline('p2', ['m1'])]);
    p.objects.set('Pipeline/w/handmade', { key: 'Pipeline/w/handmade', kind: 'Pipeline', workspace: 'w', name: 'handmade', spec: { steps: [] }, labels: {} });
    const noPrune = computePlan({ desired: desiredOf(base()), actual: await p.read(), commit: 'c' });
    expect(hasChanges(noPrune)).toBe(false);
    expect(noPrune.leftAlone).toEqual([{ key: 'Pipeline/w/p2', reason: expect.stringMatching(/prune is off/) }]);
    expect(renderPlanText(noPrune)).toContain('Pipeline/w/p2: not in the manifests; prune is off');

    const flag = computePlan({ desired: desiredOf(base()), actual: await p.read(), commit: 'c', prune: true });
    expect(flag.changes.filter((c) => c.actions[0] === 'delete').map((c) => c.key)).toEqual(['Pipeline/w/p2']);
    const rs = base();
    rs[0] = ws('w', true);
    const wsPrune = computePlan({ desired: desiredOf(rs), actual: await p.read(), commit: 'c' });
    expect(wsPrune.summary.destroy).toBe(1);
    await executePlan(wsPrune, p);
    expect(p.objects.has('Pipeline/w/p2')).toBe(false);
    expect(p.objects.has('Pipeline/w/handmade')).toBe(true);
  });

  it('an empty manifest set deletes nothing without --allow-empty', async () => {
    const p = new MemoryProvider();
    await converge(p, base());
    const plan = computePlan({ desired: [], actual: await p.read(), commit: 'c', prune: true });
    expect(hasChanges(plan)).toBe(false);
    expect(plan.leftAlone).toHaveLength(4);
    expect(plan.leftAlone[0]!.reason).toMatch(/--allow-empty/);
    const allowed = computePlan({ desired: [], actual: await p.read(), commit: 'c', prune: true, allowEmpty: true });
    expect(allowed.summary.destroy).toBe(4);
  });

  it('destroy deletes in reverse dependency order and keeps a workspace that holds unmanaged objects', async () => {
    const p = new MemoryProvider();
    await converge(p, base());
    const plan = computePlan({ desired: desiredOf(base()), actual: await p.read(), commit: 'c', destroy: true });
    expect(plan.summary.destroy).toBe(4);
    const m = plan.changes.find((c) => c.key === 'Model/w/m1')!;
    expect(m.dependsOn).toEqual(['Pipeline/w/p1']);
    const w = plan.changes.find((c) => c.key === 'Workspace/w')!;
    expect(w.dependsOn.sort()).toEqual(['DeploymentConfig/w/small', 'Model/w/m1', 'Pipeline/w/p1']);
    await executePlan(plan, p, { parallelism: 8 });
    expect(p.calls.at(-1)).toBe('delete Workspace/w');
    expect(p.calls.indexOf('delete Model/w/m1')).toBeGreaterThan(p.calls.indexOf('delete Pipeline/w/p1'));

    const q = new MemoryProvider();
    await converge(q, base());
    q.objects.set('Model/w/theirs', { key: 'Model/w/theirs', kind: 'Model', workspace: 'w', name: 'theirs', spec: {}, labels: {} });
    const plan2 = computePlan({ desired: [], actual: await q.read(), commit: 'c', destroy: true });
    expect(plan2.summary.destroy).toBe(3);
    expect(plan2.leftAlone[0]).toMatchObject({ key: 'Workspace/w', reason: expect.stringMatching(/joey does not delete/) });
  });

  it('masks connection secrets but sees a changed value or reference as an update', async () => {
    const p = new MemoryProvider();
    await converge(p, [ws('w'), connection('s3cret-one')]);
    expect(hasChanges(computePlan({ desired: desiredOf([ws('w'), connection('s3cret-one')]), actual: await p.read(), commit: 'c' }))).toBe(false);
    for (const token of ['s3cret-two', 'env:JOEY_TOKEN']) {
      const plan = computePlan({ desired: desiredOf([ws('w'), connection(token)]), actual: await p.read(), commit: 'c' });
      const c = plan.changes.find((x) => x.key === 'Connection/w/alerts')!;
      expect(c.actions).toEqual(['update']);
      expect(c.diffs).toEqual([{ path: 'spec.detailsSha256', before: '(sensitive)', after: '(sensitive)', sensitive: true }]);
      const out = renderPlanText(plan) + JSON.stringify(publicPlan(plan));
      expect(out).not.toContain('s3cret');
      expect(out).not.toContain('https://x');
      expect(out).toContain('~ spec.detailsSha256: "(sensitive)" -> "(sensitive)"');
    }
  });

  it('stamps the spec hash the drift check compares against', async () => {
    const p = new MemoryProvider();
    await converge(p, base());
    const d = desiredOf(base()).find((x) => x.key === 'Pipeline/w/p1')!;
    expect(p.objects.get('Pipeline/w/p1')!.labels[SPEC_HASH]).toBe(d.specHash);
  });
});

describe('apply: failures stop dependents only', () => {
  it('reports which succeeded, skips dependents, and the next apply converges', async () => {
    const p = new MemoryProvider();
    const rs = [...base(), model('m2', 'c'.repeat(64)), pipeline('p2', ['m2'], {}, false)];
    p.failOn.add('Model/w/m1');
    const { result } = await converge(p, rs);
    expect(result.failed.map((f) => f.key)).toEqual(['Model/w/m1']);
    expect(result.skipped).toEqual([{ key: 'Pipeline/w/p1', actions: ['create'], blockedBy: 'Model/w/m1' }]);
    expect(result.succeeded.map((s) => s.key).sort()).toEqual(['DeploymentConfig/w/small', 'Model/w/m2', 'Pipeline/w/p2', 'Workspace/w']);
    p.failOn.clear();
    const second = await converge(p, rs);
    expect(second.result.succeeded.map((s) => s.key)).toEqual(['Model/w/m1', 'Pipeline/w/p1']);
    expect(hasChanges(computePlan({ desired: desiredOf(rs), actual: await p.read(), commit: 'c' }))).toBe(false);
  });

  it('runs independent actions in parallel up to the limit', async () => {
    const p = new MemoryProvider();
    let running = 0;
    let peak = 0;
    const orig = p.create.bind(p);
    p.create = async (op) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return orig(op);
    };
    const rs = [ws('w'), ...Array.from({ length: 20 }, (_, i) => model(`m${i}`, String(i).padStart(64, '0')))];
    const plan = computePlan({ desired: desiredOf(rs), actual: [], commit: 'c' });
    await executePlan(plan, p, { parallelism: 4 });
    expect(peak).toBe(4);
    expect(p.objects.size).toBe(21);
  });
});
