import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { examplesRepo, joeyAsync, edit } from './reconcile-helpers.js';
import { Engine } from '../src/engine/index.js';
import { assaysOf } from '../src/engine/assays/index.js';
import { startServer, type RunningServer } from '../src/engine/http/server.js';
import type { Plan } from '../src/plan/types.js';

// `joey plan|apply|drift --endpoint URL --token T` against a real `joey server` on 127.0.0.1: the CLI processes
// talk HTTP only; the engine (and its state) lives in this test process.
let stateDir: string;
let engine: Engine;
let server: RunningServer;
let alice: string; // the workspace's owner in examples/ (not an admin)
let mallory: string; // a user who is no member of it

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'joey-remote-state-'));
  engine = await Engine.open({ stateDir });
  alice = (await engine.tokens.create({ user: 'alice@example.com' })).token;
  mallory = (await engine.tokens.create({ user: 'mallory@example.com' })).token;
  server = await startServer(engine, { port: 0 });
});
afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const run = async (args: string[], cwd: string, token = alice) => (await joeyAsync([...args, '--endpoint', server.url, '--token', token], cwd).done);

describe('joey plan / apply against a remote joey server (--endpoint)', { timeout: 300_000 }, () => {
  it('creates everything over HTTP, then no changes; an edited validation is exactly one change; apply converges; a non-member gets 403', async () => {
    const dir = await examplesRepo();
    const first = await run(['apply', '.', '--auto-approve'], dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Plan: 9 to add, 0 to change, 0 to replace, 0 to destroy.');
    expect(first.stdout).toMatch(/Apply complete! 9 succeeded, 0 failed/);

    // Everything landed in the server's engine, labelled as joey's.
    const ws = engine.workspaces.getByName('fraud');
    expect(ws.members.map((m) => `${m.user}:${m.role}`).sort()).toEqual(['alice@example.com:owner', 'bob@example.com:collaborator']);
    expect(engine.models.list(ws.id).map((m) => m.name).sort()).toEqual(['ccfraud', 'ccfraud-xgb']);
    expect(engine.pipelines.list(ws.id).map((p) => p.name).sort()).toEqual(['ccfraud', 'ccfraud-ab']);
    const ccfraud = engine.pipelines.getByName(ws.id, 'ccfraud');
    expect(ccfraud.labels['joey.dev/managed-by']).toBe('joey');
    expect(engine.deployments.byPipeline(ccfraud.id)).toMatchObject({ deployed: true, status: 'Running' });

    const clean = await run(['plan', '.', '--detailed-exitcode'], dir);
    expect(clean.stdout).toContain('No changes.');
    expect(clean.code, clean.stderr).toBe(0);

    edit(join(dir, 'pipelines/ccfraud.yaml'), '> 0.9', '> 0.95');
    const edited = await run(['plan', '.', '--detailed-exitcode', '--json'], dir);
    expect(edited.code, edited.stderr).toBe(2);
    const changes = (JSON.parse(edited.stdout) as Plan).changes.filter((c) => c.actions[0] !== 'no-op');
    expect(changes.map((c) => [c.key, c.diffs.map((d) => d.path)])).toEqual([['Pipeline/fraud/ccfraud', ['spec.validations.high_fraud']]]);

    const applied = await run(['apply', '.', '--auto-approve'], dir);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.');
    expect(engine.pipelines.getVersion(engine.deployments.byPipeline(ccfraud.id)!.pipeline_version_id).definition.validations.high_fraud).toContain('0.95');
    expect((await run(['plan', '.', '--detailed-exitcode'], dir)).code).toBe(0);
    expect((await run(['drift', '.'], dir)).code).toBe(0);

    // An in-place assay change (paused) goes over set_active + set_labels and converges too.
    edit(join(dir, 'assays/ccfraud-drift.yaml'), 'active: true', 'active: false');
    const paused = await run(['apply', '.', '--auto-approve'], dir);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toContain('Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.');
    const assay = assaysOf(engine).list({ workspaceId: ws.id })[0]!;
    expect(assay).toMatchObject({ name: 'ccfraud-drift', active: false });
    expect(assay.labels['joey.dev/spec-hash']).toBeTruthy();
    expect((await run(['plan', '.', '--detailed-exitcode'], dir)).code).toBe(0);

    // Someone who is no member of the workspace: the server's 403 before anything is planned (not "9 to add"),
    // one line, no stack trace, exit 1.
    for (const cmd of [['plan', '.'], ['apply', '.', '--auto-approve']]) {
      const denied = await run(cmd, dir, mallory);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/not a member of workspace/);
      expect(denied.stderr.trim().split('\n')).toHaveLength(1);
      expect(denied.stdout).not.toContain('will be created');
    }
    expect(engine.workspaces.getByName('fraud').members.some((m) => m.user === 'mallory@example.com')).toBe(false);

    // No token at all: 401 from the server, as a clear error.
    const anon = await joeyAsync(['plan', '.', '--endpoint', server.url], dir).done;
    expect(anon.code).toBe(1);
    expect(anon.stderr).toMatch(/token|unauthori/i);

    // destroy over HTTP: everything joey made goes, in reverse order (the workspace is archived, as the platform does).
    const destroyed = await run(['destroy', '.', '--auto-approve'], dir);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.stdout).toMatch(/9 to destroy/);
    expect(engine.workspaces.getByName('fraud').archived).toBe(true);
    expect(engine.pipelines.list(ws.id)).toEqual([]);
    expect(engine.models.list(ws.id)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
