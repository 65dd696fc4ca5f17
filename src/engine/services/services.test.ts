import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../index.js';
import type { DeploymentRuntime } from '../runtime-port.js';

const fixtures = fileURLToPath(new URL('../../../test/engine-fixtures/', import.meta.url));
const ccfraud = readFileSync(join(fixtures, 'ccfraud.onnx'));
const xgb = readFileSync(join(fixtures, 'xgboost_ccfraud.onnx'));

let engine: Engine;
beforeEach(async () => {
  engine = await Engine.open({ stateDir: mkdtempSync(join(tmpdir(), 'joey-engine-')) });
});

async function workspace(name = 'fraud') {
  return engine.workspaces.create({ name, owner: 'alice' });
}

describe('workspaces', () => {
  it('creates with the creator as owner, unique names, members, archive', async () => {
    const ws = await workspace();
    expect(ws).toMatchObject({ id: 1, name: 'fraud', archived: false, created_by: 'alice', members: [{ user: 'alice', role: 'owner' }], labels: {} });
    await expect(workspace()).rejects.toMatchObject({ code: 'conflict', status: 409 });
    await expect(engine.workspaces.create({ name: 'Bad_Name', owner: 'a' })).rejects.toMatchObject({ status: 400 });
    const w2 = await engine.workspaces.addUser(ws.id, 'bob');
    expect(w2.members).toEqual([{ user: 'alice', role: 'owner' }, { user: 'bob', role: 'collaborator' }]);
    expect(engine.workspaces.list({ user: 'bob' }).map((w) => w.name)).toEqual(['fraud']);
    expect(() => engine.workspaces.requireMember(ws.id, { user: 'eve', admin: false })).toThrow(/not a member/);
    await expect(engine.workspaces.removeUser(ws.id, 'alice')).rejects.toThrow(/last owner/);
    expect((await engine.workspaces.archive(ws.id)).archived).toBe(true);
    expect(engine.workspaces.list({ includeArchived: false })).toEqual([]);
  });
});

describe('models', () => {
  it('introspects ONNX, identifies versions by sha256, rejects garbage', async () => {
    const ws = await workspace();
    const a = await engine.models.upload(ccfraud, { workspaceId: ws.id, name: 'ccfraud', fileName: 'ccfraud.onnx' });
    expect(a.created).toBe(true);
    expect(a.version).toMatchObject({ status: 'ready', runtime: 'onnx', framework: 'onnx', sha: a.version.sha, file_name: 'ccfraud.onnx' });
    expect(a.version.inputs).toEqual([{ name: 'dense_input', type: 'float32', shape: ['N', 29] }]);
    expect(a.version.outputs).toEqual([{ name: 'dense_1', type: 'float32', shape: ['N', 1] }]);
    expect(engine.store.readBlob(a.version.sha).equals(ccfraud)).toBe(true);
    const again = await engine.models.upload(ccfraud, { workspaceId: ws.id, name: 'ccfraud', tensorFields: ['tensor'], batchConfig: 'single' });
    expect(again.created).toBe(false);
    expect(again.version.version).toBe(a.version.version);
    expect(again.version).toMatchObject({ tensor_fields: ['tensor'], batch_config: 'single' });
    const b = await engine.models.upload(xgb, { workspaceId: ws.id, name: 'ccfraud' });
    expect(b.created).toBe(true);
    expect(engine.models.versions(a.model.id).map((v) => v.id)).toEqual([b.version.id, a.version.id]);
    await expect(engine.models.upload(Buffer.from('not a model'), { workspaceId: ws.id, name: 'junk' })).rejects.toMatchObject({ code: 'invalid_model', status: 400 });
    expect(engine.models.byName(ws.id, 'junk')).toBeUndefined();
    await expect(engine.models.upload(ccfraud, { workspaceId: ws.id, name: 'x', tensorFields: ['a', 'b'] })).rejects.toThrow(/1 input/);
  });

  it('records other frameworks with schemas for containerized runtimes', async () => {
    const ws = await workspace();
    await expect(engine.models.upload(Buffer.from('pickle'), { workspaceId: ws.id, name: 'sk', framework: 'sklearn' })).rejects.toThrow(/inputSchema/);
    const r = await engine.models.upload(Buffer.from('pickle'), { workspaceId: ws.id, name: 'sk', framework: 'sklearn', inputSchema: { x: 'float64' }, outputSchema: { y: 'float64' } });
    expect(r.version).toMatchObject({ runtime: 'containerized', status: 'ready', input_schema: { x: 'float64' } });
  });
});

describe('deployment configs', () => {
  it('applies the platform rules', async () => {
    const ws = await workspace();
    const ok = await engine.deploymentConfigs.put({ workspaceId: ws.id, name: 'small', spec: { cpus: 0.25, memory: '1Gi', replicas: 2 } });
    expect(ok.spec).toEqual({ cpus: 0.25, memory: '1Gi', replicas: 2 });
    const bad = (spec: object) => engine.deploymentConfigs.put({ workspaceId: ws.id, name: 'bad', spec: spec as never });
    await expect(bad({ gpus: 1 })).rejects.toThrow(/deploymentLabel/);
    await expect(bad({ gpus: 0.5, deploymentLabel: 'gpu' })).rejects.toThrow(/whole units/);
    await expect(bad({ replicas: 1, autoscale: { min: 1, max: 2 } })).rejects.toThrow(/not both/);
    await expect(bad({ autoscale: { min: 3, max: 2 } })).rejects.toThrow(/greater than max/);
    await expect(bad({ memory: 'lots' })).rejects.toThrow(/quantity/);
    await expect(bad({ sidekicks: { m: { gpus: 1 } } })).rejects.toThrow(/deploymentLabel/);
    await expect(bad({ arch: 'sparc' })).rejects.toThrow(/x86 or arm/);
    const replaced = await engine.deploymentConfigs.put({ workspaceId: ws.id, name: 'small', spec: { cpus: 1 } });
    expect(replaced.id).toBe(ok.id);
    expect(engine.deploymentConfigs.list(ws.id)).toHaveLength(1);
  });
});

describe('pipelines and deployments', () => {
  it('versions only on definition change, newest first; copy; deploy/redeploy/undeploy with seeds status', async () => {
    const ws = await workspace();
    const m = await engine.models.upload(ccfraud, { workspaceId: ws.id, name: 'ccfraud' });
    await engine.models.upload(xgb, { workspaceId: ws.id, name: 'xgb' });
    const p1 = await engine.pipelines.apply({ workspaceId: ws.id, name: 'fraud-pipe', steps: [{ model: 'ccfraud' }], validations: { high: 'pl.col("out.dense_1").list.get(0) > 0.9' }, tags: ['prod'] });
    expect(p1).toMatchObject({ created: true, newVersion: true });
    expect(p1.version.definition.steps).toEqual([{ model: { name: 'ccfraud', version: m.version.version, sha: m.version.sha } }]);
    const same = await engine.pipelines.apply({ workspaceId: ws.id, name: 'fraud-pipe', steps: [{ ModelInference: { models: [{ name: 'ccfraud', version: m.version.version, sha: m.version.sha }] } }], validations: { high: 'pl.col("out.dense_1").list.get(0) > 0.9' } });
    expect(same).toMatchObject({ created: false, newVersion: false });
    expect(same.version.id).toBe(p1.version.id);
    const p2 = await engine.pipelines.apply({ workspaceId: ws.id, name: 'fraud-pipe', steps: [{ shadow: { champion: 'ccfraud', challengers: ['xgb'] } }] });
    expect(p2.newVersion).toBe(true);
    expect(engine.pipelines.versions(p1.pipeline.id).map((v) => v.version)).toEqual([p2.version.version, p1.version.version]);
    await expect(engine.pipelines.apply({ workspaceId: ws.id, name: 'x', steps: [{ model: 'nope' }] })).rejects.toMatchObject({ status: 404 });
    await expect(engine.pipelines.apply({ workspaceId: ws.id, name: 'x', validations: { count: 'pl.col("a") > 1' } })).rejects.toThrow(/reserved/);
    await expect(engine.pipelines.apply({ workspaceId: ws.id, name: 'x', validations: { v: 'pl.col("a") >' } })).rejects.toMatchObject({ code: 'invalid_expression' });
    await expect(engine.pipelines.apply({ workspaceId: ws.id, name: 'x', steps: [{ abTest: { champion: 'ccfraud', challengers: [{ model: 'xgb', weight: 0 }] } }] })).rejects.toThrow(/weight/);
    const copy = await engine.pipelines.copy(p1.pipeline.id, { name: 'fraud-copy' });
    expect(copy.version.definition).toEqual(p2.version.definition);
    expect(copy.pipeline.tags).toEqual(['prod']);

    await engine.deploymentConfigs.put({ workspaceId: ws.id, name: 'small', spec: { cpus: 0.5, memory: '512Mi' } });
    const d = await engine.deployments.deploy({ pipelineId: p1.pipeline.id, versionId: p1.version.id, configName: 'small' });
    expect(d).toMatchObject({ status: 'Running', deployed: true, name: 'fraud-pipe', engine_config: { cpus: 0.5, memory: '512Mi' } });
    const st = engine.deployments.status(d);
    expect(st.status).toBe('Running');
    expect(st.engines[0]!.model_statuses.models).toEqual([{ name: 'ccfraud', version: m.version.version, sha: m.version.sha, status: 'Running' }]);
    expect(st.engines[0]!.pipeline_statuses.pipelines).toEqual([{ id: 'fraud-pipe', status: 'Running' }]);
    const d2 = await engine.deployments.deploy({ pipelineId: p1.pipeline.id });
    expect(d2.id).toBe(d.id);
    expect(d2.pipeline_version_id).toBe(p2.version.id);
    expect(engine.deployments.status(d2).engines[0]!.model_statuses.models.map((x) => x.name)).toEqual(['ccfraud', 'xgb']);
    expect(engine.deployments.externalUrl(d2, 'http://h:1')).toBe(`http://h:1/v1/api/pipelines/infer/fraud-pipe-${d.id}/fraud-pipe`);
    await expect(engine.models.delete(m.model.id)).rejects.toMatchObject({ status: 409 });
    const u = await engine.deployments.undeploy(d.id);
    expect(u.deployed).toBe(false);
    expect(engine.deployments.status(u).status).toBe('Pipeline fraud-pipe is not deployed');
    await engine.models.delete(m.model.id);
    expect(engine.models.byName(ws.id, 'ccfraud')).toBeUndefined();
    expect(() => engine.models.getVersion(m.version.id)).toThrow(/not found/);
  });

  it('applies the arch and GPU rules at deploy time', async () => {
    const ws = await workspace();
    await engine.models.upload(ccfraud, { workspaceId: ws.id, name: 'arm-model', arch: 'arm' });
    const p = await engine.pipelines.apply({ workspaceId: ws.id, name: 'arm-pipe', steps: [{ model: 'arm-model' }] });
    await expect(engine.deployments.deploy({ pipelineId: p.pipeline.id, config: { cpus: 1 } })).rejects.toThrow(/arch: arm/);
    expect((await engine.deployments.deploy({ pipelineId: p.pipeline.id, config: { arch: 'arm' } })).status).toBe('Running');
    const gpu = await engine.deployments.deploy({ pipelineId: p.pipeline.id, config: { arch: 'arm', gpus: 1, deploymentLabel: 'gpu-pool' } });
    expect(gpu.status).toBe('Error');
    expect(gpu.reason).toMatch(/no GPUs/);
    await engine.models.upload(Buffer.from('weights'), { workspaceId: ws.id, name: 'sk', framework: 'sklearn', inputSchema: { x: 'float64' }, outputSchema: { y: 'float64' } });
    const sk = await engine.pipelines.apply({ workspaceId: ws.id, name: 'sk-pipe', steps: [{ model: 'sk' }] });
    const d = await engine.deployments.deploy({ pipelineId: sk.pipeline.id });
    expect(d.status).toBe('Error');
    expect(engine.deployments.status(d).sidekicks).toEqual([{ name: `engine-sidekick-sk-${d.id}`, status: 'Error', reason: expect.stringMatching(/containerized runtime/), details: [] }]);
  });

  it('marks a deployment Error when the runtime cannot load it', async () => {
    const failing: DeploymentRuntime = { load: async () => { throw new Error('boom: no memory'); }, unload: async () => {} };
    engine.setRuntime(failing);
    const ws = await workspace();
    await engine.models.upload(ccfraud, { workspaceId: ws.id, name: 'ccfraud' });
    const p = await engine.pipelines.apply({ workspaceId: ws.id, name: 'p', steps: [{ model: 'ccfraud' }] });
    const d = await engine.deployments.deploy({ pipelineId: p.pipeline.id });
    expect(d.status).toBe('Error');
    expect(engine.deployments.status(d)).toMatchObject({ status: 'Error', details: ['boom: no memory'] });
  });
});

describe('connections and tags', () => {
  it('never returns secret values in clear and resolves references in-process', async () => {
    const ws = await workspace();
    const f = join(mkdtempSync(join(tmpdir(), 'sec-')), 'pw');
    writeFileSync(f, 's3cret-file\n');
    const c = await engine.connections.put({ workspaceId: ws.id, name: 'db', type: 'postgres', details: { host: 'db.local', password: 'env:DB_PW', api_key: 'literal-key', cert: `file:${f}` } });
    expect(c.details).toEqual({ host: 'db.local', password: 'env:DB_PW', api_key: '********', cert: `file:${f}` });
    expect(JSON.stringify(engine.connections.list())).not.toContain('literal-key');
    expect(engine.connections.resolveDetails(c.id, { DB_PW: 'hunter2' })).toEqual({ host: 'db.local', password: 'hunter2', api_key: 'literal-key', cert: 's3cret-file' });
    expect(() => engine.connections.resolveDetails(c.id, {})).toThrow(/DB_PW is not set/);
    const m = await engine.models.upload(ccfraud, { workspaceId: ws.id, name: 'ccfraud', tags: ['prod'] });
    const p = await engine.pipelines.apply({ workspaceId: ws.id, name: 'p', steps: [{ model: 'ccfraud' }], tags: ['prod', 'risk'] });
    expect(engine.tags.list(ws.id)).toEqual([
      { tag: 'prod', pipelines: [{ id: p.pipeline.id, name: 'p' }], models: [{ id: m.model.id, name: 'ccfraud' }] },
      { tag: 'risk', pipelines: [{ id: p.pipeline.id, name: 'p' }], models: [] },
    ]);
  });

  it('tokens are stored hashed and verify to their user', async () => {
    const { token, record } = await engine.tokens.create({ user: 'alice' });
    expect(engine.tokens.verify(token)).toEqual({ user: 'alice', admin: false });
    expect(engine.tokens.verify(token + 'x')).toBeUndefined();
    expect(JSON.stringify(engine.store.list('tokens'))).not.toContain(token);
    expect(record.id).toHaveLength(64);
  });
});
