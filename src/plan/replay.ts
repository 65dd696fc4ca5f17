import * as arrow from 'apache-arrow';
import type { Engine } from '../engine/index.js';
import type { PipelineStep } from '../model/index.js';
import { keyOf } from '../model/index.js';
import { InferenceLogStore } from '../engine/logs/index.js';
import { PipelineExecutor, decodeArrow, pipelineLogKey, type RuntimeModel } from '../engine/runtime/index.js';
import type { Column, Frame } from '../engine/runtime/frame.js';
import { stepOf } from '../providers/engine/provider.js';
import type { DesiredObject, Plan } from './types.js';
import { pipelineModels } from './refs.js';

/**
 * Predictive plan (`joey plan --replay N`): for every pipeline whose steps or validations change (or whose models
 * are replaced), the last N logged inputs are run through the running definition and through the new one, in
 * scratch executors that log nothing, and the outputs compared.
 */
export interface PipelineReplay {
  key: string;
  /** Inputs replayed (at most N; fewer when fewer were logged). */
  rows: number;
  /** Rows whose outputs (`out.*`) differ between the running and the new definition. */
  changedRows: number;
  /** The largest numeric change of one output value. */
  largestChange: { column: string; row: number; before: number; after: number; delta: number } | null;
  /** Output columns only one side has (e.g. a model swap renames its output). */
  columnsChanged: { removed: string[]; added: string[] };
  anomalyCount: { before: number; after: number };
  note?: string;
}

export interface ReplayReport {
  n: number;
  pipelines: PipelineReplay[];
}

const TOL = 1e-9;

/** A deterministic random source, so A/B splits without a hash key route the same rows on both sides. */
function seeded(seed = 42): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function inputFrame(table: arrow.Table): Frame | undefined {
  const cols: Record<string, arrow.Vector> = {};
  for (const f of table.schema.fields) if (f.name.startsWith('in.')) cols[f.name.slice(3)] = table.getChild(f.name)!;
  if (!Object.keys(cols).length || table.numRows === 0) return undefined;
  return decodeArrow(arrow.tableToIPC(new arrow.Table(cols), 'file'));
}

function numbersOf(col: Column, row: number): unknown[] {
  if (col.kind === 'values') return [col.data[row]];
  const w = col.shape.reduce((a, b) => a * b, 1);
  return Array.from(col.data.subarray(row * w, row * w + w) as ArrayLike<number | bigint>, (v) => Number(v));
}

function sumColumn(col: Column | undefined): number {
  if (!col) return 0;
  if (col.kind === 'values') return col.data.reduce<number>((a, v) => a + (Number(v) || 0), 0);
  let s = 0;
  const data = col.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) s += Number(data[i]);
  return s;
}

export function compareResults(before: Frame, after: Frame): Omit<PipelineReplay, 'key' | 'note'> {
  const outs = (f: Frame) => [...f.columns.keys()].filter((c) => c.startsWith('out.'));
  const b = new Set(outs(before));
  const a = new Set(outs(after));
  const removed = [...b].filter((c) => !a.has(c)).sort();
  const added = [...a].filter((c) => !b.has(c)).sort();
  const common = [...a].filter((c) => b.has(c)).sort();
  let changedRows = 0;
  let largest: PipelineReplay['largestChange'] = null;
  for (let r = 0; r < after.numRows; r++) {
    let changed = removed.length > 0 || added.length > 0;
    for (const c of common) {
      const x = numbersOf(before.columns.get(c)!, r);
      const y = numbersOf(after.columns.get(c)!, r);
      if (x.length !== y.length) {
        changed = true;
        continue;
      }
      for (let j = 0; j < x.length; j++) {
        if (typeof x[j] === 'number' && typeof y[j] === 'number') {
          const d = Math.abs((y[j] as number) - (x[j] as number));
          if (d > TOL) {
            changed = true;
            if (!largest || d > largest.delta) largest = { column: c, row: r, before: x[j] as number, after: y[j] as number, delta: d };
          }
        } else if (JSON.stringify(x[j]) !== JSON.stringify(y[j])) changed = true;
      }
    }
    if (changed) changedRows++;
  }
  return {
    rows: after.numRows,
    changedRows,
    largestChange: largest,
    columnsChanged: { removed, added },
    anomalyCount: { before: sumColumn(before.columns.get('anomaly.count')), after: sumColumn(after.columns.get('anomaly.count')) },
  };
}

/** Replay the last `n` logged inputs of every changing pipeline of a plan. Reads the engine; writes nothing. */
export async function replayPlan(plan: Plan, desired: DesiredObject[], engine: Engine, n: number): Promise<ReplayReport> {
  const want = new Map(desired.map((d) => [d.key, d]));
  const changing = new Set(plan.changes.filter((c) => c.actions[0] !== 'no-op').map((c) => c.key));
  const logs = InferenceLogStore.forStateDir(engine.stateDir);
  const out: PipelineReplay[] = [];
  for (const c of plan.changes) {
    if (c.kind !== 'Pipeline' || c.actions[0] === 'no-op' || c.actions[0] === 'delete' && c.actions.length === 1) continue;
    const d = want.get(c.key);
    if (!d) continue;
    const spec = d.spec as { steps: PipelineStep[]; validations: Record<string, string> };
    const models = pipelineModels(spec);
    const defChanged = c.diffs.some((x) => x.path.startsWith('spec.steps') || x.path.startsWith('spec.validations'));
    const modelChanged = models.some((m) => changing.has(keyOf({ kind: 'Model', workspace: d.workspace, name: m })));
    if (!defChanged && !modelChanged) continue;
    const base = { key: c.key, rows: 0, changedRows: 0, largestChange: null, columnsChanged: { removed: [], added: [] }, anomalyCount: { before: 0, after: 0 } };
    const ws = engine.workspaces.byName(d.workspace!);
    const p = ws && engine.pipelines.byName(ws.id, d.name);
    if (!ws || !p) {
      out.push({ ...base, note: 'new pipeline: nothing logged yet' });
      continue;
    }
    let table: arrow.Table;
    try {
      table = logs.read(pipelineLogKey(ws.name, p.name), { limit: n }).table;
    } catch {
      table = new arrow.Table();
    }
    const frame = inputFrame(table);
    if (!frame) {
      out.push({ ...base, note: 'no logged inputs' });
      continue;
    }
    try {
      const dep = engine.deployments.byPipeline(p.id);
      const pv = engine.pipelines.getVersion(dep?.deployed ? dep.pipeline_version_id : p.current_version_id);
      const oldModels: RuntimeModel[] = engine.pipelines.modelRefs(pv.definition).map((r) => {
        const v = engine.models.findVersion(ws.id, r.name, { sha: r.sha, version: r.version });
        if (!v) throw new Error(`model ${r.name} version ${r.version} is gone`);
        return { name: v.name, version: v.version, sha: v.sha, path: engine.models.artifactPath(v), framework: v.framework, ...(v.tensor_fields ? { tensorFields: v.tensor_fields } : {}), ...(v.batch_config ? { batchConfig: v.batch_config } : {}) };
      });
      const newModels: RuntimeModel[] = models.map((name) => {
        const dm = want.get(keyOf({ kind: 'Model', workspace: d.workspace, name }));
        if (dm?.artifactPath) {
          const s = dm.spec as { sha256?: string; framework?: string; tensorFields?: string[]; batchConfig?: 'single' };
          return { name, version: 'planned', sha: s.sha256 ?? '', path: dm.artifactPath, framework: s.framework, ...(s.tensorFields ? { tensorFields: s.tensorFields } : {}), ...(s.batchConfig ? { batchConfig: s.batchConfig } : {}) };
        }
        const cur = oldModels.find((m) => m.name === name);
        if (cur) return cur;
        const m = engine.models.byName(ws.id, name);
        const v = m && engine.models.latestVersion(m.id);
        if (!v) throw new Error(`model ${name} is neither in the manifests nor in the engine`);
        return { name, version: v.version, sha: v.sha, path: engine.models.artifactPath(v), framework: v.framework, ...(v.tensor_fields ? { tensorFields: v.tensor_fields } : {}) };
      });
      const before = await PipelineExecutor.create({ name: `replay/${c.key}`, version: 'running', steps: pv.definition.steps.map(stepOf), validations: pv.definition.validations ?? {} }, oldModels, { random: seeded() });
      const after = await PipelineExecutor.create({ name: `replay/${c.key}`, version: 'planned', steps: spec.steps, validations: spec.validations ?? {} }, newModels, { random: seeded() });
      out.push({ key: c.key, ...compareResults(await before.infer(frame), await after.infer(frame)) });
    } catch (e) {
      out.push({ ...base, rows: frame.numRows, note: `replay failed: ${(e as Error).message}` });
    }
  }
  return { n, pipelines: out };
}

export function renderReplayText(r: ReplayReport): string {
  if (!r.pipelines.length) return `Replay: no pipeline's steps, validations or models change.`;
  const lines = [`Replay of the last ${r.n} logged inputs through the new definitions:`];
  for (const p of r.pipelines) {
    if (p.note && !p.rows) {
      lines.push(`  ${p.key}: ${p.note}`);
      continue;
    }
    if (p.note) {
      lines.push(`  ${p.key}: ${p.note}`);
      continue;
    }
    const big = p.largestChange ? `; largest change ${p.largestChange.column} row ${p.largestChange.row}: ${p.largestChange.before} -> ${p.largestChange.after} (Δ ${p.largestChange.delta.toPrecision(3)})` : '';
    const cols = p.columnsChanged.removed.length || p.columnsChanged.added.length ? `; outputs ${p.columnsChanged.removed.join(', ') || '-'} -> ${p.columnsChanged.added.join(', ') || '-'}` : '';
    lines.push(`  ${p.key}: ${p.changedRows} of ${p.rows} outputs change${big}${cols}; anomaly.count total ${p.anomalyCount.before} -> ${p.anomalyCount.after}`);
  }
  return lines.join('\n');
}
