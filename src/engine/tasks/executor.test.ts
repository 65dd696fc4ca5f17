import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeRun, type RunRequest } from './executor.js';
import { tailRunLog } from './run-log.js';
import { orchestrationZip } from './testing.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'joey-exec-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Dead, or a zombie waiting for a reaper (the container's PID 1 may not reap orphans). */
function isGone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return true;
  }
}

function req(files: Record<string, string>, over: Partial<RunRequest> = {}): RunRequest {
  return {
    runId: 'run-1',
    taskId: 'task-1',
    orchSha: 'abc',
    zip: orchestrationZip(files),
    args: {},
    runDir: join(tmp, 'runs', 'run-1'),
    logFile: join(tmp, 'runs', 'run-1', 'log'),
    venvRoot: join(tmp, 'venvs'),
    ...over,
  };
}

const PRINT_ARGS = `
import json, os, sys
import wallaroo
wl = wallaroo.Client()
print("in_task", wl.in_task(), wallaroo.in_task())
print("sdk", json.dumps(wl.task_args(), sort_keys=True))
print("env", os.environ["JOEY_TASK_ARGS"])
print("file", open(os.environ["JOEY_TASK_ARGS_FILE"]).read())
print("cwd", os.path.basename(os.getcwd()))
print("to stderr", file=sys.stderr)
`;

describe('task run executor', () => {
  it('runs main.py with its args readable the seeds way and through the environment', async () => {
    const r = req({ 'main.py': PRINT_ARGS }, { args: { dogs: 3.9, cats: 8.1 } });
    const out = await executeRun(r);
    expect(out).toMatchObject({ status: 'success', exitCode: 0, reason: null });
    const lines = tailRunLog(r.logFile);
    const text = lines.map((l) => l.replace(/^\S+ (stdout|stderr) F /, '$1 '));
    expect(text).toContain('stdout in_task True True');
    expect(text).toContain('stdout sdk {"cats": 8.1, "dogs": 3.9}');
    expect(text).toContain('stdout env {"dogs":3.9,"cats":8.1}');
    expect(text).toContain('stdout file {"dogs":3.9,"cats":8.1}');
    expect(text).toContain('stdout cwd work');
    expect(text).toContain('stderr to stderr');
    // Every line carries an RFC 3339 timestamp.
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (stdout|stderr) F /);
    // The working copy is gone afterwards.
    expect(existsSync(join(r.runDir, 'work'))).toBe(false);
  });

  it('runs the first main.py in a subfolder with that folder as cwd', async () => {
    const r = req({ 'proj/main.py': 'import os, helper\nprint(os.path.basename(os.getcwd()), helper.X)', 'proj/helper.py': 'X = 7' });
    const out = await executeRun(r);
    expect(out.status).toBe('success');
    expect(tailRunLog(r.logFile, 1)[0]).toMatch(/stdout F proj 7$/);
  });

  it('a script sleeping past its timeout ends timed_out, its process group killed', async () => {
    const r = req(
      { 'main.py': 'import subprocess, time\np = subprocess.Popen(["sleep", "30"])\nprint("child", p.pid, flush=True)\ntime.sleep(30)' },
      { timeout: 1 },
    );
    const t0 = Date.now();
    const out = await executeRun(r);
    expect(out.status).toBe('timed_out');
    expect(out.reason).toMatch(/timeout of 1s/);
    expect(Date.now() - t0).toBeLessThan(5000);
    const logs = tailRunLog(r.logFile);
    expect(logs.at(-1)).toMatch(/joey: run timed out/);
    // The grandchild died with the group.
    const child = Number(logs.find((l) => l.includes('stdout F child'))!.split(' ').at(-1));
    await new Promise((r) => setTimeout(r, 100));
    expect(isGone(child)).toBe(true);
  });

  it('a failing script ends failure with its traceback in the logs', async () => {
    const r = req({ 'main.py': 'def f():\n    raise ValueError("boom")\nf()\n' });
    const out = await executeRun(r);
    expect(out).toMatchObject({ status: 'failure', exitCode: 1, reason: 'main.py exited with code 1' });
    const logs = tailRunLog(r.logFile).join('\n');
    expect(logs).toMatch(/stderr F Traceback \(most recent call last\):/);
    expect(logs).toMatch(/stderr F ValueError: boom/);
  });

  it('a comment-only requirements.txt needs no venv', async () => {
    const r = req({ 'main.py': 'print("ok")', 'requirements.txt': '# nothing to install\n\n   # really\n' });
    const out = await executeRun(r);
    expect(out.status).toBe('success');
    expect(existsSync(r.venvRoot)).toBe(false);
  });

  it('aborting a run (task killed) terminates it as failure "killed"', async () => {
    const ac = new AbortController();
    const r = req({ 'main.py': 'import time\nprint("up", flush=True)\ntime.sleep(30)' }, { signal: ac.signal, onSpawn: () => setTimeout(() => ac.abort(), 300) });
    const out = await executeRun(r);
    expect(out).toMatchObject({ status: 'failure', reason: 'killed' });
  });

  it('a missing interpreter is a clear failure', async () => {
    const r = req({ 'main.py': 'print(1)' }, { python: '/nonexistent/python3' });
    const out = await executeRun(r);
    expect(out.status).toBe('failure');
    expect(out.reason).toMatch(/could not start \/nonexistent\/python3/);
  });

  it('tails the last N lines', async () => {
    const r = req({ 'main.py': 'for i in range(500): print(i)' });
    await executeRun(r);
    const tail = tailRunLog(r.logFile, 3).map((l) => l.split(' F ')[1]);
    expect(tail).toEqual(['497', '498', '499']);
    expect(tailRunLog(r.logFile)).toHaveLength(500);
  });
});
