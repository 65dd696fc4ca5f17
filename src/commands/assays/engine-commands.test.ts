// `joey assays preview|results|list|pause|resume` on a manifest repo whose pipeline has inference logs laid out like
// the seeds' tutorial: a baseline minute, a small-houses window (Ok), an empty minute, a large-houses window (Alert).
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assaysOf } from '../../engine/assays/index.js';
import { Engine } from '../../engine/index.js';
import { appendOutputs } from '../../engine/assays/testing.js';
import { InferenceLogStore } from '../../engine/logs/index.js';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const FX = join(root, 'src/assays/fixtures/');
const TD = join(root, 'src/engine/assays/testdata/');
const seed = JSON.parse(readFileSync(FX + 'seed-expected.json', 'utf8'));
const T0 = Date.parse('2024-02-15T16:18:43.976Z');
const MIN = 60_000;
const iso = (t: number) => new Date(t).toISOString();
const values = (f: string): number[] => JSON.parse(readFileSync(FX + f, 'utf8'));

async function joey(args: string[]) {
  try {
    const { stdout, stderr } = await run('node', [join(root, 'bin/run.js'), ...args], { cwd: root, maxBuffer: 1 << 24 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}


let repo: string;
let state: string;

const manifests = (baseline: string) => `apiVersion: joey.dev/v1
kind: Workspace
metadata: {name: houses}
spec:
  members: [{user: alice@example.com, role: owner}]
---
apiVersion: joey.dev/v1
kind: Model
metadata: {name: house-price-estimator, workspace: houses}
spec: {framework: onnx, path: houseprice-rf.onnx, tensorFields: [tensor]}
---
apiVersion: joey.dev/v1
kind: Pipeline
metadata: {name: houseprice, workspace: houses}
spec:
  steps: [{model: house-price-estimator}]
---
apiVersion: joey.dev/v1
kind: Assay
metadata: {name: price-drift, workspace: houses}
spec:
  pipeline: houseprice
  iopath: output variable 0
  baseline: {start: "${iso(T0)}", end: "${iso(T0 + MIN)}"}
  window: {width: 1m, interval: 1m, start: "${iso(T0 + 2 * MIN)}"}
  thresholds: {alert: 0.25}
---
apiVersion: joey.dev/v1
kind: Assay
metadata: {name: from-file, workspace: houses}
spec:
  pipeline: houseprice
  iopath: output variable 0
  baseline: {file: ${baseline}}
  window: {width: 1m, interval: 1m, start: "${iso(T0 + 2 * MIN)}"}
  binning: {mode: provided, edges: [200000.0, 400000.0, 600000.0, 800000.0, 1500000.0, 2000000.0]}
  thresholds: {alert: 0.25, warning: 0.005}
`;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'joey-assays-repo-'));
  mkdirSync(join(repo, 'houses/data'), { recursive: true });
  copyFileSync(TD + 'houseprice-rf.onnx', join(repo, 'houses/houseprice-rf.onnx'));
  copyFileSync(FX + 'seed-baseline.json', join(repo, 'houses/data/baseline.json'));
  writeFileSync(join(repo, 'houses/all.yaml'), manifests('data/baseline.json'));
  state = join(repo, '.joey');
  const logs = InferenceLogStore.forStateDir(state);
  await appendOutputs(logs, 'houses/houseprice', T0 + 1000, values('seed-baseline.json'));
  await appendOutputs(logs, 'houses/houseprice', T0 + 2 * MIN + 1000, values('seed-window.json'));
  await appendOutputs(logs, 'houses/houseprice', T0 + 4 * MIN + 1000, values('houseprice-window-2.json'));
  await logs.close(); // releases the log writer (and its thread) before the CLI processes read
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('joey assays preview / results / list / pause / resume', () => {
  it('preview: scores per window from the manifest, nothing saved; text chart and PNG', async () => {
    const png = join(repo, 'preview.png');
    const [j, t, f] = await Promise.all([
      joey(['assays', 'preview', 'houses/price-drift', '--root', repo, '--until', iso(T0 + 6 * MIN), '--json']),
      joey(['assays', 'preview', 'houses/price-drift', '--root', repo, '--until', iso(T0 + 6 * MIN), '--png', png]),
      joey(['assays', 'preview', 'houses/from-file', '--root', repo, '--until', iso(T0 + 3 * MIN), '--json']),
    ]);
    expect(j.code, j.stderr).toBe(0);
    const r = JSON.parse(j.stdout);
    expect(r.results.map((x: any) => [x.window_start, x.status])).toEqual([
      [iso(T0 + 2 * MIN), 'Ok'],
      [iso(T0 + 4 * MIN), 'Alert'],
    ]);
    expect(r.results[0].score).toBe(seed.configs[0].score);
    expect(r.results[1].score.toFixed(6)).toBe(seed.alert_window.score_6dp);

    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('2 window(s) with data (preview, not saved)');
    expect(t.stdout).toMatch(/^2024-02-15T16:20:43\.976Z +0\.036350 +Ok +█*[ ]*│/m);
    expect(t.stdout).toMatch(/^2024-02-15T16:22:43\.976Z +8\.868614 +Alert +█{39}▶$/m); // clipped at 4× the alert threshold
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([800, 300]);

    expect(f.code, f.stderr).toBe(0); // baseline file relative to the manifest; provided edges (config F)
    const fr = JSON.parse(f.stdout).results;
    expect(fr).toHaveLength(1);
    expect(Math.abs(fr[0].score - seed.configs[5].score) <= 1e-12 * seed.configs[5].score).toBe(true);
    expect(fr[0].status).toBe('Warning');

    const missing = await joey(['assays', 'preview', 'houses/nope', '--root', repo]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n').at(-1)).toBe(`error: no Assay houses/nope in the manifests under ${repo} (assays: houses/price-drift, houses/from-file)`);
  });

  it('results, list, pause and resume of an assay in the engine', async () => {
    const engine = await Engine.open({ stateDir: state });
    const ws = await engine.workspaces.create({ name: 'houses', owner: 'alice@example.com' });
    await engine.models.upload(readFileSync(TD + 'houseprice-rf.onnx'), { workspaceId: ws.id, name: 'house-price-estimator', tensorFields: ['tensor'] });
    await engine.pipelines.apply({ workspaceId: ws.id, name: 'houseprice', steps: [{ model: 'house-price-estimator' }] as never });
    const svc = assaysOf(engine);
    const a = await svc.create({
      workspaceId: ws.id,
      name: 'price-drift',
      spec: {
        pipeline: 'houseprice',
        iopath: 'output variable 0',
        baseline: { start: iso(T0), end: iso(T0 + MIN) },
        window: { width: '1m', interval: '1m', start: iso(T0 + 2 * MIN) },
        binning: { mode: 'quantile', bins: 5 },
        aggregation: 'density',
        metric: 'psi',
        thresholds: { alert: 0.25, warning: 0.03 },
        active: true,
      },
    });
    await svc.evaluate(a.id, T0 + 6 * MIN);
    await engine.close();

    const [res, later, list] = await Promise.all([
      joey(['assays', 'results', 'houses/price-drift', '--state', state, '--json']),
      joey(['assays', 'results', 'houses/price-drift', '--state', state, '--start', iso(T0 + 3 * MIN), '--end', iso(T0 + 9 * MIN)]),
      joey(['assays', 'list', '--state', state, '--json']),
    ]);
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r.results.map((x: any) => [x.window_index, x.status])).toEqual([
      [0, 'Warning'],
      [2, 'Alert'],
    ]);
    expect(r.assay.status).toMatchObject({ num_ok: 0, num_warnings: 1, num_alerts: 1 });
    expect(later.stdout).toMatch(/1 warning, 1 alert/);
    expect(later.stdout).toMatch(/^2024-02-15T16:22:43\.976Z +8\.868614 +Alert/m);
    expect(later.stdout).not.toMatch(/^2024-02-15T16:20/m);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'price-drift', workspace: 'houses', active: true, alert_threshold: 0.25, warning_threshold: 0.03 })]);

    const paused = await joey(['assays', 'pause', 'houses/price-drift', '--state', state]);
    expect(paused.stdout.trim()).toBe('assay houses/price-drift is paused');
    const listed = await joey(['assays', 'list', 'houses', '--state', state]);
    expect(listed.stdout).toMatch(/^houses\/price-drift\tfalse\t0\t1\t1\t/m);
    expect((await joey(['assays', 'resume', 'houses/price-drift', '--state', state, '--json'])).stdout).toContain('"active": true');
  });
});
