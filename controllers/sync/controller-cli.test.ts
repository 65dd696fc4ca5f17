import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyExamples } from '../../test/examples.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('joey controller (CLI)', () => {
  it('syncs at start, takes a signed webhook, refuses a broken commit, and stops on SIGTERM', async () => {
    const base = mkdtempSync(join(tmpdir(), 'joey-ctl-cli-'));
    const upstream = join(base, 'upstream');
    copyExamples(upstream);
    git(upstream, 'init', '--quiet', '-b', 'main');
    git(upstream, 'add', '-A');
    git(upstream, 'commit', '--quiet', '-m', 'initial');
    const child = spawn('node', [join(repo, 'bin/run.js'), 'controller', '--repo', upstream, '--state', join(base, 'state'), '--webhook-port', '0', '--interval', '10m'], {
      env: { ...process.env, JOEY_WEBHOOK_SECRET: 'cli-secret' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      let url = '';
      for (let i = 0; i < 300 && !url; i++) {
        url = /listening on (http:\/\/[^\s]+)/.exec(stderr)?.[1] ?? '';
        await sleep(100);
      }
      expect(url, stderr).not.toBe('');
      const status = async () => (await fetch(`${url}/status`)).json();
      for (let i = 0; i < 300 && !(await status()).lastAppliedCommit; i++) await sleep(100);
      expect((await status()).lastAppliedCommit, stderr).toBe(git(upstream, 'rev-parse', 'HEAD'));
      expect(stderr).toMatch(/running loops: tasks/);

      const f = join(upstream, 'pipelines/ccfraud.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('- model: ccfraud', '- model: missing-model'));
      git(upstream, 'commit', '--quiet', '-am', 'broken');
      const bad = git(upstream, 'rev-parse', 'HEAD');
      const body = JSON.stringify({ ref: 'refs/heads/main', after: bad });
      const res = await fetch(`${url}/hooks/git`, { method: 'POST', headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'cli-secret').update(body).digest('hex')}` }, body });
      expect(res.status).toBe(202);
      const stalledOn = (st: { lastAttemptedCommit?: string; conditions: { type: string; status: string }[] }) =>
        st.lastAttemptedCommit === bad && st.conditions.some((c) => c.type === 'Stalled' && c.status === 'True');
      for (let i = 0; i < 300 && !stalledOn(await status()); i++) await sleep(100);
      const s = await status();
      expect(s.conditions.find((c: { type: string }) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidManifests' });
      expect(s.lastAppliedCommit).not.toBe(bad);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      expect(stderr).toMatch(/failed \(webhook/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(stderr).toMatch(/stopping/);
  }, 120_000);
});
