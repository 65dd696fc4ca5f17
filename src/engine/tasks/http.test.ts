import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../index.js';
import { startServer, type RunningServer } from '../http/server.js';
import { orchestrationZip } from './testing.js';

// The seeds' HTTP calls, verbatim in shape: multipart upload with `file` + `metadata`, then POST + JSON.
let dir: string;
let engine: Engine;
let server: RunningServer;
let token: string;
let wsId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'joey-tasks-http-'));
  engine = await Engine.open({ stateDir: join(dir, 'state') });
  wsId = (await engine.workspaces.create({ name: 'orch', owner: 'alice' })).id;
  token = (await engine.tokens.create({ user: 'alice' })).token;
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

async function upload(zip: Uint8Array, name: string) {
  const form = new FormData();
  form.append('file', new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), name);
  form.append('metadata', new Blob([JSON.stringify({ workspace_id: wsId })], { type: 'application/json' }), 'metadata');
  const r = await fetch(server.url + '/v1/api/orchestration/upload', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: r.status, body: (await r.json()) as any };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('orchestration and task API', () => {
  it('uploads, runs once (started detached: no scheduler), lists runs and logs', async () => {
    const up = await upload(orchestrationZip({ 'main.py': 'import wallaroo\nprint(wallaroo.task_args())' }), 'api_inference_orchestration.zip');
    expect(up.status).toBe(200);
    expect(up.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const list = await post('/v1/api/orchestration/list', { workspace_id: wsId });
    expect(list.body).toEqual([expect.objectContaining({ id: up.body.id, name: 'api_inference_orchestration', file_name: 'api_inference_orchestration.zip', status: 'ready' })]);

    const created = await post('/v1/api/task/run_once', { workspace_id: wsId, orch_id: up.body.id, name: 'api once', json: { pipeline_name: 'p1' }, timeout: 60 });
    expect(created.status).toBe(200);
    const id = created.body.id;
    let runs: any[] = [];
    for (let i = 0; i < 200 && !(runs[0] && runs[0].status !== 'running'); i++) {
      await sleep(50);
      runs = (await post('/v1/api/task/list_task_runs', { task_id: id })).body;
    }
    expect(runs[0]).toMatchObject({ task: id, status: 'success' });
    const logs = await post('/v1/api/task/get_logs_for_run', { id: runs[0].run_id });
    expect(logs.body.logs).toHaveLength(1);
    expect(logs.body.logs[0]).toMatch(/^\S+Z stdout F \{'pipeline_name': 'p1'\}$/);

    const got = await post('/v1/api/task/get_by_id', { id });
    expect(got.body).toMatchObject({ id, name: 'api once', workspace_id: wsId, input_data: { pipeline_name: 'p1' }, killed: false, flavor: 'exec_orch_oneshot', status: 'started' });
    expect(got.body.last_runs).toEqual([{ run_id: runs[0].run_id, status: 'success', created_at: runs[0].created_at }]);
    expect(got.body.extra_env_vars).toEqual({ ORCH_SHA: up.body.sha, TASK_ID: id });
  });

  it('schedules, lists, kills', async () => {
    const up = await upload(orchestrationZip({ 'main.py': 'pass' }), 'cron.zip');
    const s = await post('/v1/api/task/run_scheduled', { workspace_id: wsId, orch_id: up.body.id, schedule: '*/1 * * * *', json: {} });
    expect(s.status).toBe(200);
    const tasks = (await post('/v1/api/task/list', { workspace_id: wsId })).body;
    expect(tasks[0]).toMatchObject({ id: s.body.id, schedule: '*/1 * * * *', type: 'Scheduled Run', status: 'pending', killed: false });
    const k = await post('/v1/api/task/kill', { id: s.body.id });
    expect(k.body).toMatchObject({ id: s.body.id, status: 'pending_kill', killed: true, schedule: '*/1 * * * *' });
    const killed = (await post('/v1/api/task/list', { workspace_id: wsId, killed: true })).body;
    expect(killed.map((t: any) => t.id)).toEqual([s.body.id]);
    const bySha = await post('/v1/api/task/get_tasks_by_orch_sha', { sha: up.body.sha });
    expect(bySha.body).toEqual({ ids: [s.body.id] });
  });

  it('rejects a malicious zip with a clear 400, and a bad cron', async () => {
    const bad = await upload(orchestrationZip({ 'main.py': '', '../../escape.py': 'x' }), 'evil.zip');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: 'orchestration_rejected', message: 'orchestration "evil": orchestration zip rejected: entry "../../escape.py" escapes the orchestration folder ("..")' });
    const up = await upload(orchestrationZip({ 'main.py': '' }), 'ok.zip');
    const s = await post('/v1/api/task/run_scheduled', { workspace_id: wsId, orch_id: up.body.id, schedule: 'every minute', json: {} });
    expect(s.status).toBe(400);
    expect(s.body.message).toMatch(/5 fields/);
  });

  it('keeps other users out', async () => {
    const bob = (await engine.tokens.create({ user: 'bob' })).token;
    const r = await post('/v1/api/task/list', { workspace_id: wsId }, bob);
    expect(r.status).toBe(403);
  });
});
