import * as arrow from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine/index.js';
import { copyExamples } from '../../test/examples.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FX = path.join(ROOT, 'test/fixtures/runtime/');
const EX = path.join(ROOT, 'examples/models/');
let state: string;

const joey = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/run.js'), ...args, '--state', state], { encoding: 'buffer', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
};

/** The examples' fraud workspace, models (from examples/models) and pipelines, deployed through the engine's services. */
beforeAll(async () => {
  state = mkdtempSync(path.join(tmpdir(), 'joey-infer-e2e-'));
  const engine = await Engine.open({ stateDir: state });
  const ws = await engine.workspaces.create({ name: 'fraud', owner: 'admin' });
  await engine.models.upload(readFileSync(EX + 'ccfraud.onnx'), { workspaceId: ws.id, name: 'ccfraud', tensorFields: ['tensor'] });
  await engine.models.upload(readFileSync(EX + 'xgboost_ccfraud.onnx'), { workspaceId: ws.id, name: 'ccfraud-xgb', tensorFields: ['tensor'] });
  const p = await engine.pipelines.apply({
    workspaceId: ws.id,
    name: 'ccfraud',
    steps: [{ model: 'ccfraud' }],
    validations: { high_fraud: 'pl.col("out.dense_1").list.get(0) > 0.9' },
  });
  await engine.deployments.deploy({ pipelineId: p.pipeline.id });
  const xgb = await engine.pipelines.apply({ workspaceId: ws.id, name: 'xgb', steps: [{ model: 'ccfraud-xgb' }] });
  await engine.deployments.deploy({ pipelineId: xgb.pipeline.id });
  await engine.close();
});
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe('joey infer / joey logs (e2e through bin/run.js)', () => {
  it('smoke_test.df.json through ccfraud answers the seeds\' 0.0014974177', () => {
    const r = joey('infer', 'fraud/ccfraud', '--file', FX + 'smoke_test.df.json', '--json');
    expect(r.err).toBe('');
    const [row] = JSON.parse(r.out);
    expect(row['out.dense_1']).toEqual([0.0014974177]);
    expect(row['anomaly.high_fraud']).toBe(false);
  });

  it('high_fraud.df.json is flagged; xgboost answers too', () => {
    const [row] = JSON.parse(joey('infer', 'fraud/ccfraud', '--file', FX + 'high_fraud.df.json', '--json').out);
    expect(row['out.dense_1'][0]).toBeCloseTo(0.981199, 6);
    expect([row['anomaly.count'], row['anomaly.high_fraud']]).toEqual([1, true]);
    const [x] = JSON.parse(joey('infer', 'fraud/xgb', '--file', FX + 'high_fraud.df.json', '--json').out);
    expect(Object.keys(x)).toEqual(['time', 'in.tensor', 'out.variable', 'anomaly.count']);
  });

  it('cc_data_10k.arrow in → Arrow out, with --out', () => {
    const out = path.join(state, 'result.arrow');
    const r = joey('infer', 'fraud/ccfraud', '--file', FX + 'cc_data_10k.arrow', '--out', out);
    expect(r.out).toMatch(/10254 rows → /);
    const t = arrow.tableFromIPC(readFileSync(out));
    expect(t.numRows).toBe(10254);
    expect((t.getChild('out.dense_1')!.get(0) as arrow.Vector).get(0)).toBeCloseTo(0.99300325, 6);
  });

  it('bad input: a one-line error naming the column and shapes, exit 1', () => {
    const bad = path.join(state, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ tensor: [1, 2, 3] }]));
    const r = joey('infer', 'fraud/ccfraud', '--file', bad);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe('error: column "tensor" has shape [N, 3] but model "ccfraud" input "dense_input" expects float32 [N, 29]');
  });

  it('joey logs: newest first, --limit, dataset, --arrow, --export split by size', () => {
    const r = joey('logs', 'fraud/ccfraud', '--limit', '2', '--json');
    const doc = JSON.parse(r.out);
    expect(doc.rows).toHaveLength(2);
    expect(doc.truncated).toBe(true);
    expect(Object.keys(doc.rows[0])).toEqual(['time', 'in.tensor', 'out.dense_1', 'anomaly.count', 'anomaly.high_fraud']);
    const text = joey('logs', 'fraud/ccfraud', '--limit', '1', '--dataset', 'time,out,metadata').out;
    expect(text.split('\n')[0]).toMatch(/^time\s+out.dense_1\s+metadata.pipeline_version\s+metadata.elapsed\s+metadata.last_model\s+metadata.partition$/);
    const all = joey('logs', 'fraud/ccfraud', '--start', '2000-01-01T00:00:00Z', '--end', '2100-01-01T00:00:00Z', '--arrow', '--out', path.join(state, 'all.arrow'));
    expect(all.code).toBe(0);
    expect(arrow.tableFromIPC(readFileSync(path.join(state, 'all.arrow'))).numRows).toBeGreaterThanOrEqual(10254 + 2);
    const dir = path.join(state, 'export');
    const ex = joey('logs', 'fraud/ccfraud', '--export', dir, '--size-limit', '1MiB', '--start', '2000-01-01T00:00:00Z', '--end', '2100-01-01T00:00:00Z', '--json');
    const res = JSON.parse(ex.out);
    expect(res.files.length).toBeGreaterThan(1);
    expect(readdirSync(dir).sort()[0]).toBe('ccfraud-1.json');
  });
});

describe('joey apply examples → joey infer', () => {
  it('the examples repo, applied, answers on ccfraud and routes the A/B pipeline by customer_id', () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'joey-infer-examples-'));
    try {
      copyExamples(repo);
      const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/run.js'), ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
      const applied = run('apply', '.', '--auto-approve');
      expect(applied.status, applied.stderr).toBe(0);
      const [row] = JSON.parse(run('infer', 'fraud/ccfraud', '--file', FX + 'high_fraud.df.json', '--json').stdout);
      expect(row['anomaly.high_fraud']).toBe(true);
      const tensor = JSON.parse(readFileSync(FX + 'smoke_test.df.json', 'utf8'))[0].tensor;
      const ids = Array.from({ length: 12 }, (_, i) => `customer-${i}`);
      writeFileSync(path.join(repo, 'ab.json'), JSON.stringify(ids.map((customer_id) => ({ customer_id, tensor }))));
      const once = JSON.parse(run('infer', 'fraud/ccfraud-ab', '--file', path.join(repo, 'ab.json'), '--json').stdout) as Record<string, unknown>[];
      const twice = JSON.parse(run('infer', 'fraud/ccfraud-ab', '--file', path.join(repo, 'ab.json'), '--json').stdout) as Record<string, unknown>[];
      const models = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.parse((r['out._model_split'] as string[])[0]!).name);
      expect(models(twice)).toEqual(models(once));
      expect(new Set(models(once))).toEqual(new Set(['ccfraud', 'ccfraud-xgb']));
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
