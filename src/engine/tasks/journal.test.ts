import { mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newRun } from './claims.js';
import { RunJournal } from './journal.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'joey-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.parse('2026-01-01T00:00:00Z');

describe('run journal', () => {
  it('keeps the latest snapshot of each run, newest updated first, and skips a torn last line', () => {
    const j = new RunJournal(dir);
    const a = newRun('task-1', T);
    const b = newRun('task-1', T + 1000);
    j.append([a, b]);
    j.append([{ ...a, status: 'success', updated_at: new Date(T + 5000).toISOString() }]);
    appendFileSync(join(dir, 'task-1.jsonl'), '{"run_id": "torn');
    expect(j.runs('task-1').map((r) => [r.run_id, r.status])).toEqual([
      [a.run_id, 'success'],
      [b.run_id, 'running'],
    ]);
    expect(j.lastRuns('task-1', 'running')).toHaveLength(1);
    expect(j.lastRuns('task-1', 'all', 1)[0].run_id).toBe(a.run_id);
    expect(j.runs('other')).toEqual([]);
  });

  it('compacts to one line per run and keeps the newest runs', () => {
    const j = new RunJournal(dir);
    const runs = Array.from({ length: 30 }, (_, i) => newRun('task-2', T + i * 60_000));
    for (const r of runs) j.append([r, { ...r, pid: 42 }, { ...r, pid: 42, status: 'success', updated_at: new Date(T + 99e6).toISOString() }]);
    expect(j.compact('task-2', 10, 1e9)).toEqual([]); // under the size threshold: untouched
    const dropped = j.compact('task-2', 10, 100);
    expect(dropped.sort()).toEqual(runs.slice(0, 20).map((r) => r.run_id).sort());
    expect(readFileSync(join(dir, 'task-2.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10);
    const kept = j.runs('task-2');
    expect(kept.map((r) => r.run_id).sort()).toEqual(runs.slice(20).map((r) => r.run_id).sort());
    expect(kept.every((r) => r.status === 'success' && r.pid === 42)).toBe(true);
  });
});
