import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun, type RunRequest } from './executor.js';
import { tailRunLog } from './run-log.js';
import { orchestrationZip, tinyWheel } from './testing.js';

// Each test builds a real venv (python3 -m venv + pip): a few seconds apiece. PIP_NO_INDEX keeps pip off the
// network so the failure is the same everywhere.
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'joey-venv-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function req(name: string, files: Record<string, string | Uint8Array>): RunRequest {
  return {
    runId: name,
    taskId: 't',
    orchSha: `sha-${name}`,
    zip: orchestrationZip(files),
    args: {},
    runDir: join(tmp, 'runs', name),
    logFile: join(tmp, 'runs', name, 'log'),
    venvRoot: join(tmp, 'venvs'),
    env: { PIP_NO_INDEX: '1' },
    timeout: 60,
  };
}

describe('requirements.txt', () => {
  it('installs into a per-orchestration venv that later runs reuse', async () => {
    const wheel = tinyWheel('joeyhello', 'hello from a wheel');
    const files = { 'main.py': 'import joeyhello, sys\nprint(joeyhello.GREETING, sys.prefix)', 'requirements.txt': `./${wheel.fileName}\n`, [wheel.fileName]: wheel.bytes };
    const first = req('ok1', files);
    const out = await executeRun(first);
    expect(out.reason).toBeNull();
    expect(out.status).toBe('success');
    const line = tailRunLog(first.logFile, 1)[0];
    expect(line).toContain(`stdout F hello from a wheel ${join(tmp, 'venvs', 'sha-ok1')}`);
    // Second run of the same orchestration: no new venv, no pip.
    const second = { ...req('ok2', files), orchSha: 'sha-ok1' };
    expect((await executeRun(second)).status).toBe('success');
    expect(tailRunLog(second.logFile).some((l) => l.includes('pip install'))).toBe(false);
    expect(readdirSync(join(tmp, 'venvs')).filter((d) => !d.endsWith('.lock'))).toEqual(['sha-ok1']);
  });

  it('a requirement pip cannot install is a failure carrying pip\'s message', async () => {
    const r = req('bad', { 'main.py': 'print("never")', 'requirements.txt': 'definitely-not-a-package-joey==0.0.1\n' });
    const out = await executeRun(r);
    expect(out.status).toBe('failure');
    expect(out.reason).toMatch(/^requirements\.txt could not be installed: .*No matching distribution found for definitely-not-a-package-joey==0\.0\.1/);
    expect(tailRunLog(r.logFile).some((l) => l.endsWith('stdout F never'))).toBe(false);
    // The broken venv is not kept for the next run.
    expect(existsSync(join(tmp, 'venvs', 'sha-bad'))).toBe(false);
  });
});
