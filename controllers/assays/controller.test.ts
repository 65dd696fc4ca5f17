// The controller over real inference logs: the house-price model (onnxruntime) answers 1000 requests through a
// deployed pipeline; the assay's window closes; the controller stores exactly one result for it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { Engine } from '../../src/engine/index.js';
import { EngineRuntime } from '../../src/engine/runtime/index.js';
import { assaysOf } from '../../src/engine/assays/index.js';
import { AssayController } from './controller.js';

const TD = new URL('../../src/engine/assays/testdata/', import.meta.url).pathname;
const FX = new URL('../../src/assays/fixtures/', import.meta.url).pathname;
const tmp = tempDirs('joey-assayctl-');

describe('AssayController', () => {
  it('analyzes each window of each active assay once, after it closes', async () => {
    const stateDir = tmp();
    const engine = await Engine.open({ stateDir });
    const rt = EngineRuntime.of(engine);
    const ws = await engine.workspaces.create({ name: 'houses', owner: 'admin' });
    await engine.models.upload(readFileSync(TD + 'houseprice-rf.onnx'), { workspaceId: ws.id, name: 'house-price-estimator', tensorFields: ['tensor'] });
    const { pipeline } = await engine.pipelines.apply({ workspaceId: ws.id, name: 'houseprice', steps: [{ model: 'house-price-estimator' }] as never });
    await engine.deployments.deploy({ pipelineId: pipeline.id });

    const t0 = Date.now();
    const body = readFileSync(TD + 'xtest-1k.df.json', 'utf8');
    await rt.infer(rt.deploymentOf('houses', 'houseprice'), { body, format: 'json' });
    await rt.logs.flush();

    const svc = assaysOf(engine);
    const baseline: number[] = JSON.parse(readFileSync(FX + 'seed-baseline.json', 'utf8'));
    const start = new Date(t0 - 30 * 60_000).toISOString();
    const spec = {
      pipeline: 'houseprice',
      iopath: 'output variable 0',
      baseline: { values: baseline },
      window: { width: '1h', interval: '1h', start },
      binning: { mode: 'quantile' as const, bins: 5 },
      aggregation: 'density' as const,
      metric: 'psi' as const,
      thresholds: { alert: 0.25, warning: 0.01 },
      active: true,
    };
    const live = await svc.create({ workspaceId: ws.id, name: 'price-drift', spec });
    const paused = await svc.create({ workspaceId: ws.id, name: 'paused', spec: { ...spec, active: false } });

    let now = t0;
    const seen: number[] = [];
    const ctl = new AssayController(svc, { clock: { now: () => now }, settleMs: 3000, onResults: (r) => seen.push(...r.map((x) => x.assay_id)) });
    expect(await ctl.tick()).toEqual([]); // window 0 ends at t0 + 30 min
    now = t0 + 30 * 60_000 + 1000;
    expect(await ctl.tick()).toEqual([]); // closed, but not yet settled
    now = t0 + 30 * 60_000 + 5000;
    const [r] = await ctl.tick();
    expect(r).toMatchObject({ assay_id: live.id, window_index: 0, window_start: start });
    expect(r!.window_summary.count).toBe(1000);
    // the window holds the model's 1000 predictions (houseprice-window-1.json is the same model on the same rows)
    const reference: number[] = JSON.parse(readFileSync(TD + 'houseprice-window-1.json', 'utf8'));
    const refMean = reference.reduce((a, b) => a + b, 0) / reference.length;
    expect(Math.abs(r!.window_summary.mean - refMean) / refMean).toBeLessThan(1e-6);
    expect(r!.score).toBeGreaterThan(0);
    expect(r!.status).toBe(r!.score >= 0.25 ? 'Alert' : r!.score >= 0.01 ? 'Warning' : 'Ok');
    expect(await ctl.tick()).toEqual([]); // once only
    expect(seen).toEqual([live.id]);
    expect(svc.results(paused.id)).toEqual([]);
    expect(svc.get(live.id).status.run_at).toBe(r!.analyzed_at);

    // start()/stop(): the loop runs ticks on its own (built from the Engine, as `joey controller` does)
    await svc.setActive(paused.id, true);
    const loop = new AssayController(engine, { clock: { now: () => now } }).start();
    await new Promise((res) => setTimeout(res, 300));
    await loop.stop();
    expect(svc.results(paused.id).map((x) => x.window_index)).toEqual([0]);
    await rt.close();
    await engine.close();
  });
});
