// End to end: `joey assays compute` on the seeds' data reproduces every printed configuration
// (expected numbers and their seed line numbers: src/assays/fixtures/seed-expected.json).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const fixtures = join(root, 'src/assays/fixtures');
const seed = JSON.parse(readFileSync(join(fixtures, 'seed-expected.json'), 'utf8'));

async function joey(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('node', [join(root, 'bin/run.js'), ...args], { cwd: root });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

function flagsFor(o: Record<string, unknown>): string[] {
  const f: string[] = [];
  if (o.metric) f.push('--metric', String(o.metric));
  if (o.numBins) f.push('--bins', String(o.numBins));
  if (o.binMode) f.push('--bin-mode', String(o.binMode));
  if (o.edges) f.push('--edges', (o.edges as number[]).join(','));
  if (o.aggregation) f.push('--aggregation', String(o.aggregation));
  if (o.alert) f.push('--alert-threshold', String(o.alert));
  return f;
}

const rel = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));

describe('joey assays compute', () => {
  const base = ['assays', 'compute', '--baseline', join(fixtures, 'seed-baseline.json'), '--window', join(fixtures, 'seed-window.json')];

  it('reproduces all eight printed configurations to 1e-12 relative', async () => {
    const results = await Promise.all(seed.configs.map((c: { options: Record<string, unknown> }) => joey([...base, ...flagsFor(c.options), '--json'])));
    seed.configs.forEach((c: { name: string; score: number; scores: number[]; index: number | null; score_is_float32?: boolean }, k: number) => {
      const { stdout, code, stderr } = results[k]!;
      expect(code, stderr).toBe(0);
      const r = JSON.parse(stdout);
      expect(r.scores.length, c.name).toBe(c.scores.length);
      r.scores.forEach((s: number, i: number) => expect(rel(s, c.scores[i]!), `${c.name} scores[${i}] ${s} vs ${c.scores[i]}`).toBe(true));
      if (c.score_is_float32) expect(Number(Math.fround(r.score).toPrecision(8)), c.name).toBe(c.score);
      else expect(rel(r.score, c.score), `${c.name} score ${r.score} vs ${c.score}`).toBe(true);
      expect(r.index, c.name).toBe(c.index);
      expect(r.status).toBe('Ok');
      expect(r.baseline.mean).toBe(seed.chart_header.baseline_mean);
      expect(r.window.mean).toBe(seed.chart_header.window_mean);
      expect(r.baseline.median).toBe(seed.chart_header.baseline_median);
      expect(r.window.median).toBe(seed.chart_header.window_median);
      expect(r.baseline.count).toBe(501);
      expect(r.window.count).toBe(1000);
      expect(r.baseline.edges.at(-1)).toBeNull(); // the right-outlier edge is +inf
    });
    const a = JSON.parse(results[0]!.stdout);
    expect(a.baseline.edgeNames).toEqual(seed.baseline_bins.edge_names);
    expect(a.baseline.aggregatedValues.map((v: number) => Number(v.toFixed(6)))).toEqual(seed.baseline_bins.aggregated_values);
  });

  it('scores the alert window (houseprice-window-2.json) as Alert 8.868614', async () => {
    const { stdout, code } = await joey([...base.slice(0, 4), '--window', join(fixtures, 'houseprice-window-2.json'), '--alert-threshold', '0.5', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.score.toFixed(6)).toBe(seed.alert_window.score_6dp);
    expect(r.status).toBe('Alert');
  });

  it('prints a table and a bar chart in text mode', async () => {
    const { stdout, code } = await joey([...base, '--metric', 'maxdiff', '--warning-threshold', '0.05']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Quantile bins, Density, MaxDiff: score 0\.06759281437 \(bin 1\) → Warning \(alert ≥ 0\.25, warning ≥ 0\.05\)/);
    expect(stdout).toMatch(/^q_20 +296202\.6875 +█+ +0\.2036 █+ +0\.1360 +0\.06759281437 ◀$/m);
    expect(stdout).toMatch(/^median +442168\.125 +448627\.8125$/m);
  });

  it('reads CSV and Arrow inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joey-assays-cli-'));
    const b: number[] = JSON.parse(readFileSync(join(fixtures, 'seed-baseline.json'), 'utf8'));
    writeFileSync(join(dir, 'b.csv'), 'price\n' + b.join('\n') + '\n');
    const { tableToIPC, tableFromArrays } = await import('apache-arrow');
    const w: number[] = JSON.parse(readFileSync(join(fixtures, 'seed-window.json'), 'utf8'));
    writeFileSync(join(dir, 'w.arrow'), tableToIPC(tableFromArrays({ time: Float64Array.from(w.map((_, i) => i)), 'out.variable': Float64Array.from(w) }), 'file'));
    const { stdout, code, stderr } = await joey(['assays', 'compute', '--baseline', join(dir, 'b.csv'), '--window', join(dir, 'w.arrow'), '--column', 'out.variable', '--json']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout).score).toBe(seed.configs[0].score);
  });

  it('fails with one clear line on bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joey-assays-cli-'));
    writeFileSync(join(dir, 'empty.json'), '[]');
    writeFileSync(join(dir, 'nan.json'), '[1, 2, null, 3]');
    const cases: [string[], RegExp][] = [
      [['--window', join(dir, 'empty.json')], /^error: the window has no values$/],
      [['--window', join(fixtures, 'seed-window.json'), '--bin-mode', 'provided', '--edges', '1,3,2'], /^error: provided edges must be strictly increasing: 3 then 2$/],
      [['--window', join(fixtures, 'seed-window.json'), '--edges', '1,2'], /^error: --edges needs --bin-mode provided$/],
      [['--window', join(dir, 'missing.json')], /^error: cannot read .*missing\.json: ENOENT$/],
    ];
    const [nan, ...outs] = await Promise.all([
      joey([...base.slice(0, 4), '--window', join(dir, 'nan.json'), '--json']),
      ...cases.map(([args]) => joey([...base.slice(0, 4), ...args])),
    ]);
    cases.forEach(([, re], i) => {
      const { code, stderr } = outs[i]!;
      expect(code).toBe(1);
      // the last stderr line is ours (others' half-built commands may make oclif print load warnings first)
      expect(stderr.trim().split('\n').at(-1)).toMatch(re);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
    expect(nan.code).toBe(0);
    expect(nan.stderr).toContain('warning: 1 NaN/Infinity value(s) left out of the window\n');
    expect(JSON.parse(nan.stdout).window.dropped).toBe(1);
  });
});
