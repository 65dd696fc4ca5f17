/**
 * Read-only views the dashboard needs that no other area's route serves (plus "run now"), under
 * `/v1/api/ui/*`. Same auth as every route: bearer token, and workspace membership for every object shown.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as arrow from 'apache-arrow';
import { JoeyError } from '../../../model/index.js';
import { assaysOf, type AssayRecord } from '../../assays/index.js';
import type { Engine } from '../../index.js';
import type { InferenceLogStore } from '../../logs/index.js';
import { EngineRuntime } from '../../runtime/index.js';
import { startDetachedRun } from '../../tasks/detached.js';
import { tasksOf } from '../../tasks/index.js';
import type { PipelineRecord, Stamped, WorkspaceRecord } from '../../types.js';
import { toInt } from '../dispatch.js';
import type { Route, RouteContext } from '../types.js';

const logKey = (ws: WorkspaceRecord, pipeline: string) => `${ws.name}/${pipeline}`;

function pipelineOf(ctx: RouteContext): { p: PipelineRecord; ws: WorkspaceRecord } {
  const p = ctx.engine.pipelines.get(toInt(ctx.body.pipeline_id, 'pipeline_id'));
  return { p, ws: ctx.requireWorkspace(p.workspace_id) };
}

/** A short display string of one log cell (tensors are lists: show the first few numbers). */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object' && v !== null && 'toArray' in v) v = Array.from((v as { toArray(): ArrayLike<unknown> }).toArray());
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = Array.from(v as ArrayLike<unknown>);
    const shown = a.slice(0, 4).map((x) => (typeof x === 'number' ? Number(x.toPrecision(4)) : x));
    return `[${shown.join(', ')}${a.length > 4 ? `, … ${a.length} values` : ''}]`;
  }
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return String(Number(v.toPrecision(6)));
  return String(v);
}

const timeOf = (t: arrow.Table, r: number): number => Number(t.getChild('time')?.get(r) as unknown as number | bigint);

export interface InferencePoint {
  start: number;
  end: number;
  inferences: number;
  anomalies: number;
}

/** Rows (newest first) of a pipeline's inference log, with its counts bucketed over time. */
export function pipelineInferences(store: InferenceLogStore, key: string, opts: { limit: number; scan: number; buckets: number }) {
  if (!store.pipelines().includes(key)) return { rows: [], series: [] as InferencePoint[], total: 0, truncated: false };
  const { table, truncated } = store.read(key, { limit: opts.scan });
  const n = table.numRows;
  const anomaly = table.getChild('anomaly.count');
  const cols = table.schema.fields.map((f) => f.name).filter((c) => c.startsWith('in.') || c.startsWith('out') || (c.startsWith('anomaly.') && c !== 'anomaly.count'));
  // Newest first by time (partitions are newest-first by write order, and a replay or import can write old rows late).
  const times = Float64Array.from({ length: n }, (_, r) => timeOf(table, r));
  const order = Array.from({ length: n }, (_, r) => r).sort((a, b) => times[b]! - times[a]!);
  const rows = [];
  for (const r of order.slice(0, opts.limit)) {
    const cells: Record<string, string> = {};
    for (const c of cols) cells[c] = cellText(table.getChild(c)?.get(r));
    rows.push({ time: timeOf(table, r), anomaly_count: Number(anomaly?.get(r) ?? 0), cells });
  }
  // Buckets over the scanned span (oldest → newest).
  const series: InferencePoint[] = [];
  if (n) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < n; r++) {
      const t = timeOf(table, r);
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    const width = Math.max(1000, Math.ceil((hi - lo + 1) / opts.buckets));
    const k = Math.max(1, Math.ceil((hi - lo + 1) / width));
    for (let i = 0; i < k; i++) series.push({ start: lo + i * width, end: lo + (i + 1) * width, inferences: 0, anomalies: 0 });
    for (let r = 0; r < n; r++) {
      const b = series[Math.min(k - 1, Math.floor((timeOf(table, r) - lo) / width))]!;
      b.inferences++;
      if (Number(anomaly?.get(r) ?? 0) > 0) b.anomalies++;
    }
  }
  return { columns: cols, rows, series, total: n, truncated };
}

/** An assay with its stored window results, trimmed to what the dashboard draws. */
function assayView(engine: Engine, a: AssayRecord, limit: number) {
  const results = assaysOf(engine).results(a.id, {});
  return {
    ...a,
    results: results.slice(-limit).map((r) => ({
      window_index: r.window_index,
      window_start: r.window_start,
      window_end: r.window_end,
      score: r.score,
      scores: r.scores,
      bin_index: r.bin_index,
      status: r.status,
      window_summary: r.window_summary,
    })),
    total_results: results.length,
  };
}

/** Where the sync controller (controllers/sync) writes its status: beside or above the engine's state. */
function syncStatus(stateDir: string): unknown {
  for (const f of [join(stateDir, 'status.json'), join(dirname(stateDir), 'status.json')]) {
    if (!existsSync(f)) continue;
    try {
      const s = JSON.parse(readFileSync(f, 'utf8'));
      if (s && typeof s === 'object' && Array.isArray(s.conditions)) return s;
    } catch {
      /* being rewritten: skip */
    }
  }
  return null;
}

/** The apply lock's holder file (src/apply/lock.ts), if an apply is running. */
function applyLock(stateDir: string): unknown {
  const f = join(stateDir, 'apply.lock');
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return null;
  }
}

interface AppliedObject {
  kind: string;
  workspace: string | null;
  name: string;
  source: string | null;
  commit: string | null;
  spec_hash: string | null;
  updated_at: string;
}

function applied(kind: string, workspace: string | null, name: string, o: { labels?: Record<string, string>; updated_at: string }): AppliedObject | null {
  const l = o.labels ?? {};
  if (!l['joey.dev/managed-by'] && !l['joey.dev/commit']) return null;
  return { kind, workspace, name, source: l['joey.dev/source'] ?? null, commit: l['joey.dev/commit'] ?? null, spec_hash: l['joey.dev/spec-hash'] ?? null, updated_at: o.updated_at };
}

export const uiDataRoutes: Route[] = [
  {
    path: '/v1/api/ui/pipeline_inferences',
    async handler(ctx) {
      const { p, ws } = pipelineOf(ctx);
      const logs = EngineRuntime.of(ctx.engine).logs;
      await logs.flush(); // rows this server answered a moment ago
      const limit = ctx.body.limit === undefined ? 50 : Math.min(1000, toInt(ctx.body.limit, 'limit'));
      const buckets = ctx.body.buckets === undefined ? 24 : Math.min(200, Math.max(1, toInt(ctx.body.buckets, 'buckets')));
      return { pipeline: { id: p.id, name: p.name, workspace_id: ws.id }, ...pipelineInferences(logs, logKey(ws, p.name), { limit, scan: 20_000, buckets }) };
    },
  },
  {
    path: '/v1/api/ui/assays',
    handler(ctx) {
      const ws = ctx.requireWorkspace(ctx.body.workspace_id);
      const limit = ctx.body.limit === undefined ? 200 : Math.min(2000, toInt(ctx.body.limit, 'limit'));
      return { assays: assaysOf(ctx.engine).list({ workspaceId: ws.id }).map((a) => assayView(ctx.engine, a, limit)) };
    },
  },
  {
    path: '/v1/api/ui/task/run_now',
    async handler(ctx) {
      const t = tasksOf(ctx.engine).get(String(ctx.body.id ?? ''));
      ctx.requireWorkspace(t.workspace_id);
      if (!t.active && t.run !== 'once') throw new JoeyError('conflict', `task ${t.name ?? t.id} was killed; it cannot run again`, { status: 409 });
      const started = await startDetachedRun(ctx.engine.stateDir, t.id, { manual: true });
      if (!started) throw new JoeyError('conflict', `task ${t.name ?? t.id} could not start a run now`, { status: 409 });
      return started;
    },
  },
  {
    path: '/v1/api/ui/activity',
    handler({ engine, actor }) {
      const mine = engine.workspaces.list({ user: actor.admin ? undefined : actor.user });
      const objects: (AppliedObject | null)[] = [];
      for (const ws of mine) {
        objects.push(applied('Workspace', null, ws.name, ws));
        for (const m of engine.models.list(ws.id)) objects.push(applied('Model', ws.name, m.name, m));
        for (const c of engine.deploymentConfigs.list(ws.id)) objects.push(applied('DeploymentConfig', ws.name, c.name, c));
        for (const p of engine.pipelines.list(ws.id)) objects.push(applied('Pipeline', ws.name, p.name, p));
        for (const c of engine.connections.list(ws.id) as (Stamped & { name: string })[]) objects.push(applied('Connection', ws.name, c.name, c));
        const tasks = tasksOf(engine);
        for (const o of tasks.orchestrations.list(ws.id)) objects.push(applied('Orchestration', ws.name, o.name, o));
        for (const t of tasks.list({ workspaceId: ws.id })) objects.push(applied('Task', ws.name, t.name ?? t.id, t));
        for (const a of assaysOf(engine).list({ workspaceId: ws.id })) objects.push(applied('Assay', ws.name, a.name, a));
      }
      const list = objects.filter((o): o is AppliedObject => o !== null).sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
      const commits = new Map<string, { commit: string; objects: number; last: string }>();
      for (const o of list) {
        if (!o.commit) continue;
        const c = commits.get(o.commit) ?? { commit: o.commit, objects: 0, last: o.updated_at };
        c.objects++;
        if (o.updated_at > c.last) c.last = o.updated_at;
        commits.set(o.commit, c);
      }
      return { sync: actor.admin ? syncStatus(engine.stateDir) : null, lock: actor.admin ? applyLock(engine.stateDir) : null, commits: [...commits.values()], objects: list.slice(0, 200) };
    },
  },
];
