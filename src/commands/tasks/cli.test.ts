import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../engine/store/index.js';
import { TaskService } from '../../engine/tasks/service.js';
import { orchestrationZip } from '../../engine/tasks/testing.js';

// Drives the built CLI (dist/, rebuilt by vitest's global setup) against a state directory prepared here.
const bin = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
let dir: string;
let state: string;
const joey = (...args: string[]) => spawnSync(process.execPath, [bin, ...args, '--state', state], { encoding: 'utf8', timeout: 30_000 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'joey-tasks-cli-'));
  state = join(dir, 'state');
  const store = await Store.open(state);
  await store.put('workspaces', '1', { id: 1, name: 'fraud', members: [], labels: {}, archived: false, created_by: 'me', created_at: '', updated_at: '' });
  const svc = new TaskService(store);
  const orch = await svc.orchestrations.upload({
    workspaceId: 1,
    fileName: 'hello.zip',
    bytes: orchestrationZip({ 'main.py': 'import wallaroo\nprint("hello", wallaroo.task_args()["who"])' }),
  });
  await svc.runOnce({ workspaceId: 1, orchId: orch.id, name: 'greet', args: { who: 'world' } });
  await svc.runScheduled({ workspaceId: 1, orchId: orch.id, name: 'nightly', schedule: '0 2 * * *', args: { who: 'night' } });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('joey tasks', () => {
  it('list says when scheduled tasks have no scheduler', () => {
    const r = joey('tasks', 'list');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^id\s+name\s+workspace\s+last run status\s+type/);
    // Newest updated first.
    expect(r.stdout).toMatch(/nightly\s+fraud\s+unknown\s+Scheduled Run\s+True\s+0 2 \* \* \*[^\n]*\n[^\n]*greet\s+fraud\s+unknown\s+Temporary Run\s+True\s+-/);
    expect(r.stdout).toContain('warning: 1 scheduled/continuous task(s) but no scheduler is running');
  });

  it('run-now runs a task and waits; runs and logs show it', () => {
    const r = joey('tasks', 'run-now', 'fraud/greet');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^run [0-9a-f-]{36} of task greet: success\n$/);
    const runs = JSON.parse(joey('tasks', 'runs', 'greet', '--json').stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'success', exit_code: 0 });
    // A task name gives its latest run's logs (a run id works too).
    const logs = joey('tasks', 'logs', 'greet', '--limit', '1');
    expect(logs.stdout).toMatch(/^\S+Z stdout F hello world\n$/);
  });

  it('kill answers pending_kill and the task lists as killed', () => {
    const r = joey('tasks', 'kill', 'nightly');
    expect(r.stdout).toMatch(/^task nightly \([0-9a-f-]{36}\): pending_kill\n$/);
    const killed = JSON.parse(joey('tasks', 'list', '--killed', '--json').stdout);
    expect(killed.tasks.map((t: { name: string; status: string }) => [t.name, t.status])).toEqual([['nightly', 'killed']]);
    expect(killed.warning).toBeNull();
  });

  it('errors are one line', () => {
    const r = joey('tasks', 'runs', 'nope');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/(^|\n)error: task "nope" not found \(give its id, name or workspace\/name\)\n$/);
  });
});
