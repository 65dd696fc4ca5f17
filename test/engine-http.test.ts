import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/index.js';
import { startServer, type RunningServer } from '../src/engine/http/server.js';
import { HttpClient, LocalClient } from '../src/providers/engine/client.js';
import { JoeyError } from '../src/model/index.js';
import { workspaceRoutes } from '../src/engine/http/routes/workspaces.js';
import { modelRoutes } from '../src/engine/http/routes/models.js';
import { pipelineRoutes } from '../src/engine/http/routes/pipelines.js';
import { configRoutes } from '../src/engine/http/routes/config.js';

const fixtures = fileURLToPath(new URL('./engine-fixtures/', import.meta.url));
const ccfraud = readFileSync(join(fixtures, 'ccfraud.onnx'));

let engine: Engine;
let srv: RunningServer;
let alice: HttpClient;
let eve: HttpClient;
let aliceToken: string;

beforeAll(async () => {
  engine = await Engine.open({ stateDir: mkdtempSync(join(tmpdir(), 'joey-http-')) });
  srv = await startServer(engine, { port: 0, maxJsonBytes: 64 * 1024, maxUploadBytes: 4 * 1024 * 1024 });
  aliceToken = (await engine.tokens.create({ user: 'alice' })).token;
  alice = new HttpClient(srv.url, aliceToken);
  eve = new HttpClient(srv.url, (await engine.tokens.create({ user: 'eve' })).token);
});
afterAll(async () => {
  await srv?.close();
  await engine?.close();
});

const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(srv.url + path, { method: 'POST', headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json', ...headers }, body: body as unknown as BodyInit });

async function errorOf(p: Promise<unknown>): Promise<JoeyError> {
  const e = await p.then(() => undefined, (x) => x);
  expect(e).toBeInstanceOf(JoeyError);
  return e as JoeyError;
}

describe('engine HTTP API', () => {
  it('workspace → upload ccfraud.onnx → pipeline → deploy, with the seeds\' response shapes', async () => {
    const { workspace_id } = await alice.createWorkspace('fraud');
    expect(workspace_id).toEqual(expect.any(Number));

    // the seeds' multipart upload: metadata JSON + file
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name: 'ccfraud', visibility: 'public', workspace_id, conversion: { framework: 'onnx', python_version: '3.8', requirements: [] } }));
    form.append('file', new Blob([ccfraud]), 'ccfraud.onnx');
    const res = await fetch(srv.url + '/v1/api/models/upload_and_convert', { method: 'POST', headers: { authorization: `Bearer ${aliceToken}` }, body: form });
    expect(res.status).toBe(200);
    const up = (await res.json()) as { insert_models: { returning: { models: { id: number; sha: string; model_version: string }[] }[] } };
    const model = up.insert_models.returning[0]!.models[0]!;
    expect(model.id).toEqual(expect.any(Number));

    // same bytes through the typed client (raw upload) = same version
    const again = await alice.uploadModel(workspace_id, 'ccfraud', ccfraud);
    expect(again.insert_models.returning[0]!.models[0]).toMatchObject({ id: model.id, sha: model.sha, model_version: model.model_version, created: false });

    const versions = await alice.listModelVersions(model.id);
    expect(versions.at(-1)).toMatchObject({ sha: model.sha, model_version: model.model_version, status: 'ready', inputs: [{ name: 'dense_input', type: 'float32', shape: ['N', 29] }] });

    const created = await alice.createPipeline(workspace_id, 'ccfraud-pipe', { steps: [{ ModelInference: { models: [{ name: 'ccfraud', version: model.model_version, sha: model.sha }] } }] });
    expect(Object.keys(created)).toEqual(expect.arrayContaining(['pipeline_pk_id', 'pipeline_variant_pk_id', 'pipeline_variant_version']));
    expect(created.pipeline_variant_version).toMatch(/^[0-9a-f-]{36}$/);

    const dep = await alice.deployPipeline({ deploy_id: 'ccfraud-pipe', pipeline_id: created.pipeline_pk_id, pipeline_version_pk_id: created.pipeline_variant_pk_id, engine_config: { cpus: 0.25, memory: '1Gi' } });
    expect(dep).toMatchObject({ id: expect.any(Number) });

    const st = await alice.getDeployment(`ccfraud-pipe-${dep.id}`);
    expect(Object.keys(st).sort()).toEqual(['details', 'engine_lbs', 'engines', 'sidekicks', 'status']);
    expect(st.status).toBe('Running');
    expect(st.engines[0]).toMatchObject({ status: 'Running', reason: null, pipeline_statuses: { pipelines: [{ id: 'ccfraud-pipe', status: 'Running' }] } });
    expect(st.engines[0]!.model_statuses.models).toEqual([{ name: 'ccfraud', version: model.model_version, sha: model.sha, status: 'Running' }]);

    const { url } = await alice.getExternalUrl(workspace_id, 'ccfraud-pipe');
    expect(url).toBe(`${srv.url}/v1/api/pipelines/infer/ccfraud-pipe-${dep.id}/ccfraud-pipe`);

    const copy = await alice.copyPipeline(created.pipeline_pk_id, 'ccfraud-copy');
    expect(copy).toMatchObject({ pipeline_pk_id: expect.any(Number), deployment: null });

    await alice.undeployPipeline(created.pipeline_pk_id, dep.id);
    expect((await alice.getDeployment(`ccfraud-pipe-${dep.id}`)).status).toBe('Pipeline ccfraud-pipe is not deployed');

    // the in-process client, acting as alice, gives the same answers
    const local = new LocalClient(engine, { user: 'alice', admin: false });
    expect(await local.getPipeline(created.pipeline_pk_id)).toEqual(await alice.getPipeline(created.pipeline_pk_id));
    expect(await local.listWorkspaces()).toEqual(await alice.listWorkspaces());
  });

  it('401 without a token, 403 for a non-member (without the data)', async () => {
    const { workspace_id } = await alice.createWorkspace('private-ws');
    const anon = new HttpClient(srv.url);
    expect((await errorOf(anon.listWorkspaces())).status).toBe(401);
    expect((await errorOf(new HttpClient(srv.url, 'joey_wrong').listWorkspaces())).status).toBe(401);
    const res = await fetch(srv.url + '/v1/api/models/list', { method: 'POST', headers: { authorization: `Bearer ${(eve as unknown as { token: string }).token}` }, body: JSON.stringify({ workspace_id }) });
    expect(res.status).toBe(403);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['code', 'message']);
    expect(body.code).toBe('forbidden');
    expect((await eve.listWorkspaces()).workspaces).toEqual([]);
    expect((await errorOf(eve.getWorkspace({ workspace_id })))).toMatchObject({ status: 403 });
    expect((await errorOf(eve.uploadModel(workspace_id, 'm', ccfraud)))).toMatchObject({ status: 403 });
    // a collaborator may read but not manage members
    await alice.addUser(workspace_id, 'eve');
    expect((await eve.getWorkspace({ workspace_id })).name).toBe('private-ws');
    expect((await errorOf(eve.addUser(workspace_id, 'mallory')))).toMatchObject({ status: 403 });
  });

  it('clear 4xx errors for garbage models, oversized bodies, bad JSON, unknown ids and routes; the server stays up', async () => {
    const { workspace_id } = await alice.createWorkspace('errors');
    const garbage = await errorOf(alice.uploadModel(workspace_id, 'junk', Buffer.from('this is not an onnx model')));
    expect(garbage).toMatchObject({ status: 400, code: 'invalid_model' });
    expect(garbage.message).toMatch(/not a loadable ONNX model/);

    const big = await post('/v1/api/workspaces/list', JSON.stringify({ pad: 'x'.repeat(200 * 1024) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'too_large' });
    const bigUpload = await post(`/v1/api/models/upload_and_convert?metadata=${encodeURIComponent(JSON.stringify({ name: 'big', workspace_id }))}`, new Uint8Array(5 * 1024 * 1024), { 'content-type': 'application/octet-stream' });
    expect(bigUpload.status).toBe(413);

    const bad = await post('/v1/api/workspaces/create', '{"workspace_name": ');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'bad_json' });
    expect((await post('/v1/api/workspaces/create', '[1,2]')).status).toBe(400);

    expect(await errorOf(alice.getPipeline(999999))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(alice.getModelVersion(424242))).toMatchObject({ status: 404 });
    expect(await errorOf(alice.getDeployment('nope-77'))).toMatchObject({ status: 404 });
    expect(await errorOf(alice.call('/v1/api/no/such/route'))).toMatchObject({ status: 404 });
    expect(await errorOf(alice.call('/v1/api/pipelines/get_pipeline', { pipeline_id: 'not-a-number-or-name' }))).toMatchObject({ status: 400 });
    expect((await fetch(srv.url + '/v1/api/workspaces/list', { headers: { authorization: `Bearer ${aliceToken}` } })).status).toBe(405);
    expect(await errorOf(alice.createPipeline(workspace_id, 'p', { steps: [{ model: 'missing' }] }))).toMatchObject({ status: 404 });
    expect(await errorOf(alice.putDeploymentConfig(workspace_id, 'gpu', { gpus: 1 }))).toMatchObject({ status: 400 });

    // still serving
    expect(await alice.whoami()).toEqual({ user: 'alice', admin: false });
  });

  it('no malformed body on any engine route makes a 5xx', async () => {
    const { workspace_id } = await alice.createWorkspace('fuzz');
    const values: unknown[] = [null, true, 0, -1, 1.5, 1e308, 'x', '', [], [1], {}, { a: { b: [] } }, workspace_id, String(workspace_id), 999999];
    const fields = ['workspace_id', 'workspace_name', 'pipeline_id', 'name', 'model_id', 'models_pk_id', 'model_version_id', 'source_pipeline', 'definition', 'steps', 'email', 'members', 'labels', 'tags', 'spec', 'details', 'type', 'id', 'deploy_id', 'engine_config', 'pipeline_version_pk_id', 'deployment_id', 'pipeline_name', 'metadata'];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const failures: string[] = [];
    let calls = 0;
    for (const r of [...workspaceRoutes, ...modelRoutes, ...pipelineRoutes, ...configRoutes]) {
      for (let i = 0; i < 12; i++) {
        const body: Record<string, unknown> = {};
        for (let k = 0; k < 1 + rnd(4); k++) body[fields[rnd(fields.length)]!] = values[rnd(values.length)];
        if (rnd(2)) body.workspace_id = workspace_id;
        const res = await post(r.path, JSON.stringify(body), r.raw ? { 'content-type': rnd(2) ? 'multipart/form-data; boundary=zz' : 'application/octet-stream' } : {});
        calls++;
        if (res.status >= 500) failures.push(`${r.path} ${JSON.stringify(body)} -> ${res.status} ${await res.text()}`);
        else await res.arrayBuffer();
      }
    }
    // eslint-disable-next-line no-console
    console.log(`[engine-http] fuzz calls=${calls} 5xx=${failures.length}`);
    expect(failures).toEqual([]);
    expect(await alice.whoami()).toEqual({ user: 'alice', admin: false });
  });

  it('connections never come back in clear', async () => {
    const { workspace_id } = await alice.createWorkspace('conns');
    const c = await alice.createConnection({ workspace_id, name: 'db', type: 'postgres', details: { host: 'db', password: 'hunter2', token: 'env:DB_TOKEN' } });
    expect(c.details).toEqual({ host: 'db', password: '********', token: 'env:DB_TOKEN' });
    const all = JSON.stringify(await alice.listConnections(workspace_id));
    expect(all).not.toContain('hunter2');
  });
});
