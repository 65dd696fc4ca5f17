/**
 * Runs outside any scheduler: with the embedded engine and no `joey controller`/`joey server` running, a
 * run-once task that `joey apply` creates starts at once in a detached process, whose run, status and logs
 * land in the state directory like any other run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Store } from '../store/index.js';
import { TaskService } from './service.js';
import { packageRoot } from './shim.js';
import type { TaskRunRecord } from './types.js';

export interface DetachedRun {
  run_id: string;
  /** The detached joey process supervising the run. */
  pid: number;
}

/**
 * Claims a run of `taskId` and starts it in a detached process that outlives the caller. For a run-once task
 * this is its one run (null if it already has one — e.g. a scheduler got there first); with `manual: true`
 * it is an extra run of any task (`joey tasks run-now --detach`).
 */
export async function startDetachedRun(stateDir: string, taskId: string, opts: { manual?: boolean } = {}): Promise<DetachedRun | null> {
  const store = await Store.open(stateDir);
  const svc = new TaskService(store);
  const [res] = await svc.claim([opts.manual ? { kind: 'manual', taskId } : { kind: 'once', taskId }], Date.now());
  const run = res.runs[0];
  if (!run) return null;
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./detached-main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), entry, store.dir, taskId, run.run_id], {
    cwd: packageRoot(),
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  if (child.pid === undefined) {
    await svc.finishRun(run.run_id, failed('could not start the detached runner process'), taskId);
    return null;
  }
  const rec: TaskRunRecord = { ...run, runner_pid: child.pid };
  await svc.appendRuns([rec]);
  return { run_id: run.run_id, pid: child.pid };
}

function failed(reason: string) {
  const t = new Date().toISOString();
  return { status: 'failure' as const, reason, exitCode: null, signal: null, startedAt: t, endedAt: t };
}

/** Body of the detached process: execute the claimed run and record how it ended. */
export async function runDetached(stateDir: string, taskId: string, runId: string): Promise<void> {
  const store = await Store.open(stateDir);
  const svc = new TaskService(store);
  const run = svc.journal.run(taskId, runId);
  if (!run) return;
  await svc.appendRuns([{ ...run, runner_pid: process.pid }]);
  const abort = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => abort.abort());
  let outcome;
  try {
    outcome = await svc.execute(svc.taskRecord(taskId), { ...run, runner_pid: process.pid }, abort.signal);
  } catch (err) {
    outcome = failed((err as Error).message);
  }
  await svc.finishRun(runId, outcome, taskId);
}
