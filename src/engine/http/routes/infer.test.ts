import * as arrow from 'apache-arrow';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferOverHttp, logsOverHttp } from '../../runtime/cli.js';
import { Engine } from '../../index.js';
import { startServer, type RunningServer } from '../server.js';
import { ROUTES } from './index.js';
import { inferRoutes } from './infer.js';

const FX = new URL('../../../../test/fixtures/runtime/', import.meta.url).pathname;
let state: string;
let engine: Engine;
let server: RunningServer;
let token: string;
let url: string;

beforeAll(async () => {
  state = mkdtempSync(path.join(tmpdir(), 'joey-infer-http-'));
  engine = await Engine.open({ stateDir: state });
  const ws = await engine.workspaces.create({ name: 'fraud', owner: 'alice' });
  await engine.models.upload(readFileSync(FX + 'ccfraud.onnx'), { workspaceId: ws.id, name: 'ccfraud', tensorFields: ['tensor'] });
  const p = await engine.pipelines.apply({ workspaceId: ws.id, name: 'ccfraud', steps: [{ model: 'ccfraud' }], validations: { fraud: 'pl.col("out.dense_1").list.get(0) > 0.9' } });
  const d = await engine.deployments.deploy({ pipelineId: p.pipeline.id });
  token = (await engine.tokens.create({ user: 'alice' })).token;
  const routes = ROUTES.some((r) => r.path.startsWith('/v1/api/pipelines/infer/')) ? ROUTES : [...ROUTES, ...inferRoutes];
  server = await startServer(engine, { port: 0, routes });
  url = `${server.url}/v1/api/pipelines/infer/${d.name}-${d.id}/${d.name}`;
});
afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(state, { recursive: true, force: true });
});

const post = (body: BodyInit, contentType: string, extra: Record<string, string> = {}, u = url) =>
  fetch(u, { method: 'POST', body, headers: { 'content-type': contentType, authorization: `Bearer ${token}`, ...extra } });

describe('POST /v1/api/pipelines/infer/<deployment>/<pipeline>', () => {
  it('pandas-records in, pandas-records out', async () => {
    const res = await post(readFileSync(FX + 'smoke_test.df.json', 'utf8'), 'application/json; format=pandas-records');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; format=pandas-records');
    const [row] = (await res.json()) as Record<string, unknown>[];
    expect(row!['out.dense_1']).toEqual([0.0014974177]);
  });

  it('Arrow file in, Arrow out; Accept chooses JSON', async () => {
    const body = readFileSync(FX + 'cc_data_10k.arrow');
    const res = await post(body, 'application/vnd.apache.arrow.file');
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.file');
    const t = arrow.tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(t.numRows).toBe(10254);
    const json = await post(body, 'application/vnd.apache.arrow.file', { accept: 'application/json' });
    expect(((await json.json()) as unknown[]).length).toBe(10254);
  });

  it('bad inputs are 4xx and the server keeps serving', async () => {
    const cases: [BodyInit, string, number, RegExp][] = [
      ['[{"tensr": [1]}]', 'application/json', 400, /reads column "tensor"/],
      [JSON.stringify([{ tensor: [1, 2] }]), 'application/json', 400, /shape \[N, 2\].*expects float32 \[N, 29\]/],
      [JSON.stringify([{ tensor: Array(29).fill('x') }]), 'application/json', 400, /holds a string/],
      ['', 'application/json', 400, /empty/],
      ['[]', 'application/json', 400, /no rows/],
      ['hello', 'text/plain', 415, /not supported/],
    ];
    for (const [body, ct, status, re] of cases) {
      const res = await post(body, ct);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { message: string }).message).toMatch(re);
    }
    const wrong = await post('[]', 'application/json', {}, url.replace(/\/ccfraud$/, '/other'));
    expect(wrong.status).toBe(404);
    const ok = await post(readFileSync(FX + 'high_fraud.df.json', 'utf8'), 'application/json');
    expect(((await ok.json()) as Record<string, unknown>[])[0]!['anomaly.fraud']).toBe(true);
  });

  it('a 100 MB body is refused with 413 before it is buffered', async () => {
    const u = new URL(url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 100 * 1000 * 1000 + 7 * 1024 * 1024, authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
          req.destroy();
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1 << 20, 32);
      let sent = 0;
      const pump = () => {
        while (sent < 100 && req.write(chunk)) sent++;
        if (sent < 100) req.once('drain', pump);
      };
      pump();
    });
    expect(status).toBe(413);
    const ok = await post(readFileSync(FX + 'smoke_test.df.json', 'utf8'), 'application/json');
    expect(ok.status).toBe(200);
  });

  it('joey infer / joey logs clients over HTTP', async () => {
    const r = await inferOverHttp({
      endpoint: server.url,
      token,
      workspace: 'fraud',
      pipeline: 'ccfraud',
      body: readFileSync(FX + 'high_fraud.df.json'),
      format: 'json',
      answer: 'arrow',
      dataset: ['out', 'anomaly'],
    });
    const t = arrow.tableFromIPC(r.body as Uint8Array);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['out.dense_1', 'anomaly.count', 'anomaly.fraud']);
    const logs = await logsOverHttp({ endpoint: server.url, token, workspace: 'fraud', pipeline: 'ccfraud', limit: 3 });
    const lt = arrow.tableFromIPC(logs.arrow);
    expect(lt.numRows).toBe(3);
    expect(logs.truncated).toBe(true);
    const other = await engine.tokens.create({ user: 'mallory' });
    await expect(inferOverHttp({ endpoint: server.url, token: other.token, workspace: 'fraud', pipeline: 'ccfraud', body: Buffer.from('[]'), format: 'json', answer: 'json' })).rejects.toMatchObject({ status: 403 });
  });
});
