/**
 * The tasks controller: fires scheduled runs on their cron times, keeps continuous tasks running, starts
 * run-once tasks nobody has started, and stops runs of killed tasks.
 *
 * Every fire is claimed in the engine store before it runs (the claim records the schedule time as the task's
 * `last_fire`), so a fire is never run twice — not after a restart, not by two schedulers sharing a state
 * directory. Fires that passed while no scheduler was running are recorded as one `missed` run per task.
 */
import { hostname } from 'node:os';
import { firesBetween, nextFire } from '../../src/engine/tasks/cron.js';
import { systemClock, type Clock } from '../../src/engine/tasks/clock.js';
import type { RunOutcome } from '../../src/engine/tasks/executor.js';
import type { Claim, ClaimResult } from '../../src/engine/tasks/claims.js';
import type { TaskRecord, TaskRunRecord } from '../../src/engine/tasks/types.js';

export type { Claim, ClaimResult };

/** What the scheduler asks of the engine (implemented by `TaskService`). */
export interface SchedulerBackend {
  /** Tasks that may still make runs or need stopping: not yet `killed`. */
  liveTasks(): Promise<TaskRecord[]>;
  /** Claims, atomically and in one store transaction; each result lists the runs created to be launched. */
  claim(claims: Claim[], now: number, opts?: { deferJournal?: boolean }): Promise<ClaimResult[]>;
  /** Records how a run ended (and finishes a pending kill). `run` is the record the claim returned. */
  finishRun(runId: string, outcome: RunOutcome, taskId?: string, run?: TaskRunRecord): Promise<void>;
  /** Runs marked `running` whose supervising process is gone become `failure`. */
  reapStaleRuns(): Promise<number>;
  /** Runs a claimed run to the end (default: python via the executor). */
  execute(task: TaskRecord, run: TaskRunRecord, signal: AbortSignal): Promise<RunOutcome>;
  /** Writes the scheduler heartbeat (`null` removes it). */
  heartbeat(info: SchedulerHeartbeat | null): Promise<void>;
}

export interface SchedulerHeartbeat {
  pid: number;
  host: string;
  started_at: string;
  heartbeat_at: string;
}

export interface SchedulerOptions {
  clock?: Clock;
  /** How often the task list is re-read from the store (new and killed tasks). Default 2 s. */
  rescanMs?: number;
  /** A fire later than this is recorded `missed` instead of run (like a CronJob's startingDeadlineSeconds). Default 30 s. */
  startingDeadlineMs?: number;
  /** Continuous tasks: a new run starts this long after the last one ended (at most a minute). Default 10 s. */
  continuousDelayMs?: number;
  heartbeatMs?: number;
  /** Called for errors the loop survives (store briefly unavailable, …). */
  onError?: (err: unknown) => void;
}

interface Entry {
  task: TaskRecord;
  /** Scheduled: the next fire time to handle. Continuous: earliest next start. */
  next: number;
}

interface Active {
  taskId: string;
  abort: AbortController;
  done: Promise<void>;
}

export class TaskScheduler {
  private readonly clock: Clock;
  private readonly rescanMs: number;
  private readonly deadlineMs: number;
  private readonly continuousDelayMs: number;
  private readonly heartbeatMs: number;
  private entries = new Map<string, Entry>();
  private active = new Map<string, Active>();
  private lastScan = -Infinity;
  private cancelTimer: (() => void) | null = null;
  private cancelHeartbeat: (() => void) | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private beating: Promise<void> | null = null;
  private startedAt = '';
  /** Per-tick memo of cron computations: 1,000 tasks on one schedule cost one computation. */
  private cronMemo = new Map<string, number>();
  private firesMemo = new Map<string, ReturnType<typeof firesBetween>>();

  constructor(
    private readonly backend: SchedulerBackend,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.rescanMs = opts.rescanMs ?? 2000;
    this.deadlineMs = opts.startingDeadlineMs ?? 30_000;
    this.continuousDelayMs = Math.min(opts.continuousDelayMs ?? 10_000, 60_000);
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
  }

  /** Starts the loop: reaps runs orphaned by a previous process, then ticks on time. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = new Date(this.clock.now()).toISOString();
    await this.backend.reapStaleRuns();
    await this.beat();
    await this.loop();
  }

  /** Stops firing; runs still going are terminated (they end `failure`, "killed") and recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelHeartbeat?.();
    await this.beating;
    await this.ticking;
    for (const a of this.active.values()) a.abort.abort('stopped: the scheduler shut down');
    await Promise.all([...this.active.values()].map((a) => a.done));
    await this.backend.heartbeat(null);
  }

  /** Re-reads the tasks and handles whatever is due right away (e.g. after a task was created). */
  async wake(): Promise<void> {
    if (!this.running) return;
    this.cancelTimer?.();
    await this.ticking;
    this.lastScan = -Infinity;
    await this.loop();
  }

  /** Number of runs this scheduler is supervising. */
  get activeRuns(): number {
    return this.active.size;
  }

  /** Resolves when every run launched so far has ended and been recorded (tests, benchmark). */
  async drain(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((a) => a.done));
  }

  private beat(): Promise<void> {
    this.beating = this.doBeat();
    return this.beating;
  }

  private async doBeat(): Promise<void> {
    if (!this.running) return;
    try {
      await this.backend.heartbeat({ pid: process.pid, host: hostname(), started_at: this.startedAt, heartbeat_at: new Date(this.clock.now()).toISOString() });
    } catch (err) {
      this.opts.onError?.(err);
    }
    if (!this.running) return; // stopped while writing: stop() removes the file
    this.cancelHeartbeat = this.clock.setTimer(this.heartbeatMs, () => void this.beat());
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    let wait = this.rescanMs;
    try {
      wait = await this.tick();
    } catch (err) {
      this.opts.onError?.(err);
    }
    if (!this.running) return;
    this.cancelTimer = this.clock.setTimer(Math.max(0, Math.min(wait, this.rescanMs)), () => void this.loop());
  }

  /**
   * One pass: re-reads tasks when due, claims and launches everything due at `clock.now()`. Returns the ms
   * until the next thing is due. Public so tests can drive the scheduler with a manual clock.
   */
  async tick(): Promise<number> {
    const p = this.doTick();
    this.ticking = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  private async doTick(): Promise<number> {
    const now = this.clock.now();
    this.cronMemo.clear();
    this.firesMemo.clear();
    if (now - this.lastScan >= this.rescanMs) await this.rescan(now);

    const claims: Claim[] = [];
    for (const e of this.entries.values()) {
      const t = e.task;
      if (t.status === 'pending_kill' || t.killed) continue;
      if (t.run === 'scheduled' && e.next <= now) {
        claims.push(this.scheduledClaim(t, now));
      } else if (t.run === 'continuous' && e.next <= now && !this.hasActive(t.id)) {
        claims.push({ kind: 'continuous', taskId: t.id, notBefore: now - this.continuousDelayMs });
      } else if (t.run === 'once' && t.status === 'pending' && !this.hasActive(t.id)) {
        claims.push({ kind: 'once', taskId: t.id });
      }
    }
    if (claims.length > 0) {
      const results = await this.backend.claim(claims, now, { deferJournal: true });
      for (const r of results) {
        const e = this.entries.get(r.taskId);
        for (const run of r.runs) if (e) this.launch(e.task, run);
        if (e && e.task.run === 'continuous') e.next = r.retryAt ?? Infinity;
        if (e && e.task.run === 'once') e.task = { ...e.task, status: 'started' };
      }
      for (const c of claims) {
        const e = this.entries.get(c.taskId);
        if (e && c.kind === 'scheduled') {
          e.task = { ...e.task, last_fire: new Date(c.fireAt).toISOString() };
          e.next = this.cronNext(e.task, c.fireAt);
        }
      }
    }
    let next = Infinity;
    for (const e of this.entries.values()) if (e.task.run !== 'once') next = Math.min(next, e.next);
    return Math.max(0, next - this.clock.now());
  }

  /** Decides what to do with a scheduled task whose next fire time has come. */
  private scheduledClaim(t: TaskRecord, now: number): Claim & { kind: 'scheduled' } {
    const after = t.last_fire ? Date.parse(t.last_fire) : Date.parse(t.created_at) - 1;
    const key = `${t.schedule}\u0000${t.timezone}\u0000${after}\u0000${now}`;
    let f = this.firesMemo.get(key);
    if (!f) {
      f = firesBetween(t.schedule!, t.timezone, after, now, 1, 10_000);
      this.firesMemo.set(key, f);
    }
    const latest = f.last!;
    const onTime = now - latest <= this.deadlineMs;
    const missedCount = f.count - (onTime ? 1 : 0);
    const missed = missedCount > 0 ? { count: missedCount, first: f.first[0], last: onTime ? f.beforeLast! : latest, atLeast: f.capped } : null;
    return { kind: 'scheduled', taskId: t.id, fireAt: latest, run: onTime, missed };
  }

  private cronNext(t: TaskRecord, after: number): number {
    const key = `${t.schedule}\u0000${t.timezone}\u0000${after}`;
    let v = this.cronMemo.get(key);
    if (v === undefined) {
      v = nextFire(t.schedule!, t.timezone, after);
      this.cronMemo.set(key, v);
    }
    return v;
  }

  private async rescan(now: number): Promise<void> {
    const tasks = await this.backend.liveTasks();
    this.lastScan = now;
    const seen = new Set<string>();
    for (const t of tasks) {
      seen.add(t.id);
      const prev = this.entries.get(t.id);
      if (t.status === 'pending_kill' || t.killed) {
        // Killed elsewhere (CLI, HTTP): stop what we supervise for it.
        for (const a of this.active.values()) if (a.taskId === t.id) a.abort.abort('killed');
        this.entries.delete(t.id);
        continue;
      }
      if (prev && prev.task.updated_at === t.updated_at && prev.task.last_fire === t.last_fire) continue;
      let next = 0;
      if (t.run === 'scheduled') {
        const after = t.last_fire ? Date.parse(t.last_fire) : Date.parse(t.created_at) - 1;
        next = this.cronNext(t, after);
      } else if (t.run === 'continuous') {
        next = prev?.next ?? 0;
      }
      this.entries.set(t.id, { task: t, next });
    }
    for (const id of [...this.entries.keys()]) if (!seen.has(id)) this.entries.delete(id);
    // A task that vanished (deleted) or was killed: its runs stop too.
    for (const a of this.active.values()) if (!seen.has(a.taskId) || !this.entries.has(a.taskId)) a.abort.abort('killed');
  }

  private hasActive(taskId: string): boolean {
    for (const a of this.active.values()) if (a.taskId === taskId) return true;
    return false;
  }

  private launch(task: TaskRecord, run: TaskRunRecord): void {
    const abort = new AbortController();
    const done = (async () => {
      let outcome: RunOutcome;
      try {
        outcome = await this.backend.execute(task, run, abort.signal);
      } catch (err) {
        const t = new Date(this.clock.now()).toISOString();
        outcome = { status: 'failure', reason: (err as Error).message, exitCode: null, signal: null, startedAt: t, endedAt: t };
      }
      try {
        await this.backend.finishRun(run.run_id, outcome, task.id, run);
      } catch (err) {
        this.opts.onError?.(err);
      }
      this.active.delete(run.run_id);
      const e = this.entries.get(task.id);
      if (e && task.run === 'continuous') e.next = this.clock.now() + this.continuousDelayMs;
    })();
    this.active.set(run.run_id, { taskId: task.id, abort, done });
  }
}
