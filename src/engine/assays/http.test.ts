// The assay API over a real HTTP server on 127.0.0.1, with the platform's field names.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../index.js';
import { startServer, type RunningServer } from '../http/server.js';
import { appendOutputs } from './testing.js';
import { InferenceLogStore } from '../logs/index.js';
import { assaysOf } from './index.js';

const FX = new URL('../../assays/fixtures/', import.meta.url).pathname;
const TD = new URL('./testdata/', import.meta.url).pathname;
const seed = JSON.parse(readFileSync(FX + 'seed-expected.json', 'utf8'));
const T0 = Date.parse('2024-02-15T16:18:43.976Z');
const MIN = 60_000;


let dir: string;
let engine: Engine;
let server: RunningServer;
let token: string;
let other: string;
let wsId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'joey-assays-http-'));
  engine = await Engine.open({ stateDir: join(dir, 'state') });
  const ws = await engine.workspaces.create({ name: 'houses', owner: 'alice' });
  wsId = ws.id;
  await engine.workspaces.create({ name: 'elsewhere', owner: 'bob' });
  await engine.models.upload(readFileSync(TD + 'houseprice-rf.onnx'), { workspaceId: ws.id, name: 'house-price-estimator', tensorFields: ['tensor'] });
  await engine.pipelines.apply({ workspaceId: ws.id, name: 'houseprice', steps: [{ model: 'house-price-estimator' }] as never });
  const logs = InferenceLogStore.forStateDir(engine.stateDir);
  await appendOutputs(logs, 'houses/houseprice', T0 + 1000, JSON.parse(readFileSync(FX + 'seed-baseline.json', 'utf8')));
  await appendOutputs(logs, 'houses/houseprice', T0 + 2 * MIN + 1000, JSON.parse(readFileSync(FX + 'seed-window.json', 'utf8')));
  await appendOutputs(logs, 'houses/houseprice', T0 + 4 * MIN + 1000, JSON.parse(readFileSync(FX + 'houseprice-window-2.json', 'utf8')));
  await logs.flush();
  token = (await engine.tokens.create({ user: 'alice' })).token;
  other = (await engine.tokens.create({ user: 'bob' })).token;
  server = await startServer(engine, { port: 0 });
});
afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown, t = token) {
  const r = await fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as any };
}

const assayBody = {
  workspace_id: 0,
  name: 'assays-from-date-baseline',
  pipeline_name: 'houseprice',
  iopath: 'output variable 0',
  baseline: { Fixed: { pipeline: 'houseprice', model: 'house-price-estimator', start_at: new Date(T0).toISOString(), end_at: new Date(T0 + MIN).toISOString() } },
  window: { pipeline: 'houseprice', model: 'house-price-estimator', width: '1 minute', interval: '1 minute', start: new Date(T0 + 2 * MIN).toISOString() },
  summarizer: { type: 'UnivariateContinuous', bin_mode: 'Quantile', aggregation: 'Cumulative', metric: 'MaxDiff', num_bins: 5, bin_weights: null, provided_edges: null },
  warning_threshold: null,
  alert_threshold: 0.5,
};

describe('/v1/api/assays', () => {
  it('run_interactive previews without saving; create, list, get_results, set_active, delete', async () => {
    const body = { ...assayBody, workspace_id: wsId };
    const preview = await post('/v1/api/assays/run_interactive', { ...body, run_until: new Date(T0 + 6 * MIN).toISOString() });
    expect(preview.status).toBe(200);
    expect(preview.body.map((r: any) => [r.window_start, r.status, r.bin_index])).toEqual([
      [new Date(T0 + 2 * MIN).toISOString(), 'Ok', 1],
      [new Date(T0 + 4 * MIN).toISOString(), 'Alert', 5], // cumulative: every window value is above the baseline max
    ]);
    expect(preview.body[0].scores).toEqual(seed.configs[7].scores); // H: the uploaded cumulative/maxdiff assay
    expect(preview.body[0].baseline_summary.edge_names).toEqual(seed.baseline_bins.edge_names);

    const created = await post('/v1/api/assays/create', body);
    expect(created.status).toBe(200);
    const id = created.body.assay_id;
    const list = await post('/v1/api/assays/list', { workspace_id: wsId });
    expect(list.body).toEqual([
      expect.objectContaining({ id, name: 'assays-from-date-baseline', active: true, alert_threshold: 0.5, warning_threshold: null, pipeline_name: 'houseprice', status: { run_at: null, num_ok: 0, num_warnings: 0, num_alerts: 0 } }),
    ]);
    expect((await post('/v1/api/assays/list', {}, other)).body).toEqual([]); // bob sees no assay of alice's workspace
    expect((await post('/v1/api/assays/get_results', { assay_id: id }, other)).status).toBe(403);

    await assaysOf(engine).evaluate(id, T0 + 6 * MIN); // what the controller does as windows close
    const all = await post('/v1/api/assays/get_results', { assay_id: id, start: new Date(T0).toISOString(), end: new Date(T0 + 10 * MIN).toISOString() });
    expect(all.body.map((r: any) => [r.window_index, r.status, r.score])).toEqual([
      [0, 'Ok', seed.configs[7].scores[1]],
      [2, 'Alert', 1],
    ]);
    const later = await post('/v1/api/assays/get_results', { assay_id: id, start: new Date(T0 + 3 * MIN).toISOString(), end: new Date(T0 + 10 * MIN).toISOString() });
    expect(later.body.map((r: any) => r.window_index)).toEqual([2]);

    const off = await post('/v1/api/assays/set_active', { id, active: false });
    expect(off.body).toMatchObject({ active: false, status: { num_ok: 1, num_alerts: 1 } });
    expect((await post('/v1/api/assays/get_assay_by_id', { id })).body.active).toBe(false);
    expect((await post('/v1/api/assays/set_active', { id, active: true })).body.active).toBe(true);
    expect((await post('/v1/api/assays/create', body)).status).toBe(409);
    expect((await post('/v1/api/assays/create', { ...body, name: 'f', baseline: { file: '/etc/passwd' } })).body.msg ?? '').not.toContain('root:');
    const fileBaseline = await post('/v1/api/assays/create', { ...body, name: 'f', spec: { ...body, baseline: { file: '/etc/passwd' } } });
    expect(fileBaseline.status).toBe(400);
    expect((await post('/v1/api/assays/delete', { id })).body).toEqual({ deleted: true });
    expect((await post('/v1/api/assays/get_assay_by_id', { id })).status).toBe(404);
  });
});
