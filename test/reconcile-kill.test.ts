import { describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { examplesRepo, joey, joeyAsync, edit } from './reconcile-helpers.js';
import { loadDesiredRepo, applyRepo, planAgainst } from '../src/apply/reconcile.js';
import { EngineProvider } from '../src/providers/engine/provider.js';
import { Engine } from '../src/engine/index.js';
import { hasChanges, isManaged } from '../src/plan/index.js';

const TRIALS = Number(process.env.JOEY_KILL_TRIALS ?? 20);

/**
 * SIGKILL `joey apply` at random points, then apply again: it must converge every time, with no duplicates
 * (two objects with one identity) and no orphans (objects that are not in the manifests, or that lack joey's labels).
 */
describe('apply killed at random points', { timeout: 900_000 }, () => {
  it(`converges after SIGKILL (${TRIALS} trials)`, async () => {
    const dir = await examplesRepo();
    const stateDir = join(dir, '.joey');
    const models = join(dir, 'models');
    copyFileSync(join(models, 'ccfraud.onnx'), join(dir, 'keras.onnx.bak'));
    let converged = 0;
    let midApply = 0;
    const killedAt: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      // Each trial flips a validation, a replica count and a model's bytes, so there is always work to interrupt.
      const even = t % 2 === 0;
      edit(join(dir, 'pipelines/ccfraud.yaml'), even ? '> 0.9\n' : '> 0.95\n', even ? '> 0.95\n' : '> 0.9\n');
      edit(join(dir, 'deployment-configs/small.yaml'), even ? 'replicas: 1' : 'replicas: 2', even ? 'replicas: 2' : 'replicas: 1');
      copyFileSync(even ? join(models, 'xgboost_ccfraud.onnx') : join(dir, 'keras.onnx.bak'), join(models, 'ccfraud.onnx'));

      const run = joeyAsync(['apply', '.', '--auto-approve', '--lock-timeout', '60s'], dir);
      // Most trials kill once the first action has started, a random time later (0-120 ms: inside the action
      // window); every fourth kills at a random time from start-up (plan, lock, or not started yet).
      let delay: number;
      if (t % 4 === 3) {
        delay = Math.floor(Math.random() * 1500);
        await new Promise((r) => setTimeout(r, delay));
      } else {
        const t0 = Date.now();
        while (!/ing\.\.\.$/m.test(run.stdout()) && run.child.exitCode === null && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
        const extra = Math.floor(Math.random() * 120);
        await new Promise((r) => setTimeout(r, extra));
        delay = Date.now() - t0;
      }
      killedAt.push(delay);
      run.child.kill('SIGKILL');
      const killed = await run.done;
      if (/: (creat|updat|replac|destroy)ing\.\.\./.test(killed.stdout) && !killed.stdout.includes('Apply complete')) midApply++;

      const engine = await Engine.open({ stateDir });
      try {
        const provider = new EngineProvider(engine);
        const repo = await loadDesiredRepo(dir, { stateDir });
        const outcome = await applyRepo({ repo }, provider, { stateDir, lockTimeoutMs: 60_000 });
        expect(outcome.result?.failed ?? [], `trial ${t} (killed after ${delay} ms)`).toEqual([]);
        const { plan, actual } = await planAgainst(await loadDesiredRepo(dir, { stateDir }), provider);
        expect(hasChanges(plan), `trial ${t}: plan after the second apply`).toBe(false);
        const keys = actual.map((a) => a.key);
        expect(new Set(keys).size, `trial ${t}: duplicates`).toBe(keys.length);
        expect(keys.sort(), `trial ${t}: orphans`).toEqual(repo.desired.map((d) => d.key).sort());
        expect(actual.filter((a) => !isManaged(a.labels)).map((a) => a.key), `trial ${t}: unlabelled objects`).toEqual([]);
        // engine-level: one live task per name, one deployment per pipeline
        const deployments = engine.deployments.list();
        expect(new Set(deployments.map((d) => d.pipeline_id)).size).toBe(deployments.length);
        converged++;
      } finally {
        await engine.close();
      }
    }
    const final = joey(['plan', '.', '--detailed-exitcode'], dir);
    expect(final.code, final.stderr).toBe(0);
    expect(converged).toBe(TRIALS);
    console.log(`kill trials: ${converged}/${TRIALS} converged; ${midApply} killed while actions were running (after ${killedAt.join(', ')} ms)`);
  });
});
