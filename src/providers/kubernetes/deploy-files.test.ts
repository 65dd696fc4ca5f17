import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { schemaErrors } from './testing/validate-schema.js';
import { copyExamples } from '../../../test/examples.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('deploy/ files', () => {
  it('the Argo CD plugin runs joey render as its generate command and the kustomization points at real files', () => {
    const plugin = YAML.parse(readFileSync(join(repo, 'deploy/argocd/plugin.yaml'), 'utf8'));
    expect(plugin).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ConfigManagementPlugin', metadata: { name: 'joey' } });
    expect(plugin.spec.generate.command).toEqual(['joey', 'render', '.']);
    const k = YAML.parse(readFileSync(join(repo, 'deploy/argocd/kustomization.yaml'), 'utf8'));
    for (const f of [...k.configMapGenerator[0].files, ...k.patches.map((p: { path: string }) => p.path)]) {
      expect(existsSync(join(repo, 'deploy/argocd', f)), f).toBe(true);
    }
    const patch = YAML.parse(readFileSync(join(repo, 'deploy/argocd/repo-server-patch.yaml'), 'utf8'));
    const sidecar = patch.spec.template.spec.containers[0];
    expect(sidecar.command).toEqual(['/var/run/argocd/argocd-cmp-server']);
    expect(sidecar.securityContext.runAsUser).toBe(999);
    const mounts = sidecar.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    expect(mounts).toContain('/home/argocd/cmp-server/config/plugin.yaml');
  });

  it('render-to-branch.sh commits the render to a branch once per change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joey-flux-'));
    const origin = join(dir, 'origin.git');
    const work = join(dir, 'work');
    git(dir, 'init', '--quiet', '--bare', origin);
    copyExamples(work);
    git(work, 'init', '--quiet', '-b', 'main');
    git(work, 'add', '-A');
    git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'manifests');
    git(work, 'remote', 'add', 'origin', origin);
    const env = { ...process.env, JOEY: `node ${join(repo, 'bin/run.js')}`, JOEY_ENV: 'prod', JOEY_NAMESPACE: 'ml-prod' };
    const run = () => spawnSync('bash', [join(repo, 'deploy/flux/render-to-branch.sh'), '.'], { cwd: work, env, encoding: 'utf8' });

    const first = run();
    expect(first.status, first.stderr).toBe(0);
    const head = git(work, 'rev-parse', 'HEAD');
    expect(git(origin, 'log', '--format=%B', '-1', 'joey-rendered/prod')).toContain(`Source-Commit: ${head}`);
    const rendered = git(origin, 'show', 'joey-rendered/prod:joey.yaml');
    const objs = YAML.parseAllDocuments(rendered).map((d) => d.toJS());
    expect(objs.length).toBeGreaterThan(5);
    for (const o of objs) {
      expect(schemaErrors(o)).toEqual([]);
      expect(o.metadata.namespace).toBe('ml-prod');
    }
    expect(git(origin, 'show', 'joey-rendered/prod:kustomization.yaml')).toContain('joey.yaml');

    // Same manifests again: no new commit on the rendered branch.
    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/unchanged/);
    expect(git(origin, 'rev-list', '--count', 'joey-rendered/prod')).toBe('1');

    // A real change: one more commit.
    writeFileSync(join(work, 'deployment-configs/small.yaml'), readFileSync(join(work, 'deployment-configs/small.yaml'), 'utf8').replace('cpus: 0.25', 'cpus: 0.5'));
    git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-am', 'more cpu');
    const third = run();
    expect(third.status, third.stderr).toBe(0);
    expect(git(origin, 'rev-list', '--count', 'joey-rendered/prod')).toBe('2');
    expect(git(work, 'branch', '--show-current')).toBe('main');
  }, 60_000);
});
