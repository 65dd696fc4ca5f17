/**
 * Tasks and task runs in the engine: create (run_once / run_scheduled / run_continuously), list, get, kill,
 * last_runs, logs — and the store side of the scheduler (claims, finishing runs, reaping orphans).
 *
 * Where things live in the state directory:
 *   store `tasks/<id>`            the task's definition, `killed`
 *   store `tasks_state/all`       per task: last_fire, active run ids, last run summary (ONE document, so a
 *                                 batch of 1,000 fires is one fsync'd write under the store lock)
 *   tasks/runs/<task>.jsonl       run history (journal.ts)
 *   tasks/logs/<run>.log          run output, `<time> <stdout|stderr> F <line>`
 *   tasks/work/<run>/             the run's working copy (removed when it ends) and args.json
 *   tasks/venvs/<sha>/            per-orchestration virtual environments
 *   tasks/scheduler.json          heartbeat of the running scheduler, if any
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { JoeyError } from '../../model/index.js';
import { atomicWrite, pidAlive } from '../store/fsutil.js';
import type { Store } from '../store/index.js';
import { OrchestrationService } from '../orchestrations/service.js';
import { applyClaim, newRun, type Claim, type ClaimResult } from './claims.js';
import { systemClock, type Clock } from './clock.js';
import { validateSchedule, nextFire } from './cron.js';
import { executeRun, type RunOutcome } from './executor.js';
import { RunJournal } from './journal.js';
import { killGroup } from './process.js';
import { tailRunLog } from './run-log.js';
import { TASK_TYPE, type RunStatus, type TaskRecord, type TaskRunKind, type TaskRunRecord, type TaskStatus } from './types.js';

export const TASKS = 'tasks';
const STATE = 'tasks_state';
const STATE_ID = 'all';

/** What the store keeps per task: the record less what is derived from the run state, plus when it was killed. */
export type TaskDoc = Omit<TaskRecord, 'status' | 'last_fire'> & { killed_at: string | null };

interface RunSummary {
  run_id: string;
  status: RunStatus;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}
interface TaskState {
  last_fire: string | null;
  active: string[];
  last_run: RunSummary | null;
  runs: number;
}
type StateDoc = { tasks: Record<string, TaskState> };

/** A task as the API returns it: the platform's fields plus joey's. */
export interface TaskView extends TaskRecord {
  /** SDK column: `Temporary Run`, `Scheduled Run`, `Service Run`. */
  type: string;
  /** SDK column: `unknown` before any run, else the last run's status. */
  last_run_status: RunStatus | 'unknown';
  /** Scheduled or running (false once completed or killed). */
  active: boolean;
  /** Next fire time of a scheduled task (ISO), null otherwise. */
  next_run: string | null;
  flavor: string;
  exec_type: string;
  extra_env_vars: Record<string, string>;
  last_runs: { run_id: string; status: RunStatus; created_at: string }[];
}

export interface CreateTaskInput {
  workspaceId: number;
  orchId: string;
  name?: string | null;
  /** The task's JSON args (the API's `json`). */
  args?: Record<string, unknown>;
  timeout?: number | null;
  labels?: Record<string, string>;
}

export interface TaskServiceOptions {
  /** Replaces the python executor (the benchmark's no-op runner, tests). */
  executor?: (task: TaskRecord, run: TaskRunRecord, signal: AbortSignal, service: TaskService) => Promise<RunOutcome>;
  /** Extra environment for task code (e.g. JOEY_ENGINE_URL under `joey server`). */
  taskEnv?: Record<string, string>;
  /** Time source for timestamps (share the scheduler's clock in tests and the benchmark). */
  clock?: Clock;
}

/** A heartbeat older than this means no scheduler is running. */
export const HEARTBEAT_STALE_MS = 30_000;

const STALE_RUN_GRACE_MS = 10_000;
/** Run history kept per task; older runs (and their logs) are dropped when the journal is compacted. */
export const KEEP_RUNS = 1000;
const COMPACT_BYTES = 1024 * 1024;

export class TaskService {
  readonly orchestrations: OrchestrationService;
  readonly journal: RunJournal;
  readonly dir: string;
  private queue: { fn: ((s: StateDoc) => void) | null; records: TaskRunRecord[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushScheduled = false;
  private readonly clock: Clock;

  constructor(
    readonly store: Store,
    private readonly opts: TaskServiceOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.orchestrations = new OrchestrationService(store);
    this.dir = join(store.dir, 'tasks');
    this.journal = new RunJournal(join(this.dir, 'runs'));
  }

  // ------------------------------------------------------------------ create

  /** `run_once`: a Temporary Run task; its one run starts as soon as a scheduler (or startDetachedRun) picks it up. */
  runOnce(input: CreateTaskInput): Promise<TaskView> {
    return this.create('once', input);
  }

  /** `run_scheduled`: a run each time the 5-field cron `schedule` (in `timezone`, default UTC) fires, until killed. */
  runScheduled(input: CreateTaskInput & { schedule: string; timezone?: string; allowConcurrent?: boolean }): Promise<TaskView> {
    return this.create('scheduled', input);
  }

  /** `run_continuously`: a new run within a minute of the previous one ending, until killed. */
  runContinuously(input: CreateTaskInput): Promise<TaskView> {
    return this.create('continuous', input);
  }

  async create(
    kind: TaskRunKind,
    input: CreateTaskInput & { schedule?: string; timezone?: string; allowConcurrent?: boolean },
  ): Promise<TaskView> {
    const orch = this.orchestrations.get(input.orchId);
    if (orch.workspace_id !== input.workspaceId) throw new JoeyError('not_found', `orchestration ${input.orchId} not found in workspace ${input.workspaceId}`, { status: 404 });
    if (orch.status !== 'ready') throw new JoeyError('invalid', `orchestration "${orch.name}" is not ready (${orch.status}${orch.error ? `: ${orch.error}` : ''})`, { status: 400 });
    const timezone = input.timezone ?? 'UTC';
    if (kind === 'scheduled') {
      if (!input.schedule) throw new JoeyError('invalid', 'a scheduled task needs a schedule (5-field cron, e.g. "42 * * * *")', { status: 400 });
      validateSchedule(input.schedule, timezone);
    }
    const args = input.args ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new JoeyError('invalid', 'task args (json) must be a JSON object', { status: 400 });
    const timeout = input.timeout ?? null;
    if (timeout !== null && (!Number.isFinite(timeout) || timeout <= 0)) throw new JoeyError('invalid', `timeout must be a positive number of seconds, got ${timeout}`, { status: 400 });
    const t = new Date(this.clock.now()).toISOString();
    const doc: TaskDoc = {
      id: randomUUID(),
      name: input.name ?? null,
      workspace_id: input.workspaceId,
      orch_id: orch.id,
      orch_sha: orch.sha,
      run: kind,
      schedule: kind === 'scheduled' ? input.schedule!.trim() : null,
      timezone,
      timeout,
      input_data: args,
      allow_concurrent: kind === 'scheduled' ? !!input.allowConcurrent : false,
      killed: false,
      killed_at: null,
      created_at: t,
      updated_at: t,
      labels: input.labels ?? {},
    };
    await this.store.put(TASKS, doc.id, doc);
    return this.get(doc.id);
  }

  // ------------------------------------------------------------------ read

  /** The task as the scheduler sees it. */
  taskRecord(id: string): TaskRecord {
    return this.record(this.doc(id), this.state().tasks[id]);
  }

  private doc(id: string): TaskDoc {
    const d = this.store.get<TaskDoc>(TASKS, id);
    if (!d) throw new JoeyError('not_found', `task ${id} not found`, { status: 404 });
    return d;
  }

  private state(): StateDoc {
    return this.store.get<StateDoc>(STATE, STATE_ID) ?? { tasks: {} };
  }

  private record(d: TaskDoc, st: TaskState | undefined): TaskRecord {
    const last = st?.last_run ?? null;
    const active = st?.active.length ?? 0;
    let status: TaskStatus;
    if (d.killed) status = active > 0 ? 'pending_kill' : 'killed';
    else if (!last) status = 'pending';
    else if (d.run === 'once' && active === 0 && last.status !== 'success') status = 'failed';
    else status = 'started';
    const updated = last && last.updated_at > d.updated_at ? last.updated_at : d.updated_at;
    const { killed_at: _k, ...rest } = d;
    return { ...rest, status, updated_at: updated, last_fire: st?.last_fire ?? null };
  }

  private view(d: TaskDoc, st: TaskState | undefined, withRuns: boolean): TaskView {
    const r = this.record(d, st);
    const last = st?.last_run ?? null;
    const activeRuns = st?.active.length ?? 0;
    const active = !d.killed && (d.run !== 'once' || !last || activeRuns > 0);
    const runs = withRuns ? this.journal.lastRuns(d.id, 'all', 10) : last ? [last] : [];
    return {
      ...r,
      type: TASK_TYPE[d.run],
      last_run_status: last ? last.status : 'unknown',
      active,
      next_run: d.run === 'scheduled' && !d.killed ? new Date(nextFire(d.schedule!, d.timezone, Math.max(this.clock.now(), st?.last_fire ? Date.parse(st.last_fire) : 0))).toISOString() : null,
      flavor: d.run === 'once' ? 'exec_orch_oneshot' : d.run === 'scheduled' ? 'exec_orch_cron' : 'exec_orch_service',
      exec_type: d.run === 'scheduled' ? 'cronjob' : 'job',
      extra_env_vars: { ORCH_SHA: d.orch_sha, TASK_ID: d.id },
      last_runs: runs.map((x) => ({ run_id: x.run_id, status: x.status, created_at: x.created_at })),
    };
  }

  get(id: string): TaskView {
    return this.view(this.doc(id), this.state().tasks[id], true);
  }

  /**
   * Tasks, newest `updated_at` first. `killed`: omitted = every task; true = only killed ones; false = only
   * tasks not killed. (The platform's `list_tasks(killed=False)` means "all": the HTTP route maps it so.)
   */
  list(opts: { workspaceId?: number; killed?: boolean } = {}): TaskView[] {
    const st = this.state();
    return this.store
      .list<TaskDoc>(TASKS, (d) => (opts.workspaceId === undefined || d.workspace_id === opts.workspaceId) && (opts.killed === undefined || d.killed === opts.killed))
      .map((d) => this.view(d, st.tasks[d.id], false))
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.created_at.localeCompare(a.created_at));
  }

  /** The newest live (not killed) task with this name in the workspace. */
  findByName(workspaceId: number, name: string, opts: { includeKilled?: boolean } = {}): TaskView | undefined {
    return this.list({ workspaceId }).find((t) => t.name === name && (opts.includeKilled || !t.killed));
  }

  /** `Task.status()`: `pending` before its first run, `started` after. */
  status(id: string): 'pending' | 'started' {
    return this.state().tasks[id]?.last_run ? 'started' : (this.doc(id), 'pending');
  }

  /** `Task.last_runs(status, limit)`: newest `updated_at` first. */
  lastRuns(id: string, status: RunStatus | 'all' = 'all', limit?: number): TaskRunRecord[] {
    this.doc(id);
    return this.journal.lastRuns(id, status, limit);
  }

  /** Finds a run by id across tasks (the API's get_logs_for_run takes only the run id). */
  findRun(runId: string, taskId?: string): TaskRunRecord {
    const ids = taskId ? [taskId] : Object.keys(this.state().tasks);
    for (const t of ids) {
      const r = this.journal.run(t, runId);
      if (r) return r;
    }
    throw new JoeyError('not_found', `task run ${runId} not found`, { status: 404 });
  }

  logFile(runId: string): string {
    if (!/^[A-Za-z0-9-]{1,100}$/.test(runId)) throw new JoeyError('invalid', `bad run id ${JSON.stringify(runId)}`, { status: 400 });
    return join(this.dir, 'logs', `${runId}.log`);
  }

  /** `TaskRun.logs(limit)`: the last `limit` lines (all when omitted), oldest first. */
  logs(runId: string, limit?: number): string[] {
    const f = this.logFile(runId);
    if (!existsSync(f)) this.findRun(runId); // 404 for unknown runs; a known run may simply have no output yet
    return tailRunLog(f, limit);
  }

  // ------------------------------------------------------------------ kill

  /**
   * `kill`: no further runs; a run in progress is terminated (it ends `failure`, reason "killed"). Answers
   * with status `pending_kill`, as the platform does; the task reads `killed` once no run is left.
   */
  async kill(id: string): Promise<TaskView> {
    await this.store.update<TaskDoc>(TASKS, id, (d) => {
      if (!d) throw new JoeyError('not_found', `task ${id} not found`, { status: 404 });
      if (d.killed) return d;
      const t = new Date(this.clock.now()).toISOString();
      return { ...d, killed: true, killed_at: t, updated_at: t };
    });
    const active = this.state().tasks[id]?.active ?? [];
    for (const runId of active) {
      const run = this.journal.run(id, runId);
      if (!run) continue;
      const local = run.runner_host === hostname();
      if (local && run.pid && pidAlive(run.pid)) killGroup(run.pid, 'SIGTERM');
      // Nobody left to record the end: record it here.
      if (local && (!run.runner_pid || !pidAlive(run.runner_pid)) && run.runner_pid !== process.pid) {
        const t = new Date().toISOString();
        await this.finishRun(runId, { status: 'failure', reason: 'killed', exitCode: null, signal: null, startedAt: run.started_at ?? t, endedAt: t }, id);
      }
    }
    return { ...this.get(id), status: 'pending_kill' };
  }

  // ------------------------------------------------------------------ scheduler backend

  /** Tasks the scheduler must look at: all not yet fully killed. */
  async liveTasks(): Promise<TaskRecord[]> {
    const st = this.state();
    return this.store
      .list<TaskDoc>(TASKS)
      .map((d) => this.record(d, st.tasks[d.id]))
      .filter((t) => t.status !== 'killed');
  }

  /** Applies a batch of claims in one store transaction (one fsync'd write of the state document). */
  async claim(claims: (Claim | { kind: 'manual'; taskId: string })[], now: number, opts: { deferJournal?: boolean } = {}): Promise<ClaimResult[]> {
    const created: TaskRunRecord[] = [];
    let changed = false;
    const results = await this.store.withLock(() => {
      const st = this.state();
      const out: ClaimResult[] = [];
      for (const c of claims) {
        const d = this.store.get<TaskDoc>(TASKS, c.taskId);
        if (!d) {
          out.push({ taskId: c.taskId, runs: [] });
          continue;
        }
        const s = st.tasks[c.taskId] ?? { last_fire: null, active: [], last_run: null, runs: 0 };
        const task = this.record(d, s);
        const known: TaskRunRecord[] = s.active.map((run_id) => ({ ...newRun(c.taskId, now), run_id }));
        if (s.last_run) known.push({ ...newRun(c.taskId, now), ...s.last_run });
        let eff;
        if (c.kind === 'manual') {
          if (d.killed) throw new JoeyError('conflict', `task ${c.taskId} was killed`, { status: 409 });
          if (s.active.length > 0 && !d.allow_concurrent) throw new JoeyError('conflict', `task ${c.taskId} already has a run in progress (${s.active[0]})`, { status: 409 });
          const run = newRun(c.taskId, now);
          eff = { task, runs: [run], launch: [run] };
        } else {
          eff = applyClaim(task, known, c, now);
        }
        if (eff.task && eff.task.last_fire !== s.last_fire) {
          s.last_fire = eff.task.last_fire;
          changed = true;
        }
        for (const r of eff.runs) {
          created.push(r);
          s.runs++;
          if (r.status === 'running') s.active.push(r.run_id);
          s.last_run = summary(r);
        }
        st.tasks[c.taskId] = s;
        out.push({ taskId: c.taskId, runs: eff.launch, retryAt: eff.retryAt });
      }
      // Only the state document (the claim itself) is written under the lock: runs can launch as soon as it is
      // durable. Their journal records follow right after (a crash in between leaves an active run id without a
      // record, which reapStaleRuns clears).
      if (created.length > 0 || changed) this.store.putUnlocked(STATE, STATE_ID, st);
      return out;
    }, 'tasks: claim runs');
    // The scheduler launches first and lets the journal lines follow in the next batched write.
    if (opts.deferJournal) this.mutate(created, null).catch(() => undefined);
    else await this.appendRuns(created);
    return results;
  }

  /** Records how a run ended. Batched: finishes arriving together share one store write. */
  finishRun(runId: string, outcome: RunOutcome, taskId?: string, run?: TaskRunRecord): Promise<void> {
    const tid = taskId ?? run?.task ?? this.findRun(runId).task;
    const prev = run?.run_id === runId ? run : this.journal.run(tid, runId);
    if (!prev) return Promise.reject(new JoeyError('not_found', `task run ${runId} not found`, { status: 404 }));
    const killed = this.store.get<TaskDoc>(TASKS, tid)?.killed ?? false;
    const rec: TaskRunRecord = {
      ...prev,
      status: outcome.status,
      // A run whose process group was signalled by kill() from another process ends with just the signal.
      reason: killed && outcome.status === 'failure' && outcome.signal && !outcome.reason?.startsWith('stopped') ? 'killed' : outcome.reason,
      exit_code: outcome.exitCode,
      signal: outcome.signal,
      started_at: prev.started_at ?? outcome.startedAt,
      ended_at: outcome.endedAt,
      updated_at: outcome.endedAt,
    };
    return this.mutate([rec], (st) => {
      const s = st.tasks[tid];
      if (!s) return;
      s.active = s.active.filter((r) => r !== runId);
      if (!s.last_run || s.last_run.created_at <= rec.created_at) s.last_run = summary(rec);
    });
  }

  /** Records the python pid of a run (so kill() from another process can terminate it). */
  notePid(run: TaskRunRecord, pid: number, runnerPid = process.pid): TaskRunRecord {
    const rec = { ...run, pid, runner_pid: runnerPid, runner_host: hostname() };
    // Through the batch queue, so it lands after the run's first record even when that one was deferred.
    this.mutate([rec], null).catch(() => undefined);
    return rec;
  }

  /** Runs marked running whose supervising joey process died (on this host) end as `failure`. */
  async reapStaleRuns(): Promise<number> {
    const st = this.state();
    let n = 0;
    for (const [taskId, s] of Object.entries(st.tasks)) {
      for (const runId of s.active) {
        const r = this.journal.run(taskId, runId);
        const t = new Date().toISOString();
        if (!r) {
          // Claimed, but the process died before recording the run: forget it.
          if (Date.now() - Date.parse(s.last_run?.created_at ?? t) < STALE_RUN_GRACE_MS) continue;
          n++;
          await this.mutate([], (doc) => {
            const e = doc.tasks[taskId];
            if (e) e.active = e.active.filter((x) => x !== runId);
          });
          continue;
        }
        if (r && (r.runner_host !== hostname() || (r.runner_pid && pidAlive(r.runner_pid)) || Date.now() - Date.parse(r.created_at) < STALE_RUN_GRACE_MS)) continue;
        if (r?.pid && pidAlive(r.pid)) killGroup(r.pid, 'SIGKILL');
        n++;
        await this.finishRun(
          runId,
          { status: 'failure', reason: `the joey process supervising this run (pid ${r?.runner_pid ?? '?'}) exited before it finished`, exitCode: null, signal: null, startedAt: r?.started_at ?? t, endedAt: t },
          taskId,
        );
      }
    }
    return n;
  }

  /** Executes a claimed run to its end (python, or the injected executor). */
  async execute(task: TaskRecord, run: TaskRunRecord, signal: AbortSignal): Promise<RunOutcome> {
    if (this.opts.executor) return this.opts.executor(task, run, signal, this);
    const runDir = join(this.dir, 'work', run.run_id);
    try {
      return await executeRun({
        runId: run.run_id,
        taskId: task.id,
        orchSha: task.orch_sha,
        zip: this.orchestrations.zip(task.orch_sha),
        args: task.input_data,
        timeout: task.timeout ?? undefined,
        runDir,
        logFile: this.logFile(run.run_id),
        venvRoot: join(this.dir, 'venvs'),
        env: this.opts.taskEnv,
        signal,
        onSpawn: (pid) => {
          this.notePid(run, pid);
        },
      });
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  }

  /** Starts a run of a task now, outside its schedule (`joey tasks run-now`); returns it once it has ended. */
  async runNow(taskId: string, opts: { signal?: AbortSignal } = {}): Promise<TaskRunRecord> {
    const [res] = await this.claim([{ kind: 'manual', taskId }], Date.now());
    const run = res.runs[0];
    const outcome = await this.execute(this.record(this.doc(taskId), this.state().tasks[taskId]), run, opts.signal ?? new AbortController().signal);
    await this.finishRun(run.run_id, outcome, taskId);
    return this.journal.run(taskId, run.run_id)!;
  }

  // ------------------------------------------------------------------ heartbeat

  heartbeatFile(): string {
    return join(this.dir, 'scheduler.json');
  }

  async heartbeat(info: { pid: number; host: string; started_at: string; heartbeat_at: string } | null): Promise<void> {
    const f = this.heartbeatFile();
    if (info === null) {
      rmSync(f, { force: true });
      return;
    }
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(join(this.store.dir, 'tmp'), { recursive: true });
    atomicWrite(f, JSON.stringify(info) + '\n', join(this.store.dir, 'tmp'));
  }

  /** Whether a scheduler is running for this state directory (fresh heartbeat from a live process). */
  schedulerStatus(now = Date.now()): { running: boolean; pid?: number; host?: string; heartbeat_at?: string } {
    try {
      const b = JSON.parse(readFileSync(this.heartbeatFile(), 'utf8')) as { pid: number; host: string; heartbeat_at: string };
      const fresh = now - Date.parse(b.heartbeat_at) < HEARTBEAT_STALE_MS;
      const alive = b.host !== hostname() || pidAlive(b.pid);
      return { running: fresh && alive, pid: b.pid, host: b.host, heartbeat_at: b.heartbeat_at };
    } catch {
      return { running: false };
    }
  }

  // ------------------------------------------------------------------ internals

  /** Appends run records under the store lock (journal appends and compactions never interleave). */
  appendRuns(records: TaskRunRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.store.withLock(() => this.appendUnlocked(records), 'tasks: record runs');
  }

  private appendUnlocked(records: TaskRunRecord[]): void {
    this.journal.append(records);
    for (const task of new Set(records.map((r) => r.task))) {
      for (const runId of this.journal.compact(task, KEEP_RUNS, COMPACT_BYTES)) rmSync(this.logFile(runId), { force: true });
    }
  }

  /** Queues journal records and a state change (null: records only) for the next batched write. */
  private mutate(records: TaskRunRecord[], fn: ((s: StateDoc) => void) | null): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ fn, records, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.flushScheduled = false;
    try {
      const records = batch.flatMap((b) => b.records);
      await this.store.withLock(() => {
        // State first, then the journal: whoever sees a run ended in its history also sees it in the state.
        if (batch.some((b) => b.fn !== null)) {
          const st = this.state();
          for (const b of batch) b.fn?.(st);
          this.store.putUnlocked(STATE, STATE_ID, st);
        }
        this.appendUnlocked(records);
      }, 'tasks: record runs');
      for (const b of batch) b.resolve();
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }
}

function summary(r: TaskRunRecord): RunSummary {
  return { run_id: r.run_id, status: r.status, created_at: r.created_at, updated_at: r.updated_at, ended_at: r.ended_at };
}
