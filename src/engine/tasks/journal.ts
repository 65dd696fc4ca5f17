/**
 * Task run history: one append-only JSON-lines file per task under `<state>/tasks/runs/`, each line a full
 * snapshot of one run (a later line for the same run_id supersedes earlier ones). Appends are single
 * write() calls with O_APPEND, so several processes can record runs of one task safely.
 *
 * Why not one store document per run: each store write is fsync'd (~7 ms here), and 1,000 tasks firing on
 * the same minute would hold the store lock for seconds. The fire claims — what guarantees no double runs —
 * stay in the store, in one document written once per batch (see service.ts).
 *
 * Retention: when a task's file passes `compactBytes`, it is rewritten with one line per run, keeping the
 * newest `keepRuns` runs. Callers hold the store lock for append and compact, so neither loses the other's lines.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunStatus, TaskRunRecord } from './types.js';

export class RunJournal {
  constructor(readonly dir: string) {}

  private file(taskId: string): string {
    if (!/^[A-Za-z0-9-]{1,100}$/.test(taskId)) throw new Error(`bad task id ${JSON.stringify(taskId)}`);
    return join(this.dir, `${taskId}.jsonl`);
  }

  append(records: TaskRunRecord[]): void {
    const byTask = new Map<string, string[]>();
    for (const r of records) {
      const lines = byTask.get(r.task) ?? [];
      lines.push(JSON.stringify(r) + '\n');
      byTask.set(r.task, lines);
    }
    mkdirSync(this.dir, { recursive: true });
    for (const [task, lines] of byTask) appendFileSync(this.file(task), lines.join(''));
  }

  /**
   * Rewrites a task's file with one line per run, keeping the newest `keepRuns` (by created_at), when the file
   * is larger than `compactBytes`. Returns the ids of the runs dropped (their logs can go too).
   */
  compact(taskId: string, keepRuns: number, compactBytes: number): string[] {
    const f = this.file(taskId);
    try {
      if (statSync(f).size <= compactBytes) return [];
    } catch {
      return [];
    }
    const runs = this.runs(taskId).sort((a, b) => b.created_at.localeCompare(a.created_at));
    const keep = runs.slice(0, keepRuns).sort((a, b) => a.created_at.localeCompare(b.created_at));
    const tmp = `${f}.${process.pid}.compact`;
    writeFileSync(tmp, keep.map((r) => JSON.stringify(r) + '\n').join(''));
    renameSync(tmp, f);
    return runs.slice(keepRuns).map((r) => r.run_id);
  }

  /** Every run of a task, latest snapshot of each, newest `updated_at` first (the platform's order). */
  runs(taskId: string): TaskRunRecord[] {
    let text: string;
    try {
      text = readFileSync(this.file(taskId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const byId = new Map<string, TaskRunRecord>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as TaskRunRecord;
        byId.set(r.run_id, r);
      } catch {
        // A line torn by a crash mid-append: skip it.
      }
    }
    return [...byId.values()].sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : b.created_at.localeCompare(a.created_at)));
  }

  run(taskId: string, runId: string): TaskRunRecord | undefined {
    return this.runs(taskId).find((r) => r.run_id === runId);
  }

  /** `last_runs(status, limit)`: status `all` (default) or one run status. */
  lastRuns(taskId: string, status: RunStatus | 'all' = 'all', limit?: number): TaskRunRecord[] {
    const runs = this.runs(taskId).filter((r) => status === 'all' || r.status === status);
    return limit === undefined ? runs : runs.slice(0, Math.max(0, limit));
  }
}
