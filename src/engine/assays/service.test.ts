// The seeds' tutorial as an engine assay: a baseline minute of house-price predictions, then a window of
// small houses (Ok, the printed score 0.0363497101644573), a minute without inferences (skipped) and a window of
// large houses (Alert, 8.868614) — sdk-essentials-guide.txt L9696-9702 and L9746-9748.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssaySpec } from '../../model/index.js';
import { Engine } from '../index.js';
import { appendOutputs } from './testing.js';
import { InferenceLogStore } from '../logs/index.js';
import { assaysOf, previewAssay } from './index.js';

const FX = new URL('../../assays/fixtures/', import.meta.url).pathname;
const TD = new URL('./testdata/', import.meta.url).pathname;
const json = (p: string): number[] => JSON.parse(readFileSync(p, 'utf8'));
const baselineValues = json(FX + 'seed-baseline.json');
const windowValues = json(FX + 'seed-window.json');
const largeValues = json(FX + 'houseprice-window-2.json');
const seed = JSON.parse(readFileSync(FX + 'seed-expected.json', 'utf8'));

const T0 = Date.parse('2024-02-15T16:18:43.976Z');
const MIN = 60_000;
const iso = (t: number) => new Date(t).toISOString();


// One engine for the file (the model upload is the slow part); each test uses its own assay names.
let env: Awaited<ReturnType<typeof open>>;
beforeAll(async () => {
  env = await open();
});
afterAll(async () => {
  await env.engine.close();
  rmSync(env.stateDir, { recursive: true, force: true });
});
const setup = async () => env;

async function open() {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'joey-assays-'));
  const engine = await Engine.open({ stateDir });
  const ws = await engine.workspaces.create({ name: 'houses', owner: 'admin' });
  await engine.models.upload(readFileSync(TD + 'houseprice-rf.onnx'), { workspaceId: ws.id, name: 'house-price-estimator', tensorFields: ['tensor'] });
  await engine.pipelines.apply({ workspaceId: ws.id, name: 'houseprice', steps: [{ model: 'house-price-estimator' }] as never });
  const logs = InferenceLogStore.forStateDir(stateDir);
  await appendOutputs(logs, 'houses/houseprice', T0 + 1000, baselineValues); // baseline minute
  await appendOutputs(logs, 'houses/houseprice', T0 + 2 * MIN + 1000, windowValues); // window 0
  await appendOutputs(logs, 'houses/houseprice', T0 + 4 * MIN + 1000, largeValues); // window 2 (window 1 has no rows)
  await logs.flush();
  return { engine, ws, logs, stateDir };
}

const spec = (over: Partial<AssaySpec> = {}): AssaySpec => ({
  pipeline: 'houseprice',
  iopath: 'output variable 0',
  baseline: { start: iso(T0), end: iso(T0 + MIN) },
  window: { width: '1m', interval: '1m', start: iso(T0 + 2 * MIN) },
  binning: { mode: 'quantile', bins: 5 },
  aggregation: 'density',
  metric: 'psi',
  thresholds: { alert: 0.25 },
  active: true,
  ...over,
});

const rel = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));

describe('AssayService', () => {
  it('freezes the baseline from the logs, analyzes closed windows once, skips empty ones, keeps list status', async () => {
    const { engine, ws } = await setup();
    const svc = assaysOf(engine);
    const a = await svc.create({ workspaceId: ws.id, name: 'price-drift', spec: spec() });
    expect(a.baseline_summary.count).toBe(501);
    expect(a.baseline_summary.mean).toBe(seed.chart_header.baseline_mean);
    expect(a.baseline_summary.edge_names).toEqual(seed.baseline_bins.edge_names);
    expect(a.baseline_summary.edges.at(-1)).toBeNull();
    expect(a.status).toEqual({ run_at: null, num_ok: 0, num_warnings: 0, num_alerts: 0 });
    await expect(svc.create({ workspaceId: ws.id, name: 'price-drift', spec: spec() })).rejects.toThrow(/already exists/);

    // Only window 0 has closed by T0 + 3 min.
    const first = await svc.evaluate(a.id, T0 + 3 * MIN);
    expect(first.map((r) => [r.window_index, r.status])).toEqual([[0, 'Ok']]);
    expect(rel(first[0]!.score, seed.configs[0].score)).toBe(true);
    first[0]!.scores.forEach((s, i) => expect(rel(s, seed.configs[0].scores[i])).toBe(true));
    expect(first[0]!.window_start).toBe(iso(T0 + 2 * MIN));
    expect(first[0]!.window_end).toBe(iso(T0 + 3 * MIN));
    expect(first[0]!.window_summary.count).toBe(1000);
    expect(first[0]!.window_summary.mean).toBe(seed.chart_header.window_mean);
    expect(typeof first[0]!.elapsed_millis).toBe('number');
    expect(Date.parse(first[0]!.analyzed_at)).toBeGreaterThan(0);

    const rest = await svc.evaluate(a.id, T0 + 10 * MIN);
    expect(rest.map((r) => [r.window_index, r.status])).toEqual([[2, 'Alert']]); // window 1 had no rows
    expect(rest[0]!.score.toFixed(6)).toBe(seed.alert_window.score_6dp);
    expect(rest[0]!.baseline_summary.edges).toEqual(a.baseline_summary.edges);
    expect(await svc.evaluate(a.id, T0 + 10 * MIN)).toEqual([]); // idempotent

    const after = svc.get(a.id);
    expect(after.status).toMatchObject({ num_ok: 1, num_warnings: 0, num_alerts: 1 });
    expect(after.status.run_at).not.toBeNull();
    expect(after.next_window).toBe(8);

    // get_assay_results: windows starting in [start, end)
    expect(svc.results(a.id).map((r) => r.window_index)).toEqual([0, 2]);
    expect(svc.results(a.id, { start: T0 + 3 * MIN, end: T0 + 10 * MIN }).map((r) => r.window_index)).toEqual([2]);
    expect(svc.results(a.id, { start: T0, end: T0 + 4 * MIN }).map((r) => r.window_index)).toEqual([0]);
  });

  it('pause and resume: a paused assay analyzes nothing; on resume it catches up', async () => {
    const { engine, ws } = await setup();
    const svc = assaysOf(engine);
    const a = await svc.create({ workspaceId: ws.id, name: 'paused', spec: spec({ active: false }) });
    expect(a.active).toBe(false);
    expect(await svc.evaluate(a.id, T0 + 10 * MIN)).toEqual([]);
    await svc.setActive(a.id, true);
    expect((await svc.evaluate(a.id, T0 + 10 * MIN)).map((r) => r.status)).toEqual(['Ok', 'Alert']);
    expect(await svc.delete(a.id)).toBe(true);
    expect(() => svc.get(a.id)).toThrow(/not found/);
  });

  it('baselines from values or a file; other binnings and metrics as configured', async () => {
    const { engine, ws, stateDir } = await setup();
    const svc = assaysOf(engine);
    const file = path.join(stateDir, 'baseline.json');
    writeFileSync(file, JSON.stringify(baselineValues));
    const fromFile = await svc.create({
      workspaceId: ws.id,
      name: 'from-file',
      spec: spec({ baseline: { file: 'baseline.json' }, binning: { mode: 'equal', bins: 5 } }),
      root: stateDir,
    });
    expect(fromFile.baseline_source).toEqual({ file: 'baseline.json' });
    const [r] = await svc.evaluate(fromFile.id, T0 + 3 * MIN);
    expect(rel(r!.score, seed.configs[4].score)).toBe(true); // E: equal bins

    const fromValues = await svc.create({
      workspaceId: ws.id,
      name: 'from-values',
      spec: spec({ baseline: { values: baselineValues }, aggregation: 'cumulative', metric: 'maxdiff', thresholds: { alert: 0.5, warning: 0.05 } }),
    });
    expect(fromValues.baseline_source).toEqual({ values: 501 });
    const [h] = await svc.evaluate(fromValues.id, T0 + 3 * MIN);
    expect(rel(h!.score, seed.configs[7].scores[1])).toBe(true); // H: cumulative maxdiff
    expect(h!.bin_index).toBe(1);
    expect(h!.status).toBe('Warning');

    await expect(svc.create({ workspaceId: ws.id, name: 'nothing', spec: spec({ baseline: { start: iso(T0 - 60 * MIN), end: iso(T0 - 30 * MIN) } }) })).rejects.toThrow(
      /no inference logs for houses\/houseprice between/,
    );
    await expect(svc.create({ workspaceId: ws.id, name: 'bad-io', spec: spec({ iopath: 'output house_value' }) })).rejects.toThrow(/iopath/);
    await expect(svc.create({ workspaceId: ws.id, name: 'bad-col', spec: spec({ iopath: 'output price 0' }) })).rejects.toThrow(
      /no column out.price .*columns: out.variable/,
    );
  });

  it('preview runs a manifest assay over the logs and saves nothing', async () => {
    const { engine, logs } = await setup();
    const before = assaysOf(engine).list().length;
    const p = await previewAssay({ logs, workspaceName: 'houses', spec: spec(), until: T0 + 10 * MIN });
    expect(p.results.map((r) => [r.windowIndex, r.status])).toEqual([
      [0, 'Ok'],
      [2, 'Alert'],
    ]);
    expect(rel(p.results[0]!.score, seed.configs[0].score)).toBe(true);
    // run_until two minutes after the window start: only the first window
    const short = await previewAssay({ logs, workspaceName: 'houses', spec: spec(), until: T0 + 4 * MIN });
    expect(short.results).toHaveLength(1);
    expect(assaysOf(engine).list()).toHaveLength(before);
  });

  it('the baseline is frozen at creation: logs written into its period later change nothing (runs last)', async () => {
    const { engine, ws, logs } = await setup();
    const svc = assaysOf(engine);
    const a = await svc.create({ workspaceId: ws.id, name: 'frozen', spec: spec() });
    await appendOutputs(logs, 'houses/houseprice', T0 + 10_000, largeValues);
    await logs.flush();
    const [r] = await svc.evaluate(a.id, T0 + 3 * MIN);
    expect(r!.baseline_summary.edges).toEqual(a.baseline_summary.edges);
    expect(rel(r!.score, seed.configs[0].score)).toBe(true);
    // a new assay over the same period does see the new rows
    const b = await svc.create({ workspaceId: ws.id, name: 'unfrozen', spec: spec() });
    expect(b.baseline_summary.count).toBe(501 + largeValues.length);
  });
});
