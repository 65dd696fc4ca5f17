/**
 * Plan time vs the number of managed objects (no changes), beside the time to load and validate the same manifests.
 *   npx tsx bench/plan.ts [SIZES...] [--memory]
 * (default: 100, 1,000 and 10,000 objects against a real embedded engine holding the same objects; `--memory` adds
 * the same sizes against an in-memory provider.)
 * Filling the engine is set-up, not measured: the repo is applied through the engine provider (the engine's own
 * services) inside one store transaction, so it commits with one journal and one fsync per document.
 * The plan is then timed on a freshly opened engine (cold: what `joey plan` pays) and once more on the same one (warm).
 * Target: a plan of 10,000 objects under 5 s, cost growing linearly. Each figure is printed with its ratio to the
 * load+validate baseline measured in the same run, and the growth factor per 10x objects.
 */
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRepo } from '../src/manifest/index.js';
import { loadDesiredRepo, planAgainst, applyRepo } from '../src/apply/reconcile.js';
import { MemoryProvider } from '../src/apply/memory-provider.js';
import { hasChanges } from '../src/plan/index.js';
import { EngineProvider } from '../src/providers/engine/provider.js';
import { Engine } from '../src/engine/index.js';

const MODEL = join(import.meta.dirname, '..', 'examples', 'models', 'ccfraud.onnx');

/**
 * A repo of `n` objects in workspaces of 100: one Workspace, one Model, then DeploymentConfigs and Pipelines
 * (each pipeline runs the workspace's model on its own config; many pipelines sharing a model is the common case,
 * and keeps the engine's set-up — ONNX inspection per model upload — inside the bench's time budget).
 */
function makeRepo(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), `joey-bench-plan-${n}-`));
  copyFileSync(MODEL, join(dir, 'model.onnx'));
  let left = n;
  for (let w = 0; left > 0; w++) {
    const ws = `ws-${w}`;
    const docs: string[] = [];
    const add = (doc: string) => {
      if (left-- > 0) docs.push(doc);
    };
    add(`apiVersion: joey.dev/v1\nkind: Workspace\nmetadata: {name: ${ws}}\nspec:\n  members: [{user: a@example.com, role: owner}]\n`);
    add(`apiVersion: joey.dev/v1\nkind: Model\nmetadata: {name: m, workspace: ${ws}}\nspec: {framework: onnx, path: ../model.onnx}\n`);
    for (let i = 0; i < 49; i++) {
      add(`apiVersion: joey.dev/v1\nkind: DeploymentConfig\nmetadata: {name: c-${i}, workspace: ${ws}}\nspec: {replicas: ${1 + (i % 3)}, cpus: 0.25, memory: 1024Mi}\n`);
      add(
        `apiVersion: joey.dev/v1\nkind: Pipeline\nmetadata: {name: p-${i}, workspace: ${ws}, labels: {team: t${i % 7}}}\nspec:\n  steps: [{model: m}]\n  validations: {high: 'pl.col("out.dense_1").list.get(0) > 0.9'}\n  deployment: false\n`,
      );
    }
    mkdirSync(join(dir, ws), { recursive: true });
    writeFileSync(join(dir, ws, 'all.yaml'), docs.join('---\n'));
  }
  return dir;
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

interface Row {
  n: number;
  fill: number;
  load: number;
  plan: number;
  warm: number;
}


async function benchSize(n: number, label: string, engine: boolean): Promise<Row> {
  const dir = makeRepo(n);
  const stateDir = join(dir, '.joey');
  const repo0 = await loadDesiredRepo(dir, { stateDir });
  if (repo0.desired.length !== n) throw new Error(`generated ${repo0.desired.length} objects, wanted ${n}`);
  const planOnce = async (provider: EngineProvider | MemoryProvider) => {
    const [plan, ms] = await time(async () => (await planAgainst(await loadDesiredRepo(dir, { stateDir }), provider)).plan);
    if (hasChanges(plan)) throw new Error(`${label}: expected no changes right after apply`);
    return ms;
  };
  let fill: number, planMs: number, warm: number;
  if (engine) {
    const e = await Engine.open({ stateDir });
    const filler = new EngineProvider(e, true);
    [, fill] = await time(() => e.store.withLock(() => applyRepo({ repo: repo0 }, filler, { stateDir, parallelism: 8 }), 'bench fill'));
    await filler.close();
    const fresh = new EngineProvider(await Engine.open({ stateDir }), true);
    planMs = await planOnce(fresh);
    warm = await planOnce(fresh);
    await fresh.close();
  } else {
    const p = new MemoryProvider();
    [, fill] = await time(() => applyRepo({ repo: repo0 }, p, { stateDir, parallelism: 8 }));
    planMs = await planOnce(p);
    warm = await planOnce(p);
  }
  // Load + validate alone: the baseline
  const [, load] = await time(() => loadRepo(dir));
  rmSync(dir, { recursive: true, force: true });
  return { n, fill, load, plan: planMs, warm };
}

export async function benchPlan(sizes: number[], label: string, engine: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) rows.push(await benchSize(n, label, engine));
  console.log(`\nplan vs ${label}, no changes:`);
  console.log('objects   fill (set-up)   load+validate   plan (cold)   plan/load   plan (warm)   growth per 10x objects');
  rows.forEach((r, i) => {
    const prev = rows[i - 1];
    // normalized to a 10x step: cost ratio ^ (1 / log10(size ratio)); linear growth prints 10.0
    const growth = prev ? `${Math.pow(r.plan / prev.plan, 1 / Math.log10(r.n / prev.n)).toFixed(1)}x (${(r.plan / prev.plan).toFixed(1)}x for ${(r.n / prev.n).toFixed(0)}x)` : '';
    console.log(
      `${String(r.n).padStart(7)}   ${r.fill.toFixed(0).padStart(10)} ms   ${r.load.toFixed(0).padStart(10)} ms   ${r.plan.toFixed(0).padStart(8)} ms   ${(r.plan / r.load).toFixed(2).padStart(8)}x   ${r.warm.toFixed(0).padStart(8)} ms   ${growth}`,
    );
  });
  const last = rows.at(-1)!;
  console.log(`target: ${last.n} objects under 5000 ms -> ${last.plan < 5000 ? 'met' : 'NOT met'} (${last.plan.toFixed(0)} ms cold)`);
  return rows;
}

const args = process.argv.slice(2);
const sizes = args.map(Number).filter(Boolean);
await benchPlan(sizes.length ? sizes : [100, 1000, 10000], 'the embedded engine', true);
if (args.includes('--memory')) await benchPlan(sizes.length ? sizes : [100, 1000, 10000], 'an in-memory provider', false);
