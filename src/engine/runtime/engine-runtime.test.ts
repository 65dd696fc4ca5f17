import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/temp-dirs.js';
import { Engine } from '../index.js';
import { EngineRuntime } from './index.js';

const FX = new URL('../../../test/fixtures/runtime/', import.meta.url).pathname;
const tmp = tempDirs('joey-rt-');

async function deployed(stateDir: string) {
  const engine = await Engine.open({ stateDir });
  const rt = EngineRuntime.of(engine);
  const ws = await engine.workspaces.create({ name: 'fraud', owner: 'admin' });
  await engine.models.upload(readFileSync(FX + 'ccfraud.onnx'), { workspaceId: ws.id, name: 'ccfraud', tensorFields: ['tensor'] });
  await engine.models.upload(readFileSync(FX + 'xgboost_ccfraud.onnx'), { workspaceId: ws.id, name: 'xgb', tensorFields: ['tensor'] });
  const { pipeline } = await engine.pipelines.apply({
    workspaceId: ws.id,
    name: 'ccfraud',
    steps: [{ shadow: { champion: 'ccfraud', challengers: ['xgb'] } }],
    validations: { fraud: 'pl.col("out.dense_1").list.get(0) > 0.9' },
  });
  const d = await engine.deployments.deploy({ pipelineId: pipeline.id });
  return { engine, rt, d };
}

describe('EngineRuntime: the engine\'s DeploymentRuntime', () => {
  it('a deployed pipeline answers; logs land under <workspace>/<pipeline>; another process loads it lazily', async () => {
    const stateDir = tmp();
    const { engine, rt, d } = await deployed(stateDir);
    expect(d.status).toBe('Running');
    const r = await rt.infer(rt.deploymentOf('fraud', 'ccfraud'), { body: readFileSync(FX + 'high_fraud.df.json', 'utf8'), format: 'json' });
    expect(r.contentType).toBe('application/json; format=pandas-records');
    const [row] = JSON.parse(r.body as string);
    expect(Object.keys(row)).toEqual(['time', 'in.tensor', 'out.dense_1', 'out_xgb.variable', 'anomaly.count', 'anomaly.fraud']);
    expect(row['anomaly.fraud']).toBe(true);
    await rt.close();
    const logged = rt.logs.read('fraud/ccfraud', { dataset: ['*', 'metadata'] }).table;
    expect(logged.numRows).toBe(1);
    expect(logged.getChild('metadata.pipeline_version')!.get(0)).toBe(engine.pipelines.getVersion(d.pipeline_version_id).version);
    await engine.close();

    // A second engine on the same state (e.g. `joey infer` in another process) loads the deployment on first use.
    const again = await Engine.open({ stateDir });
    const rt2 = EngineRuntime.of(again);
    const r2 = await rt2.infer(rt2.deploymentOf('fraud', 'ccfraud'), { body: readFileSync(FX + 'smoke_test.df.json', 'utf8'), format: 'json', answer: 'arrow' });
    expect(r2.contentType).toBe('application/vnd.apache.arrow.file');
    expect(r2.rows).toBe(1);
    await rt2.close();
    expect(rt2.logs.read('fraud/ccfraud').table.numRows).toBe(2);
    await again.close();
  });

  it('an undeployed pipeline answers 409', async () => {
    const stateDir = tmp();
    const { engine, rt, d } = await deployed(stateDir);
    await engine.deployments.undeploy(d.id);
    expect(() => rt.deploymentOf('fraud', 'ccfraud')).toThrow(/not deployed/);
    await engine.close();
  });
});
