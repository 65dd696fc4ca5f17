import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRepo } from '../src/manifest/index.js';
import { formatDiagnostic, type Diagnostic } from '../src/model/index.js';
import { copyExamples } from './examples.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BROKEN = join(ROOT, 'test/fixtures/broken');
const EXAMPLES = join(ROOT, 'examples');

function joey(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `# expect: TEXT` markers in the fixtures: the line must get an error containing TEXT. */
function expectations(dir: string): { file: string; line: number; text: string }[] {
  const out: { file: string; line: number; text: string }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((l, i) => {
        const m = /# expect: (.*)$/.exec(l);
        if (m) out.push({ file, line: i + 1, text: m[1]!.trim() });
      });
  }
  return out;
}

describe('joey validate on broken manifests', () => {
  const expected = expectations(BROKEN);

  it('the library reports every marked problem at its file and line, and nothing else', async () => {
    const { diagnostics } = await loadRepo(BROKEN);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    for (const x of expected) {
      const hit = errors.find((d) => d.file === x.file && d.line === x.line && d.message.includes(x.text.replace(/^YAML syntax$/, 'YAML')));
      expect(hit, `${x.file}:${x.line} should report "${x.text}"; got:\n${errors.map(formatDiagnostic).join('\n')}`).toBeDefined();
    }
    const unexpected = errors.filter((d) => !expected.some((x) => x.file === d.file && x.line === d.line));
    expect(unexpected.map(formatDiagnostic)).toEqual([]);
    expect(expected.length).toBeGreaterThanOrEqual(20);
  });

  it('points at the exact column of the offending field', async () => {
    const { diagnostics } = await loadRepo(BROKEN);
    const at = (file: string, path: string) => diagnostics.find((d) => d.file === file && d.path === path);
    expect(at('unknown-field.yaml', 'spec.replicas')).toMatchObject({ line: 9, col: 3 }); // the key
    expect(at('wrong-type.yaml', 'spec.replicas')).toMatchObject({ line: 7, col: 13 }); // the value
    expect(at('underscore-name.yaml', 'metadata.name')).toMatchObject({ line: 4, col: 9 });
    expect(at('count-validation.yaml', 'spec.validations.count')).toMatchObject({ line: 10, col: 5 });
    // An expression error points inside the string, at the character where the problem starts.
    const src = readFileSync(join(BROKEN, 'misc.yaml'), 'utf8').split('\n');
    const expr = at('misc.yaml', 'spec.validations.evil')!;
    expect(src[expr.line - 1]!.slice(expr.col - 1)).toMatch(/^__import__/);
  });

  it('the CLI exits 1 and prints every problem as file:LINE:COL: error: path: message', () => {
    const r = joey('validate', 'test/fixtures/broken');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(r.stdout).not.toContain('sk-live'); // a secret committed by mistake is reported, never echoed
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain(
      'test/fixtures/broken/underscore-name.yaml:4:9: error: metadata.name: must be a DNS-1123 label: lowercase letters, digits and \'-\' only, at most 63 characters (\'.\' and \'_\' are not allowed)',
    );
    expect(lines).toContain('test/fixtures/broken/dangling-model.yaml:11:23: error: spec.steps[1].shadow.challengers[0]: model "ccfraud-v9" not found in workspace "fraud"');
    expect(lines.find((l) => l.startsWith('test/fixtures/broken/cron.yaml:9:13: error: spec.schedule: must be a 5-field cron'))).toBeDefined();
    expect(lines.find((l) => l.startsWith('test/fixtures/broken/gpus.yaml:8:3: error: spec.gpus: gpus requires deploymentLabel'))).toBeDefined();
    expect(lines.find((l) => l.startsWith('test/fixtures/broken/syntax.yaml:7:14: error: YAML syntax'))).toBeDefined();
    const diagLines = lines.filter((l) => /^[^:]+:\d+:\d+: (error|warning): /.test(l));
    expect(diagLines.length).toBe(expected.length);
    expect(lines.at(-1)).toBe(`test/fixtures/broken: ${expected.length} error(s)`);
  });

  it('--json gives the same problems as a list of {file,line,col,path,message,severity}', () => {
    const r = joey('validate', 'test/fixtures/broken', '--json');
    expect(r.code).toBe(1);
    const list = JSON.parse(r.stdout) as Diagnostic[];
    expect(list.length).toBe(expected.length);
    for (const d of list) expect(Object.keys(d).sort()).toEqual(['col', 'file', 'line', 'message', 'path', 'severity']);
    expect(list.find((d) => d.message.includes('count is a reserved name'))).toMatchObject({
      file: 'test/fixtures/broken/count-validation.yaml',
      line: 10,
      col: 5,
      path: 'spec.validations.count',
      severity: 'error',
    });
  });
});

describe('joey validate on the examples', () => {
  it('exits 0 with a one-line summary', () => {
    const r = joey('validate', 'examples');
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('examples: 9 documents valid (1 workspace, 2 models, 1 deployment config, 2 pipelines, 1 orchestration, 1 task, 1 assay)');
  });

  it('loads canonical resources with sources and artifact hashes', async () => {
    const { resources, diagnostics } = await loadRepo(EXAMPLES);
    expect(diagnostics).toEqual([]);
    const model = resources.find((r) => r.kind === 'Model' && r.metadata.name === 'ccfraud')!;
    const { createHash } = await import('node:crypto');
    expect(model.spec).toMatchObject({ sha256: createHash('sha256').update(readFileSync(join(EXAMPLES, 'models/ccfraud.onnx'))).digest('hex') });
    expect(model.source).toEqual({ file: 'models/ccfraud.yaml', line: 3, col: 1 });
    const orch = resources.find((r) => r.kind === 'Orchestration')!;
    expect((orch.spec as { sha256?: string }).sha256).toMatch(/^[a-f0-9]{64}$/);
    const assay = resources.find((r) => r.kind === 'Assay')!;
    expect(assay.spec).toMatchObject({ binning: { mode: 'quantile', bins: 5 }, window: { width: '1h', interval: '1h' } });
  });
});

describe('environment overlays', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'joey-overlay-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('--env prod patches by identity (maps merge, null deletes) and adds documents', async () => {
    const base = await loadRepo(EXAMPLES);
    const prod = await loadRepo(EXAMPLES, { env: 'prod' });
    expect(prod.diagnostics).toEqual([]);
    const small = (r: typeof base) => r.resources.find((x) => x.kind === 'DeploymentConfig')!.spec as Record<string, unknown>;
    expect(small(base)).toMatchObject({ replicas: 1, cpus: 0.25, memory: '1Gi', arch: 'x86' });
    expect(small(prod)).toEqual({ arch: 'x86', autoscale: { min: 1, max: 4, cpuUtilization: 70 }, cpus: 1, memory: '2Gi' });
    expect(prod.resources.length).toBe(base.resources.length + 1);
    expect(prod.resources.find((x) => x.kind === 'Connection')?.source?.file).toBe('environments/prod/connections/alerts.yaml');
    // The patched object keeps its base source.
    expect(prod.resources.find((x) => x.kind === 'DeploymentConfig')!.source!.file).toBe('deployment-configs/small.yaml');
  });

  it('reports problems an overlay introduces at the overlay line, and rebases artifact paths', async () => {
    copyExamples(join(tmp, 'repo'));
    const env = join(tmp, 'repo/environments/bad');
    cpSync(join(tmp, 'repo/environments/prod'), env, { recursive: true });
    writeFileSync(
      join(env, 'pipeline.yaml'),
      ['apiVersion: joey.dev/v1', 'kind: Pipeline', 'metadata: {name: ccfraud, workspace: fraud}', 'spec:', '  deployment: {gpus: 2}', ''].join('\n'),
    );
    writeFileSync(
      join(env, 'model.yaml'),
      ['kind: Model', 'metadata: {name: ccfraud, workspace: fraud}', 'spec:', '  path: ../../models/xgboost_ccfraud.onnx', ''].join('\n'),
    );
    const r = await loadRepo(join(tmp, 'repo'), { env: 'bad' });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'environments/bad/pipeline.yaml:5:16: error: spec.deployment.gpus: gpus requires deploymentLabel (the label of the GPU nodepool)',
    ]);
    const model = r.resources.find((x) => x.kind === 'Model' && x.metadata.name === 'ccfraud')!;
    expect(model.spec).toMatchObject({ path: 'xgboost_ccfraud.onnx' });
    const xgb = r.resources.find((x) => x.kind === 'Model' && x.metadata.name === 'ccfraud-xgb')!;
    expect((model.spec as { sha256: string }).sha256).toBe((xgb.spec as { sha256: string }).sha256);
  });

  it('an unknown environment is one clear error from the CLI', () => {
    const r = joey('validate', 'examples', '--env', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toContain('error: environment "nope" not found: examples/environments/nope is not a directory');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
