import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { schemaErrors } from './testing/validate-schema.js';
import { copyExamples } from '../../../test/examples.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const joey = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = repo) =>
  spawnSync('node', [join(repo, 'bin/run.js'), ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });

describe('joey render (CLI)', () => {
  it('prints only valid Kubernetes YAML on stdout, logs on stderr, and honours the Argo CD plugin env', () => {
    const r = joey(['render', 'examples'], {
      ARGOCD_APP_NAME: 'fraud-prod',
      ARGOCD_APP_NAMESPACE: 'ml-prod',
      ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
      ARGOCD_ENV_JOEY_ENV: 'prod',
      ARGOCD_ENV_JOEY_IMAGE: 'registry.local/joey:test',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/rendered \d+ object\(s\)/);
    const docs = YAML.parseAllDocuments(r.stdout);
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    const objs = docs.map((d) => d.toJS());
    expect(objs.length).toBeGreaterThan(5);
    for (const o of objs) {
      expect(schemaErrors(o)).toEqual([]);
      expect(o.metadata.namespace).toBe('ml-prod');
      expect(o.metadata.labels['app.kubernetes.io/instance']).toBe('fraud-prod');
      expect(o.metadata.annotations['joey.dev/commit']).toBe('0123456789abcdef0123456789abcdef01234567');
    }
    expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(true); // prod overlay selected by ARGOCD_ENV_JOEY_ENV
    const dep = objs.find((o) => o.kind === 'Deployment');
    expect(dep.spec.template.spec.containers[0].image).toBe('registry.local/joey:test');
  });

  it('--artifacts-out copies artifacts under their sha256, the names the pods read', () => {
    const out = mkdtempSync(join(tmpdir(), 'joey-art-'));
    const r = joey(['render', 'examples', '--artifacts-out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/artifacts: 3 in .* \(3 written\)/);
    const objs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS());
    const models = JSON.parse(objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'joey-fraud-ccfraud-config').data['models.json']);
    const file = join(out, models[0].sha256);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(models[0].sha256);
    const cron = objs.find((o) => o.kind === 'CronJob');
    const zip = cron.spec.jobTemplate.spec.template.spec.initContainers[0].command[4].split('/').pop();
    expect(existsSync(join(out, zip))).toBe(true);
    expect(createHash('sha256').update(readFileSync(join(out, zip))).digest('hex') + '.zip').toBe(zip);
  });

  it('flags win over the Argo CD env', () => {
    const r = joey(['render', 'examples', '--namespace', 'other', '--instance', 'x'], { ARGOCD_APP_NAMESPACE: 'ml-prod' });
    expect(r.status, r.stderr).toBe(0);
    const objs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(objs.every((o) => o.metadata.namespace === 'other' && o.metadata.name.startsWith('x-'))).toBe(true);
  });

  it('refuses a broken repo: diagnostics on stderr, nothing on stdout, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joey-render-'));
    copyExamples(dir);
    writeFileSync(join(dir, 'pipelines', 'broken.yaml'), 'apiVersion: joey.dev/v1\nkind: Pipeline\nmetadata: {name: broken, workspace: fraud}\nspec:\n  steps: [{model: nope}]\n');
    const r = joey(['render', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: error/);
  });
});
