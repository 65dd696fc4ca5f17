import { describe, expect, it } from 'vitest';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { examplesRepo, joey, joeyAsync, edit } from './reconcile-helpers.js';
import { acquireLock } from '../src/apply/lock.js';
import type { Plan } from '../src/plan/types.js';

const changesOf = (stdout: string) => {
  const plan = JSON.parse(stdout) as Plan;
  return Object.fromEntries(plan.changes.filter((c) => c.actions[0] !== 'no-op').map((c) => [c.key, c]));
};

describe('joey plan / apply on the examples (embedded engine)', { timeout: 300_000 }, () => {
  it('creates everything, then shows no changes; edits show exactly those changes; apply converges; prune guard rails', async () => {
    const dir = await examplesRepo();
    const first = joey(['apply', '.', '--auto-approve'], dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Plan: 9 to add, 0 to change, 0 to replace, 0 to destroy.');
    expect(first.stdout).toMatch(/Apply complete! 9 succeeded, 0 failed/);

    const clean = joey(['plan', '.', '--detailed-exitcode'], dir);
    expect(clean.stdout).toContain('No changes.');
    expect(clean.code, clean.stderr).toBe(0);

    edit(join(dir, 'pipelines/ccfraud.yaml'), '> 0.9', '> 0.95');
    edit(join(dir, 'deployment-configs/small.yaml'), 'replicas: 1', 'replicas: 3');
    copyFileSync(join(dir, 'models/xgboost_ccfraud.onnx'), join(dir, 'models/ccfraud.onnx'));
    const edited = joey(['plan', '.', '--detailed-exitcode', '--json'], dir);
    expect(edited.code).toBe(2);
    const c = changesOf(edited.stdout);
    expect(Object.keys(c).sort()).toEqual(['DeploymentConfig/fraud/small', 'Model/fraud/ccfraud', 'Pipeline/fraud/ccfraud', 'Pipeline/fraud/ccfraud-ab']);
    expect(c['Pipeline/fraud/ccfraud']!.diffs.map((d) => d.path)).toEqual(['spec.validations.high_fraud']);
    expect(c['DeploymentConfig/fraud/small']!.diffs).toEqual([{ path: 'spec.replicas', before: 1, after: 3 }]);
    expect(c['Model/fraud/ccfraud']!.actions).toEqual(['delete', 'create']);
    expect(c['Model/fraud/ccfraud']!.reason).toMatch(/spec.sha256 changed/);
    expect(c['Pipeline/fraud/ccfraud-ab']!.diffs).toEqual([]); // only rebuilt: its champion model is replaced
    expect(JSON.parse(edited.stdout).formatVersion).toBe('1.0');

    const applied = joey(['apply', '.', '--auto-approve'], dir);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Plan: 0 to add, 3 to change, 1 to replace, 0 to destroy.');
    expect(joey(['plan', '.', '--detailed-exitcode'], dir).code).toBe(0);
    expect(joey(['drift', '.'], dir).code).toBe(0);

    // A pipeline's manifest removed: left alone without prune, deleted with --prune.
    rmSync(join(dir, 'pipelines/ccfraud-ab.yaml'));
    const left = joey(['plan', '.', '--detailed-exitcode'], dir);
    expect(left.code).toBe(0);
    expect(left.stdout).toMatch(/Pipeline\/fraud\/ccfraud-ab: not in the manifests; prune is off/);
    const pruned = joey(['apply', '.', '--auto-approve', '--prune'], dir);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('- Pipeline/fraud/ccfraud-ab will be destroyed');
    expect(pruned.stdout).toContain('Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy.');
    const after = joey(['plan', '.', '--detailed-exitcode', '--prune'], dir);
    expect(after.code).toBe(0);
    expect(after.stdout).not.toContain('ccfraud-ab');
  });

  it('a saved plan applies exactly; manifest errors abort before anything is touched', async () => {
    const dir = await examplesRepo();
    const saved = joey(['plan', '.', '--out', 'plan.json'], dir);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('Saved the plan to plan.json');
    const applied = joey(['apply', 'plan.json'], dir);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Apply complete! 9 succeeded/);
    const again = joey(['apply', 'plan.json'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/actual state changed since this plan was made/);

    edit(join(dir, 'pipelines/ccfraud.yaml'), 'model: ccfraud', 'model: no-such-model');
    const broken = joey(['apply', '.', '--auto-approve'], dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/pipelines\/ccfraud\.yaml:\d+:\d+: error: /);
    expect(broken.stderr).toMatch(/nothing was planned or changed/);
    expect(broken.stdout).toBe('');

    // destroy needs no (valid) manifests: everything joey manages goes, in reverse order.
    const destroyed = joey(['destroy', '.', '--auto-approve'], dir);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.stdout).toContain('Plan: 0 to add, 0 to change, 0 to replace, 9 to destroy.');
    expect(destroyed.stdout).toMatch(/Apply complete! 9 succeeded/);
    expect(destroyed.stdout.indexOf('Workspace/fraud: destroying')).toBeGreaterThan(destroyed.stdout.indexOf('Model/fraud/ccfraud: destroyed'));
    expect(joey(['destroy', '.', '--auto-approve'], dir).stdout).toContain('Nothing to destroy');
  });

  it('two applies at once: the second fails with the holder identity, or waits for it', async () => {
    const dir = await examplesRepo();
    const held = await acquireLock(join(dir, '.joey'), { operation: 'apply' });
    const failed = joey(['apply', '.', '--auto-approve', '--lock-timeout', '1s'], dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`pid ${process.pid}, apply`);
    expect(failed.stderr).toContain(`joey force-unlock ${held.info.ID}`);
    const waiting = joeyAsync(['apply', '.', '--auto-approve', '--lock-timeout', '120s'], dir);
    // release once the second apply reports that it waits (or after 30 s)
    for (let i = 0; i < 300 && !waiting.stdout().includes('waiting for the state lock'); i++) await new Promise((r) => setTimeout(r, 100));
    held.release();
    const waited = await waiting.done;
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain('waiting for the state lock held by');
    expect(waited.stdout).toMatch(/Apply complete! 9 succeeded/);

    // Really concurrent: both finish, one of them finds nothing left to do, nothing is duplicated.
    edit(join(dir, 'deployment-configs/small.yaml'), 'replicas: 1', 'replicas: 2');
    const a = joeyAsync(['apply', '.', '--auto-approve', '--lock-timeout', '120s', '--json'], dir);
    const b = joeyAsync(['apply', '.', '--auto-approve', '--lock-timeout', '120s', '--json'], dir);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const applied = [JSON.parse(ra.stdout), JSON.parse(rb.stdout)].map((j) => j.applied).sort();
    expect(applied).toEqual([false, true]);
    expect(joey(['plan', '.', '--detailed-exitcode'], dir).code).toBe(0);
  });
});
