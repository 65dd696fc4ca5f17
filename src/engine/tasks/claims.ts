/**
 * The rules for turning a scheduler's claim into runs, as pure functions over records, so the store layer only
 * has to apply them inside one transaction. A claim that lost a race (another scheduler got there first, the
 * task was killed meanwhile) produces nothing.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { TaskRecord, TaskRunRecord } from './types.js';

/** What a scheduler asks for: a scheduled fire, the next continuous run, or a run-once task's run. */
export type Claim =
  | {
      kind: 'scheduled';
      taskId: string;
      /** The schedule time being handled; the claim fails if the task's last_fire is already at or past it. */
      fireAt: number;
      /** Run it (false: too late to run; the scheduler then counts it in `missed`). */
      run: boolean;
      /** Earlier fires (after last_fire) that were missed, recorded as one `missed` run. */
      missed: { count: number; first: number; last: number; atLeast?: boolean } | null;
    }
  | { kind: 'continuous'; taskId: string; notBefore: number }
  | { kind: 'once'; taskId: string };

export interface ClaimResult {
  taskId: string;
  /** Runs created with status `running`, to launch now. */
  runs: TaskRunRecord[];
  /** For continuous claims refused because the last run ended too recently: when to try again. */
  retryAt?: number;
}

export interface ClaimEffect {
  task: TaskRecord | null;
  runs: TaskRunRecord[];
  /** Runs with status `running` among `runs`: to launch. */
  launch: TaskRunRecord[];
  retryAt?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function newRun(taskId: string, now: number, over: Partial<TaskRunRecord> = {}): TaskRunRecord {
  const t = iso(now);
  return {
    run_id: randomUUID(),
    task: taskId,
    pod_id: randomUUID(),
    status: 'running',
    created_at: t,
    updated_at: t,
    started_at: t,
    ended_at: null,
    scheduled_for: null,
    reason: null,
    exit_code: null,
    signal: null,
    pid: null,
    runner_pid: process.pid,
    runner_host: hostname(),
    missed_count: null,
    ...over,
  };
}

/**
 * Applies one claim to a task given its existing runs. `runs` must contain every run of the task that is
 * still `running` and the most recent one.
 */
export function applyClaim(task: TaskRecord, runs: TaskRunRecord[], claim: Claim, now: number): ClaimEffect {
  const none: ClaimEffect = { task: null, runs: [], launch: [] };
  if (task.killed || task.status === 'pending_kill') return none;
  const running = runs.filter((r) => r.status === 'running');
  const t = iso(now);

  if (claim.kind === 'once') {
    if (task.run !== 'once' || runs.length > 0) return none;
    const run = newRun(task.id, now);
    return { task: { ...task, status: 'started', updated_at: t }, runs: [run], launch: [run] };
  }

  if (claim.kind === 'continuous') {
    if (task.run !== 'continuous') return none;
    if (running.length > 0) return { ...none, retryAt: now + 5_000 };
    const last = latest(runs);
    const ended = last?.ended_at ? Date.parse(last.ended_at) : -Infinity;
    const delay = now - claim.notBefore;
    if (ended > claim.notBefore) return { ...none, retryAt: ended + delay };
    const run = newRun(task.id, now);
    return { task: { ...task, status: 'started', updated_at: t }, runs: [run], launch: [run] };
  }

  // scheduled
  if (task.run !== 'scheduled') return none;
  if (task.last_fire && Date.parse(task.last_fire) >= claim.fireAt) return none; // already handled (restart, other scheduler)
  const out: TaskRunRecord[] = [];
  if (claim.missed) {
    const m = claim.missed;
    out.push(
      newRun(task.id, now, {
        status: 'missed',
        started_at: null,
        ended_at: t,
        scheduled_for: iso(m.last),
        missed_count: m.count,
        runner_pid: null,
        reason:
          m.count === 1
            ? `the run scheduled for ${iso(m.first)} was missed: no scheduler was running at that time`
            : `${m.atLeast ? 'more than ' : ''}${m.count} runs scheduled from ${iso(m.first)} to ${iso(m.last)} were missed: no scheduler was running at those times`,
      }),
    );
  }
  let launch: TaskRunRecord[] = [];
  if (!claim.run) {
    // Too late to run: the scheduler folded this fire into `missed` above.
  } else if (running.length > 0 && !task.allow_concurrent) {
    out.push(
      newRun(task.id, now, {
        status: 'missed',
        started_at: null,
        ended_at: t,
        scheduled_for: iso(claim.fireAt),
        missed_count: 1,
        runner_pid: null,
        reason: `skipped: the previous run ${running[0].run_id} was still running (concurrent runs are not allowed)`,
      }),
    );
  } else {
    const run = newRun(task.id, now, { scheduled_for: iso(claim.fireAt) });
    out.push(run);
    launch = [run];
  }
  return { task: { ...task, status: 'started', last_fire: iso(claim.fireAt), updated_at: t }, runs: out, launch };
}

export function latest(runs: TaskRunRecord[]): TaskRunRecord | undefined {
  let best: TaskRunRecord | undefined;
  for (const r of runs) if (!best || r.created_at > best.created_at) best = r;
  return best;
}
