import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngineProvider } from '../../src/providers/engine/provider.js';
import { SyncController, type SyncEvent } from './controller.js';
import { serveController, type ControllerHttp } from './http.js';
import { engineReconciler } from './reconcilers.js';
import { copyExamples } from '../../test/examples.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();

let ctl: SyncController | undefined;
let http: ControllerHttp | undefined;
afterEach(async () => {
  await ctl?.stop();
  await http?.close();
});

async function engineValidations(stateDir: string): Promise<Record<string, string>> {
  const p = await openEngineProvider({ stateDir });
  try {
    const objs = await p.read();
    const pipe = objs.find((o) => o.key === 'Pipeline/fraud/ccfraud');
    return ((pipe?.spec as { validations?: Record<string, string> })?.validations ?? {}) as Record<string, string>;
  } finally {
    await p.close?.();
  }
}

describe('joey controller with the embedded engine', () => {
  it('a pushed commit that changes a validation is live in the engine within seconds of the webhook', async () => {
    const base = mkdtempSync(join(tmpdir(), 'joey-esync-'));
    const upstream = join(base, 'upstream');
    copyExamples(upstream);
    git(upstream, 'init', '--quiet', '-b', 'main');
    git(upstream, 'add', '-A');
    git(upstream, 'commit', '--quiet', '-m', 'initial');
    const stateDir = join(base, 'engine');
    ctl = new SyncController({
      repo: upstream,
      intervalMs: 60_000,
      stateDir: join(base, 'controller'),
      target: 'engine',
      reconcile: engineReconciler({ stateDir }),
    });
    http = await serveController(ctl, { port: 0, webhookSecret: 'k' });
    await ctl.start();
    expect(ctl.status.lastError).toBeUndefined();
    expect((await engineValidations(stateDir)).high_fraud).toContain('> 0.9');

    const f = join(upstream, 'pipelines/ccfraud.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('list.get(0) > 0.9', 'list.get(0) > 0.75'));
    git(upstream, 'commit', '--quiet', '-am', 'lower the threshold');
    const sha = git(upstream, 'rev-parse', 'HEAD');
    const t0 = performance.now();
    const done = new Promise<SyncEvent>((resolve) => ctl!.on('sync', (e: SyncEvent) => e.commit === sha && resolve(e)));
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
    const res = await fetch(`${http.url}/hooks/git`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}` },
      body,
    });
    expect(res.status).toBe(202);
    const ev = await done;
    const latency = performance.now() - t0;
    process.stderr.write(`engine target: commit-to-applied latency via webhook ${latency.toFixed(0)} ms (${ev.report?.summary})\n`);
    expect(ev.type, ev.error).toBe('synced');
    expect((await engineValidations(stateDir)).high_fraud).toContain('> 0.75');
    expect(ev.report!.changed).toBeGreaterThan(0);
  }, 90_000);
});
