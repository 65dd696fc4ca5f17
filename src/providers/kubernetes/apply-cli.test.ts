import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { TestApiServer } from './testing/api-server.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
// Async spawn: the API server answers from this process's event loop.
const joey = async (args: string[]) => {
  try {
    const r = await promisify(execFile)('node', [join(repo, 'bin/run.js'), ...args], { cwd: repo, encoding: 'utf8' });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
};

let api: TestApiServer;
let kubeconfig: string;
beforeAll(async () => {
  api = new TestApiServer();
  await api.start();
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'joey-kc-')), 'config');
  const kc = api.kubeconfig('default');
  writeFileSync(
    kubeconfig,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: kc.clusters[0].server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'test', user: { token: 'test-token' } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'test', namespace: 'default' } }],
      'current-context': 'test',
    }),
  );
});
afterAll(() => api.stop());

describe('joey apply --target kubernetes (CLI)', () => {
  it('applies the rendered objects, then finds nothing to change', async () => {
    const first = await joey(['apply', 'examples', '--target', 'kubernetes', '--kubeconfig', kubeconfig, '--context', 'test', '--namespace', 'ml', '--env', 'prod', '--auto-approve']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\+ create Deployment\/joey-fraud-ccfraud/);
    expect(first.stdout).toMatch(/Apply complete! \d+ applied, 0 pruned/);
    expect(api.get('apps/v1', 'Deployment', 'ml', 'joey-fraud-ccfraud')).toBeDefined();
    expect(api.get('autoscaling/v2', 'HorizontalPodAutoscaler', 'ml', 'joey-fraud-ccfraud')).toBeDefined();
    const again = await joey(['apply', 'examples', '--target', 'kubernetes', '--kubeconfig', kubeconfig, '--namespace', 'ml', '--env', 'prod', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const doc = JSON.parse(again.stdout);
    expect(doc.diff.summary).toMatchObject({ create: 0, update: 0, delete: 0 });
    expect(doc.result.applied).toEqual([]);
  }, 60_000);

  it('an unknown context is a one-line error', async () => {
    const r = await joey(['apply', 'examples', '--target', 'kubernetes', '--kubeconfig', kubeconfig, '--context', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: context "nope" not found in the kubeconfig/m);
    expect(r.stderr).not.toContain('test-token');
  }, 30_000);
});
