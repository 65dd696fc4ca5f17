import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskScheduler } from '../../../controllers/tasks/index.js';
import { Store } from '../store/index.js';
import { ManualClock } from './clock.js';
import { startDetachedRun } from './detached.js';
import { TaskService } from './service.js';
import { orchestrationZip } from './testing.js';
import type { TaskRunRecord } from './types.js';

let dir: string;
let store: Store;
let svc: TaskService;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'joey-tasks-'));
  store = await Store.open(join(dir, 'state'));
  svc = new TaskService(store);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(f: () => T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

/** An orchestration folder on disk, uploaded the way a manifest's folder is (zipped deterministically). */
async function uploadFolder(name: string, files: Record<string, string>) {
  const folder = join(dir, name);
  for (const [p, body] of Object.entries(files)) {
    mkdirSync(join(folder, p, '..'), { recursive: true });
    writeFileSync(join(folder, p), body);
  }
  return svc.orchestrations.uploadPath(folder, { workspaceId: 1 });
}

const PRINT_ARGS = 'import json, os, wallaroo\nwl = wallaroo.Client()\nif wl.in_task():\n    print("args", json.dumps(wl.task_args(), sort_keys=True))\nprint("env", os.environ["JOEY_TASK_ARGS"])\n';

describe('orchestrations', () => {
  it('uploads a folder deterministically: same content, same sha, same id', async () => {
    const a = await uploadFolder('hello', { 'main.py': 'print(1)', 'requirements.txt': '# none' });
    expect(a).toMatchObject({ name: 'hello', status: 'ready', file_name: 'hello.zip', entrypoint: 'main.py', requirements: 'requirements.txt' });
    expect(a.sha).toMatch(/^[0-9a-f]{64}$/);
    const again = await svc.orchestrations.uploadPath(join(dir, 'hello'), { workspaceId: 1 });
    expect(again).toMatchObject({ id: a.id, sha: a.sha, updated_at: a.updated_at });
    expect(svc.orchestrations.list(1).map((o) => o.id)).toEqual([a.id]);
  });

  it('records a rejected upload with status error and throws the reason', async () => {
    await expect(svc.orchestrations.upload({ workspaceId: 1, fileName: 'bad.zip', bytes: orchestrationZip({ 'app.py': '' }) })).rejects.toThrow(
      /orchestration "bad": orchestration zip rejected: no main\.py found/,
    );
    expect(svc.orchestrations.list(1)[0]).toMatchObject({ name: 'bad', status: 'error', error: expect.stringMatching(/no main\.py/) });
  });
});

describe('tasks', () => {
  it('a run-once task started detached succeeds; its logs show the args both ways', async () => {
    const orch = await uploadFolder('printer', { 'main.py': PRINT_ARGS });
    const task = await svc.runOnce({ workspaceId: 1, orchId: orch.id, name: 'print-args', args: { dogs: 3.9, cats: 8.1 } });
    expect(task).toMatchObject({ type: 'Temporary Run', status: 'pending', last_run_status: 'unknown', active: true, schedule: null, killed: false });
    expect(svc.status(task.id)).toBe('pending');
    const started = await startDetachedRun(store.dir, task.id);
    expect(started).not.toBeNull();
    // A second start of a run-once task does nothing.
    expect(await startDetachedRun(store.dir, task.id)).toBeNull();
    const run = await until(() => svc.lastRuns(task.id).find((r) => r.status !== 'running'));
    expect(run).toMatchObject({ run_id: started!.run_id, status: 'success', exit_code: 0, task: task.id });
    const logs = svc.logs(run.run_id);
    expect(logs.map((l) => l.replace(/^\S+ /, ''))).toEqual(['stdout F args {"cats": 8.1, "dogs": 3.9}', 'stdout F env {"dogs":3.9,"cats":8.1}']);
    expect(svc.logs(run.run_id, 1)).toHaveLength(1);
    const after = svc.get(task.id);
    expect(after).toMatchObject({ status: 'started', last_run_status: 'success', active: false });
    expect(after.last_runs).toEqual([{ run_id: run.run_id, status: 'success', created_at: run.created_at }]);
    expect(svc.status(task.id)).toBe('started');
  });

  it('a task sleeping past its timeout ends timed_out', async () => {
    const orch = await uploadFolder('sleeper', { 'main.py': 'import time\nprint("zz", flush=True)\ntime.sleep(30)' });
    const task = await svc.runOnce({ workspaceId: 1, orchId: orch.id, timeout: 1 });
    await startDetachedRun(store.dir, task.id);
    const run = await until(() => svc.lastRuns(task.id).find((r) => r.status !== 'running'));
    expect(run.status).toBe('timed_out');
    expect(run.reason).toMatch(/timeout of 1s/);
    expect(svc.get(task.id).status).toBe('failed');
  });

  it('a failing script ends failure with the traceback in its logs', async () => {
    const orch = await uploadFolder('crasher', { 'main.py': 'import wallaroo\nraise RuntimeError("no data for " + str(wallaroo.task_args()))\n' });
    const task = await svc.runOnce({ workspaceId: 1, orchId: orch.id, args: { day: 'monday' } });
    const run = await svc.runNow(task.id);
    expect(run).toMatchObject({ status: 'failure', exit_code: 1, reason: 'main.py exited with code 1' });
    const logs = svc.logs(run.run_id).join('\n');
    expect(logs).toContain('stderr F Traceback (most recent call last):');
    expect(logs).toContain("stderr F RuntimeError: no data for {'day': 'monday'}");
  });

  it('validates schedules and args', async () => {
    const orch = await uploadFolder('v', { 'main.py': '' });
    await expect(svc.runScheduled({ workspaceId: 1, orchId: orch.id, schedule: '* * *' })).rejects.toThrow(/5 fields/);
    await expect(svc.runScheduled({ workspaceId: 1, orchId: orch.id, schedule: '* * * * *', timezone: 'Nowhere/Land' })).rejects.toThrow(/time zone/);
    await expect(svc.runOnce({ workspaceId: 1, orchId: orch.id, args: [] as never })).rejects.toThrow(/JSON object/);
    await expect(svc.runOnce({ workspaceId: 2, orchId: orch.id })).rejects.toThrow(/not found in workspace 2/);
  });

  it('a killed scheduled task fires no more; its active run is terminated; history survives a restart', async () => {
    const orch = await uploadFolder('ticker', { 'main.py': 'import time\nprint("tick", flush=True)\ntime.sleep(30)' });
    const task = await svc.runScheduled({ workspaceId: 1, orchId: orch.id, name: 'ticker', schedule: '* * * * *', timeout: 600 });
    expect(task).toMatchObject({ type: 'Scheduled Run', schedule: '* * * * *', status: 'pending', last_run_status: 'unknown' });
    const t0 = Date.parse(task.created_at);
    const clock = new ManualClock(t0);
    const scheduler = new TaskScheduler(svc, { clock, rescanMs: 0 });
    await scheduler.start();
    clock.advance(Math.ceil((t0 + 1) / 60_000) * 60_000 - t0); // to the next minute boundary
    await scheduler.tick();
    await until(() => svc.lastRuns(task.id).length === 1);
    const run = svc.lastRuns(task.id)[0];
    expect(run.status).toBe('running');
    await until(() => svc.logs(run.run_id).some((l) => l.endsWith('stdout F tick')));
    expect(svc.get(task.id)).toMatchObject({ status: 'started', last_run_status: 'running', active: true });

    const killed = await svc.kill(task.id);
    expect(killed.status).toBe('pending_kill');
    expect(killed.killed).toBe(true);
    await scheduler.tick();
    const ended = await until(() => svc.lastRuns(task.id).find((r) => r.status !== 'running'));
    expect(ended).toMatchObject({ status: 'failure', reason: 'killed' });
    // Five more minutes: nothing fires.
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await scheduler.tick();
    }
    await scheduler.stop();
    expect(svc.lastRuns(task.id)).toHaveLength(1);
    expect(svc.get(task.id)).toMatchObject({ status: 'killed', active: false });
    expect(svc.list({ killed: true }).map((t) => t.id)).toEqual([task.id]);

    // A new process over the same state directory sees the same history.
    const again = new TaskService(await Store.open(store.dir));
    expect(again.lastRuns(task.id).map((r: TaskRunRecord) => [r.run_id, r.status])).toEqual([[run.run_id, 'failure']]);
    expect(again.logs(run.run_id).some((l) => l.endsWith('stdout F tick'))).toBe(true);
  });

  it('lists newest updated first with the killed filter, and last_runs filters by status', async () => {
    const orch = await uploadFolder('l', { 'main.py': 'import wallaroo, sys\nsys.exit(1 if wallaroo.task_args().get("fail") else 0)' });
    const a = await svc.runOnce({ workspaceId: 1, orchId: orch.id, name: 'a' });
    await sleep(5);
    const b = await svc.runScheduled({ workspaceId: 1, orchId: orch.id, name: 'b', schedule: '42 * * * *', args: { fail: true } });
    expect(svc.list().map((t) => t.name)).toEqual(['b', 'a']);
    await svc.runNow(b.id);
    await svc.runNow(b.id);
    await svc.runNow(a.id);
    expect(svc.list().map((t) => t.name)).toEqual(['a', 'b']);
    expect(svc.lastRuns(b.id, 'failure')).toHaveLength(2);
    expect(svc.lastRuns(b.id, 'success')).toHaveLength(0);
    expect(svc.lastRuns(b.id, 'all', 1)).toHaveLength(1);
    await svc.kill(b.id);
    expect(svc.list({ killed: true }).map((t) => t.name)).toEqual(['b']);
    expect(svc.list()).toHaveLength(2);
    expect(svc.list({ killed: false }).map((t) => t.name)).toEqual(['a']);
    expect(svc.findByName(1, 'b')).toBeUndefined();
    expect(svc.findByName(1, 'a')?.id).toBe(a.id);
  });

  it('reports whether a scheduler is running (heartbeat)', async () => {
    expect(svc.schedulerStatus().running).toBe(false);
    const s = new TaskScheduler(svc, { rescanMs: 50 });
    await s.start();
    expect(svc.schedulerStatus()).toMatchObject({ running: true, pid: process.pid });
    await s.stop();
    expect(svc.schedulerStatus().running).toBe(false);
  });

  it('with the real store: no double fire across a restart, fires missed while down recorded once, continuous restarts', async () => {
    const orch = await uploadFolder('noop', { 'main.py': 'pass' });
    const t0 = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000 + 20_000; // hh:mm:20, a minute ahead
    const clock = new ManualClock(t0);
    const noop = async (_t: unknown, run: TaskRunRecord) => {
      const at = new Date(clock.now()).toISOString();
      return { status: 'success' as const, reason: null, exitCode: 0, signal: null, startedAt: run.started_at ?? at, endedAt: at };
    };
    const a = new TaskService(store, { clock, executor: noop });
    const cron = await a.runScheduled({ workspaceId: 1, orchId: orch.id, name: 'cron', schedule: '* * * * *' });
    const cont = await a.runContinuously({ workspaceId: 1, orchId: orch.id, name: 'cont' });
    let s = new TaskScheduler(a, { clock, rescanMs: 0, continuousDelayMs: 10_000 });
    await s.start();
    clock.advance(40_000); // next minute boundary
    await s.tick();
    await s.drain();
    await until(() => a.lastRuns(cron.id).length === 1 && a.lastRuns(cron.id)[0].status === 'success');
    expect(a.lastRuns(cont.id).map((r) => r.status)).toEqual(['success']);
    clock.advance(11_000); // the continuous task's next run is due 10 s after the last ended
    await s.tick();
    await s.drain();
    await until(() => a.lastRuns(cont.id).length === 2);
    await s.stop();

    // Another process, same state directory, same minute: the fire is not run again.
    const b = new TaskService(await Store.open(store.dir), { clock, executor: noop });
    s = new TaskScheduler(b, { clock, rescanMs: 0 });
    await s.start();
    await s.drain();
    expect(b.lastRuns(cron.id)).toHaveLength(1);
    await s.stop();

    // Down for four minutes (to hh:mm:11): the three fires nobody ran become one `missed` record; the
    // fourth, 11 s late, is within the starting deadline and runs.
    clock.advance(4 * 60_000);
    const c = new TaskService(await Store.open(store.dir), { clock, executor: noop });
    s = new TaskScheduler(c, { clock, rescanMs: 0 });
    await s.start();
    await s.drain();
    await until(() => c.lastRuns(cron.id, 'success').length === 2);
    const runs = c.lastRuns(cron.id);
    expect(runs.map((r) => r.status).sort()).toEqual(['missed', 'success', 'success']);
    const [missed] = c.lastRuns(cron.id, 'missed');
    expect(missed.missed_count).toBe(3);
    expect(missed.reason).toMatch(/^3 runs scheduled from .* were missed: no scheduler was running at those times$/);
    clock.advance(49_000); // the next boundary: on schedule again
    await s.tick();
    await s.drain();
    await until(() => c.lastRuns(cron.id, 'success').length === 3);
    await s.stop();
    expect(c.get(cron.id)).toMatchObject({ last_run_status: 'success', status: 'started', active: true });
  });
});
