/**
 * Seeds an engine for the dashboard's tests the way a user gets one: the examples repo committed to git and
 * applied with the reconciler, real inferences through the deployed ccfraud pipeline (a few hours of history
 * replayed from real model outputs, so the charts have windows to draw), an assay evaluated over those logs,
 * and task runs of the example orchestration (one succeeds, one fails).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { applyRepo, loadDesiredRepo } from '../src/apply/reconcile.js';
import { openEngineProvider } from '../src/providers/engine/provider.js';
import { EngineRuntime } from '../src/engine/runtime/index.js';
import { assaysOf } from '../src/engine/assays/index.js';
import { tasksOf } from '../src/engine/tasks/index.js';
import { startDetachedRun } from '../src/engine/tasks/detached.js';
import { copyExamples } from './examples.js';

const ROOT = join(import.meta.dirname, '..');
const HOUR = 3_600_000;

export interface Seeded {
  dir: string;
  stateDir: string;
  commit: string;
  /** Rows logged for fraud/ccfraud (history + the live requests). */
  rows: number;
  assayWindows: { status: string; score: number }[];
  applyFailed: string[];
}

const records = (file: string): { tensor: number[] }[] => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/runtime', file), 'utf8'));

export async function seedExamples(now = Date.now()): Promise<Seeded> {
  const dir = mkdtempSync(join(tmpdir(), 'joey-ui-'));
  copyExamples(dir);
  // The example assay is committed second, once there is traffic: its baseline is the first hour of the
  // replayed history (six hours ago), its windows the hours after it.
  const h0 = Math.floor(now / HOUR) * HOUR - 6 * HOUR;
  const assayFile = join(dir, 'assays/ccfraud-drift.yaml');
  const assayYaml = readFileSync(assayFile, 'utf8')
    .replace(/  baseline:\n    values: \[[^\]]*\]\n/, `  baseline:\n    start: "${new Date(h0).toISOString()}"\n    end: "${new Date(h0 + HOUR).toISOString()}"\n`)
    .replace('    interval: 1h\n', `    interval: 1h\n    start: "${new Date(h0 + HOUR).toISOString()}"\n`);
  rmSync(assayFile);
  const git = simpleGit({ baseDir: dir });
  await git.init();
  await git.addConfig('user.email', 'ui@example.com').addConfig('user.name', 'ui test');
  await git.add('.');
  await git.commit('manifests');

  const stateDir = join(dir, '.joey');
  const provider = await openEngineProvider({ stateDir });
  const engine = provider.engine;
  try {
    const first = await applyRepo({ repo: await loadDesiredRepo(dir, { stateDir }) }, provider, { stateDir });
    const applyFailed = (first.result?.failed ?? []).map((f) => JSON.stringify(f).slice(0, 300));

    // Inferences: six hours of history replayed from real outputs (drift in the last two), plus live requests.
    const rt = EngineRuntime.of(engine);
    const d = rt.deploymentOf('fraud', 'ccfraud');
    const normal = records('cc_data_1k.df.json');
    const fraud = records('high_fraud.df.json');
    let rows = 0;
    for (let h = 0; h < 6; h++) {
      const batch = h < 4 ? normal.slice(h * 120, h * 120 + 120) : [...normal.slice(600 + h * 40, 600 + h * 40 + 40), ...Array.from({ length: h === 4 ? 15 : 40 }, () => fraud).flat()];
      const res = await rt.infer(d, { body: JSON.stringify(batch), format: 'json' });
      await rt.logs.append('fraud/ccfraud', { ...res.result, time: h0 + h * HOUR + 17 * 60_000 });
      rows += 2 * res.result.numRows; // once at "now" (the live request) and once in the history
    }
    for (const file of ['smoke_test.df.json', 'high_fraud.df.json']) {
      const res = await rt.infer(d, { body: readFileSync(join(ROOT, 'test/fixtures/runtime', file), 'utf8'), format: 'json' });
      rows += res.result.numRows;
    }
    await rt.logs.flush();

    // Second commit: the drift assay; apply freezes its baseline from the logged first hour.
    writeFileSync(assayFile, assayYaml);
    await git.add('.');
    await git.commit('add the ccfraud drift assay');
    const commit = (await git.revparse(['HEAD'])).trim();
    const second = await applyRepo({ repo: await loadDesiredRepo(dir, { stateDir }) }, provider, { stateDir });
    applyFailed.push(...(second.result?.failed ?? []).map((f) => JSON.stringify(f).slice(0, 300)));
    const assays = assaysOf(engine);
    const ws = engine.workspaces.getByName('fraud');
    const results = await assays.evaluate(assays.getByName(ws.id, 'ccfraud-drift').id, now);

    // Task runs: the scheduled example task run now (succeeds), and a run-once task given a missing file (fails).
    const tasks = tasksOf(engine);
    const nightly = tasks.findByName(ws.id, 'nightly-report')!;
    await tasks.runNow(nightly.id);
    const failing = await tasks.runOnce({ workspaceId: ws.id, orchId: nightly.orch_id, name: 'report-missing-logs', args: { logs_file: '/nonexistent/logs.json' }, timeout: 60 });
    await startDetachedRun(stateDir, failing.id);
    for (let i = 0; i < 300 && !tasks.lastRuns(failing.id).some((r) => r.ended_at); i++) await new Promise((r) => setTimeout(r, 100));

    return { dir, stateDir, commit, rows, assayWindows: results.map((r) => ({ status: r.status, score: r.score })), applyFailed };
  } finally {
    await provider.close();
  }
}
