import { describe, expect, it } from 'vitest';
import { applyClaim, latest, type Claim, type ClaimResult } from '../../src/engine/tasks/claims.js';
import { ManualClock } from '../../src/engine/tasks/clock.js';
import type { RunOutcome } from '../../src/engine/tasks/executor.js';
import type { TaskRecord, TaskRunRecord } from '../../src/engine/tasks/types.js';
import { TaskScheduler, type SchedulerBackend, type SchedulerHeartbeat } from './scheduler.js';

/**
 * A backend holding tasks and runs in memory with the same claim rules as the store-backed TaskService; it
 * outlives scheduler instances, which is what a restart looks like. Runs "execute" until the test ends them.
 */
class MemoryBackend implements SchedulerBackend {
  tasks = new Map<string, TaskRecord>();
  runs: TaskRunRecord[] = [];
  beat: SchedulerHeartbeat | null = null;
  pending = new Map<string, (o: RunOutcome) => void>();
  constructor(private clock: ManualClock) {}
  async liveTasks() {
    return [...this.tasks.values()].filter((t) => t.status !== 'killed');
  }
  async claim(claims: Claim[], now: number): Promise<ClaimResult[]> {
    return claims.map((c) => {
      const eff = applyClaim(this.tasks.get(c.taskId)!, this.runs.filter((r) => r.task === c.taskId), c, now);
      if (eff.task) this.tasks.set(c.taskId, eff.task);
      this.runs.push(...eff.runs);
      return { taskId: c.taskId, runs: eff.launch, retryAt: eff.retryAt };
    });
  }
  async finishRun(runId: string, o: RunOutcome, _taskId?: string, _run?: TaskRunRecord) {
    const r = this.runs.find((x) => x.run_id === runId)!;
    Object.assign(r, { status: o.status, ended_at: o.endedAt, updated_at: o.endedAt, reason: o.reason });
  }
  async reapStaleRuns() {
    return 0;
  }
  execute(_t: TaskRecord, run: TaskRunRecord, signal: AbortSignal): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const end = (status: RunOutcome['status'], reason: string | null) => {
        const t = new Date(this.clock.now()).toISOString();
        resolve({ status, reason, exitCode: status === 'success' ? 0 : 1, signal: null, startedAt: run.started_at!, endedAt: t });
      };
      this.pending.set(run.run_id, (o) => end(o.status, o.reason));
      signal.addEventListener('abort', () => end('failure', typeof signal.reason === 'string' ? signal.reason : 'killed'));
    });
  }
  async heartbeat(b: SchedulerHeartbeat | null) {
    this.beat = b;
  }
  /** Ends every run still executing. */
  finishAll(status: RunOutcome['status'] = 'success') {
    for (const [id, f] of this.pending) {
      f({ status, reason: null } as RunOutcome);
      this.pending.delete(id);
    }
  }
  add(t: Partial<TaskRecord> & { id: string; run: TaskRecord['run'] }): TaskRecord {
    const now = new Date(this.clock.now()).toISOString();
    const rec: TaskRecord = {
      name: t.id,
      workspace_id: 1,
      orch_id: 'o',
      orch_sha: 's',
      schedule: null,
      timezone: 'UTC',
      timeout: null,
      input_data: {},
      allow_concurrent: false,
      status: 'pending',
      killed: false,
      created_at: now,
      updated_at: now,
      last_fire: null,
      labels: {},
      ...t,
    };
    this.tasks.set(rec.id, rec);
    return rec;
  }
  runsOf(id: string) {
    return this.runs.filter((r) => r.task === id);
  }
}

const T0 = Date.parse('2026-03-01T10:00:30.000Z');
const settle = () => new Promise((r) => setTimeout(r, 0));

async function setup() {
  const clock = new ManualClock(T0);
  const backend = new MemoryBackend(clock);
  return { clock, backend };
}

/** Moves the manual clock a step at a time, letting the scheduler's timers and promises run in between. */
async function advance(clock: ManualClock, ms: number, step = 1000) {
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done));
    await settle();
    await settle();
  }
}

describe('TaskScheduler', () => {
  it('fires a scheduled task on each cron time, on time', async () => {
    const { clock, backend } = await setup();
    backend.add({ id: 'every-minute', run: 'scheduled', schedule: '* * * * *' });
    const s = new TaskScheduler(backend, { clock });
    await s.start();
    await advance(clock, 29_000);
    expect(backend.runsOf('every-minute')).toHaveLength(0);
    await advance(clock, 1000); // 10:01:00
    let runs = backend.runsOf('every-minute');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'running', scheduled_for: '2026-03-01T10:01:00.000Z', created_at: '2026-03-01T10:01:00.000Z' });
    backend.finishAll();
    await advance(clock, 60_000); // 10:02:00
    runs = backend.runsOf('every-minute');
    expect(runs.map((r) => r.scheduled_for)).toEqual(['2026-03-01T10:01:00.000Z', '2026-03-01T10:02:00.000Z']);
    expect(backend.beat?.pid).toBe(process.pid);
    await s.stop();
    expect(backend.beat).toBeNull();
  });

  it('never runs two runs of one scheduled task at once: the overlapping fire is recorded missed', async () => {
    const { clock, backend } = await setup();
    backend.add({ id: 'slow', run: 'scheduled', schedule: '* * * * *' });
    const s = new TaskScheduler(backend, { clock });
    await s.start();
    await advance(clock, 90_000); // 10:01 and 10:02 fire; the 10:01 run is still going
    const runs = backend.runsOf('slow');
    expect(runs.map((r) => r.status)).toEqual(['running', 'missed']);
    expect(runs[1].reason).toMatch(/previous run .* was still running/);
    expect(s.activeRuns).toBe(1);
    await s.stop();
  });

  it('runs overlapping fires when the task allows it', async () => {
    const { clock, backend } = await setup();
    backend.add({ id: 'overlap', run: 'scheduled', schedule: '* * * * *', allow_concurrent: true });
    const s = new TaskScheduler(backend, { clock });
    await s.start();
    await advance(clock, 90_000);
    expect(backend.runsOf('overlap').map((r) => r.status)).toEqual(['running', 'running']);
    await s.stop();
    expect(backend.runsOf('overlap').map((r) => r.reason)).toEqual(['stopped: the scheduler shut down', 'stopped: the scheduler shut down']);
  });

  it('across a restart: no fire runs twice, fires missed while down are recorded as missed', async () => {
    const { clock, backend } = await setup();
    backend.add({ id: 'cron', run: 'scheduled', schedule: '* * * * *' });
    let s = new TaskScheduler(backend, { clock });
    await s.start();
    await advance(clock, 30_000); // fires 10:01
    backend.finishAll();
    await s.stop();
    expect(backend.runsOf('cron')).toHaveLength(1);

    // Restart 10 seconds later, still in the same minute: the 10:01 fire must not run again.
    await advance(clock, 10_000);
    s = new TaskScheduler(backend, { clock });
    await s.start();
    await settle();
    expect(backend.runsOf('cron')).toHaveLength(1);
    await s.stop();

    // Down from 10:01:10 to 10:05:40: 10:02, 10:03, 10:04, 10:05 passed (10:05 more than 30 s ago).
    clock.advance(4 * 60_000 + 30_000);
    s = new TaskScheduler(backend, { clock });
    await s.start();
    await settle();
    const runs = backend.runsOf('cron');
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ status: 'missed', missed_count: 4, scheduled_for: '2026-03-01T10:05:00.000Z' });
    expect(runs[1].reason).toBe('4 runs scheduled from 2026-03-01T10:02:00.000Z to 2026-03-01T10:05:00.000Z were missed: no scheduler was running at those times');
    // Then back on schedule at 10:06.
    await advance(clock, 20_000);
    expect(backend.runsOf('cron').map((r) => r.status)).toEqual(['success', 'missed', 'running']);
    expect(latest(backend.runsOf('cron'))!.scheduled_for).toBe('2026-03-01T10:06:00.000Z');
    await s.stop();
  });

  it('a fire only a few seconds late at restart still runs (starting deadline)', async () => {
    const { clock, backend } = await setup();
    backend.add({ id: 'late', run: 'scheduled', schedule: '* * * * *' });
    clock.advance(35_000); // 10:01:05, no scheduler ran at 10:01:00
    const s = new TaskScheduler(backend, { clock });
    await s.start();
    await settle();
    expect(backend.runsOf('late').map((r) => [r.status, r.scheduled_for])).toEqual([['running', '2026-03-01T10:01:00.000Z']]);
    await s.stop();
  });

  it('two schedulers sharing a store fire each time once', async () => {
    const { clock, backend } = await setup();
    backend.add({ id: 'shared', run: 'scheduled', schedule: '* * * * *', allow_concurrent: true });
    const a = new TaskScheduler(backend, { clock });
    const b = new TaskScheduler(backend, { clock });
    await a.start();
    await b.start();
    await advance(clock, 140_000); // to 10:02:50
    expect(backend.runsOf('shared').map((r) => r.scheduled_for)).toEqual(['2026-03-01T10:01:00.000Z', '2026-03-01T10:02:00.000Z']);
    await a.stop();
    await b.stop();
  });

  it('a killed scheduled task fires no more and its active run is stopped', async () => {
    const { clock, backend } = await setup();
    const t = backend.add({ id: 'victim', run: 'scheduled', schedule: '* * * * *' });
    const s = new TaskScheduler(backend, { clock });
    await s.start();
    await advance(clock, 30_000);
    expect(backend.runsOf('victim')).toHaveLength(1);
    backend.tasks.set(t.id, { ...backend.tasks.get(t.id)!, status: 'pending_kill', killed: true });
    await advance(clock, 5 * 60_000);
    await s.drain();
    const runs = backend.runsOf('victim');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'failure', reason: 'killed' });
    await s.stop();
  });

  it('starts a run-once task once, and restarts a continuous task after its run ends', async () => {
    const { clock, backend } = await setup();
    backend.add({ id: 'once', run: 'once' });
    backend.add({ id: 'cont', run: 'continuous' });
    const s = new TaskScheduler(backend, { clock, continuousDelayMs: 10_000 });
    await s.start();
    await settle();
    expect(backend.runsOf('once')).toHaveLength(1);
    expect(backend.runsOf('cont')).toHaveLength(1);
    backend.finishAll();
    await settle();
    await advance(clock, 5000);
    expect(backend.runsOf('cont')).toHaveLength(1); // waits out the restart delay
    await advance(clock, 6000);
    expect(backend.runsOf('cont')).toHaveLength(2);
    expect(backend.runsOf('once')).toHaveLength(1);
    await s.stop();
  });

  it('honours the time zone of a schedule', async () => {
    const { clock, backend } = await setup();
    // 11:02 in Paris (UTC+1 in March before DST) is 10:02 UTC.
    backend.add({ id: 'paris', run: 'scheduled', schedule: '2 11 * * *', timezone: 'Europe/Paris' });
    const s = new TaskScheduler(backend, { clock });
    await s.start();
    await advance(clock, 2 * 60_000, 5000);
    expect(backend.runsOf('paris').map((r) => r.scheduled_for)).toEqual(['2026-03-01T10:02:00.000Z']);
    await s.stop();
  });
});

describe('TaskScheduler after a long outage', () => {
  it('records one missed run for a year of fires and resumes on schedule', async () => {
    const { clock, backend } = await setup();
    backend.add({ id: 'yearly-gap', run: 'scheduled', schedule: '* * * * *' });
    clock.advance(365 * 24 * 3600_000 + 10_000); // no scheduler for a year (now 10:00:40, the 10:00 fire is 40 s late)
    const s = new TaskScheduler(backend, { clock });
    const t0 = performance.now();
    await s.start();
    await settle();
    expect(performance.now() - t0).toBeLessThan(5000);
    const runs = backend.runsOf('yearly-gap');
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('missed');
    expect(runs[0].reason).toMatch(/^more than 10000 runs scheduled from 2026-03-01T10:01:00\.000Z to 2027-03-01T10:00:00\.000Z were missed/);
    await advance(clock, 30_000);
    expect(backend.runsOf('yearly-gap').map((r) => r.status)).toEqual(['missed', 'running']);
    await s.stop();
  });
});
