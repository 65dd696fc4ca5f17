import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { loadDesiredRepo, applyRepo, planAgainst } from '../src/apply/reconcile.js';
import { MemoryProvider } from '../src/apply/memory-provider.js';
import { savePlanFile, loadPlanFile } from '../src/apply/planfile.js';
import { detectDrift, renderDriftText } from '../src/apply/drift.js';
import { importObject, generateManifests } from '../src/apply/import.js';
import { hasChanges, renderPlanText, COMMIT, isManaged } from '../src/plan/index.js';
import { copyExamples } from './examples.js';


async function repoCopy(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'joey-repo-'));
  copyExamples(dir);
  const git = simpleGit({ baseDir: dir });
  await git.init();
  await git.addConfig('user.email', 't@example.com').addConfig('user.name', 't');
  await git.add('.');
  await git.commit('manifests');
  return dir;
}

const edit = (file: string, from: string | RegExp, to: string) => {
  const s = readFileSync(file, 'utf8');
  const t = s.replace(from, to);
  if (s === t) throw new Error(`no change in ${file}`);
  writeFileSync(file, t);
};

describe('reconcile the examples repo (in-memory provider)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await repoCopy();
  });

  it('applies on an empty state, then plans no changes; edits show exactly those changes and converge', async () => {
    const p = new MemoryProvider();
    const stateDir = join(dir, '.joey');
    const repo = await loadDesiredRepo(dir, { stateDir });
    expect(repo.commit).toMatch(/^[0-9a-f]{40}$/); // .joey does not make the tree dirty
    const first = await applyRepo({ repo }, p, { stateDir });
    expect(first.result!.failed).toEqual([]);
    expect(first.plan.summary.add).toBe(repo.desired.length);
    expect(p.objects.size).toBe(repo.desired.length);
    for (const o of p.objects.values()) expect(o.labels[COMMIT]).toBe(repo.commit);

    const again = await planAgainst(await loadDesiredRepo(dir, { stateDir }), p);
    expect(hasChanges(again.plan)).toBe(false);

    edit(join(dir, 'pipelines/ccfraud.yaml'), '> 0.9', '> 0.95');
    edit(join(dir, 'deployment-configs/small.yaml'), 'replicas: 1', 'replicas: 2');
    copyFileSync(join(dir, 'models/xgboost_ccfraud.onnx'), join(dir, 'models/ccfraud.onnx'));
    const edited = await loadDesiredRepo(dir, { stateDir });
    expect(edited.commit).toMatch(/-dirty$/);
    const { plan } = await planAgainst(edited, p);
    const changed = plan.changes.filter((c) => c.actions[0] !== 'no-op');
    const byKey = Object.fromEntries(changed.map((c) => [c.key, c]));
    expect(Object.keys(byKey).sort()).toEqual(['DeploymentConfig/fraud/small', 'Model/fraud/ccfraud', 'Pipeline/fraud/ccfraud', 'Pipeline/fraud/ccfraud-ab']);
    expect(byKey['Pipeline/fraud/ccfraud']!.diffs.map((d) => d.path)).toEqual(['spec.validations.high_fraud']);
    expect(byKey['DeploymentConfig/fraud/small']!.diffs).toEqual([{ path: 'spec.replicas', before: 1, after: 2 }]);
    expect(byKey['Model/fraud/ccfraud']!.actions).toEqual(['delete', 'create']);
    expect(byKey['Model/fraud/ccfraud']!.diffs.map((d) => d.path)).toEqual(['spec.sha256']);
    // ccfraud-ab's own spec is unchanged: it is rebuilt because its champion model is replaced.
    expect(byKey['Pipeline/fraud/ccfraud-ab']!.diffs).toEqual([]);
    expect(byKey['Pipeline/fraud/ccfraud-ab']!.reason).toContain('Model/fraud/ccfraud');
    expect(plan.summary).toMatchObject({ add: 0, change: 3, replace: 1, destroy: 0 });
    expect(renderPlanText(plan)).toContain('~ spec.validations.high_fraud: "pl.col(\\"out.dense_1\\").list.get(0) > 0.9" -> "pl.col(\\"out.dense_1\\").list.get(0) > 0.95"');

    await applyRepo({ repo: edited }, p, { stateDir });
    expect(hasChanges((await planAgainst(await loadDesiredRepo(dir, { stateDir }), p)).plan)).toBe(false);
  });

  it('a saved plan applies exactly, and is refused once the state moved', async () => {
    const d = await repoCopy();
    const stateDir = join(d, '.joey');
    const p = new MemoryProvider();
    const repo = await loadDesiredRepo(d, { stateDir });
    const { plan } = await planAgainst(repo, p);
    const file = join(d, 'plan.json');
    savePlanFile(file, plan);
    const loaded = loadPlanFile(file);
    // another apply gets there first: the saved plan no longer describes the state
    const other = new MemoryProvider();
    await applyRepo({ plan: loaded }, other, { stateDir });
    expect(other.objects.size).toBe(repo.desired.length);
    await applyRepo({ repo }, p, { stateDir });
    await expect(applyRepo({ plan: loadPlanFile(file) }, p, { stateDir })).rejects.toThrow(/actual state changed since this plan was made/);
  });

  it('drift: a pipeline changed by hand shows with its field diff; import adopts an unmanaged object', async () => {
    const d = await repoCopy();
    const stateDir = join(d, '.joey');
    const p = new MemoryProvider();
    const repo = await loadDesiredRepo(d, { stateDir });
    await applyRepo({ repo }, p, { stateDir });
    expect(detectDrift(await p.read(), repo.desired)).toEqual([]);
    const pl = p.objects.get('Pipeline/fraud/ccfraud')!;
    (pl.spec as { deployment: unknown }).deployment = false; // undeployed through the API
    const drift = detectDrift(await p.read(), repo.desired);
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ key: 'Pipeline/fraud/ccfraud', manifestsChanged: false, diffs: [{ path: 'spec.deployment', before: false, after: 'small' }] });
    expect(renderDriftText(drift)).toContain('~ spec.deployment: running false, manifests say "small"');

    p.objects.set('Pipeline/fraud/handmade', { key: 'Pipeline/fraud/handmade', kind: 'Pipeline', workspace: 'fraud', name: 'handmade', spec: { steps: [{ model: 'ccfraud' }] }, labels: { team: 'x' } });
    const out = join(d, 'imported');
    const gen = await generateManifests(p, out);
    expect(gen.written).toEqual([join(out, 'pipelines', 'fraud-handmade.yaml')]);
    expect(readFileSync(gen.written[0]!, 'utf8')).toContain('kind: Pipeline');
    const r = await importObject(p, 'Pipeline', 'fraud/handmade', { commit: 'abc' });
    expect(r.alreadyManaged).toBe(false);
    expect(isManaged(p.objects.get('Pipeline/fraud/handmade')!.labels)).toBe(true);
    expect(p.objects.get('Pipeline/fraud/handmade')!.labels.team).toBe('x');
    expect(detectDrift(await p.read(), repo.desired).map((x) => x.key)).toEqual(['Pipeline/fraud/ccfraud']);
  });
});
