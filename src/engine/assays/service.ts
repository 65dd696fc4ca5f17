import { isAbsolute, resolve } from 'node:path';
import {
  analyzeWindows,
  closedWindows,
  parseIoPath,
  readValuesFile,
  samplesFromTable,
  summarizeBaseline,
  summarizerFromSpec,
  windowPlan,
  type Baseline,
  type Samples,
  type WindowAnalysis,
  type WindowPlan,
} from '../../assays/index.js';
import { JoeyError, type AssaySpec } from '../../model/index.js';
import { normalizeDuration } from '../../model/duration.js';
import type { Engine } from '../index.js';
import { InferenceLogStore } from '../logs/index.js';
import { pipelineLogKey } from '../runtime/engine-runtime.js';
import { checkLabels, checkName, nextId, notFoundError, now as isoNow } from '../services/common.js';
import type { Labels } from '../types.js';
import type { AssayRecord, AssayResultRecord, BaselineSource } from './types.js';
import { baselineFromView, summarizerView, summaryView } from './views.js';

export const ASSAYS = 'assays';
export const ASSAY_RESULTS = 'assay_results';

export interface AssayInput {
  workspaceId: number;
  name: string;
  spec: AssaySpec;
  labels?: Labels;
  /** Directory a relative `baseline.file` is read from (the manifest repo root). */
  root?: string;
}

export interface ResultsQuery {
  /** Results whose window starts at or after this time. */
  start?: number;
  /** … and before this time. */
  end?: number;
  limit?: number;
}

const resultId = (assayId: number, index: number) => `${assayId}-${String(index).padStart(12, '0')}`;

/**
 * Assays in the engine: created with a frozen baseline (its edges are stored, never recomputed), windows
 * analyzed by the assay controller as they close (`evaluate`), results kept per window, pause/resume.
 */
export class AssayService {
  readonly logs: InferenceLogStore;

  constructor(
    private readonly engine: Engine,
    opts: { logs?: InferenceLogStore } = {},
  ) {
    this.logs = opts.logs ?? InferenceLogStore.forStateDir(engine.stateDir);
  }

  private get store() {
    return this.engine.store;
  }

  // ------------------------------------------------------------------ reads

  get(id: number): AssayRecord {
    const a = this.store.get<AssayRecord>(ASSAYS, String(id));
    if (!a) throw notFoundError(`assay ${id}`);
    return a;
  }

  getByName(workspaceId: number, name: string): AssayRecord {
    const a = this.store.list<AssayRecord>(ASSAYS, (x) => x.workspace_id === workspaceId && x.name === name)[0];
    if (!a) throw notFoundError(`assay "${name}" in workspace ${workspaceId}`);
    return a;
  }

  list(filter: { workspaceId?: number; pipelineId?: number } = {}): AssayRecord[] {
    return this.store
      .list<AssayRecord>(ASSAYS, (a) => (filter.workspaceId === undefined || a.workspace_id === filter.workspaceId) && (filter.pipelineId === undefined || a.pipeline_id === filter.pipelineId))
      .sort((a, b) => a.id - b.id);
  }

  /** Stored results of an assay, oldest window first (the platform's get_assay_results). */
  results(id: number, q: ResultsQuery = {}): AssayResultRecord[] {
    this.get(id);
    const prefix = `${id}-`;
    const out: AssayResultRecord[] = [];
    for (const rid of this.store.ids(ASSAY_RESULTS)) {
      if (!rid.startsWith(prefix)) continue;
      const r = this.store.get<AssayResultRecord>(ASSAY_RESULTS, rid);
      if (!r) continue;
      const t = Date.parse(r.window_start);
      if (q.start !== undefined && t < q.start) continue;
      if (q.end !== undefined && t >= q.end) continue;
      out.push(r);
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return out;
  }

  // ------------------------------------------------------------------ writes

  /** Creates an assay: resolves and summarizes its baseline now, once. Names are unique in a workspace. */
  async create(input: AssayInput): Promise<AssayRecord> {
    const name = checkName('assay', input.name);
    const labels = checkLabels(input.labels);
    const ws = this.engine.workspaces.get(input.workspaceId);
    const pipeline = this.engine.pipelines.getByName(ws.id, input.spec.pipeline);
    const spec = input.spec;
    parseIoPath(spec.iopath); // a bad iopath fails before any work
    const logKey = pipelineLogKey(ws.name, pipeline.name);
    const { values, source } = await this.baselineValues(spec, logKey, input.root);
    const baseline = summarizeBaseline(values, summarizerFromSpec(spec));
    const defaultStart = 'start' in spec.baseline ? Date.parse(spec.baseline.end) : Date.now();
    const plan = windowPlan(spec.window, defaultStart);
    return this.store.withLock(() => {
      if (this.store.list<AssayRecord>(ASSAYS, (a) => a.workspace_id === ws.id && a.name === name).length) {
        throw new JoeyError('conflict', `an assay named "${name}" already exists in workspace "${ws.name}"`, { status: 409 });
      }
      const t = isoNow();
      const rec: AssayRecord = {
        id: nextId(this.store, 'assay'),
        name,
        workspace_id: ws.id,
        pipeline_id: pipeline.id,
        pipeline_name: pipeline.name,
        iopath: spec.iopath,
        active: spec.active !== false,
        baseline_source: source,
        baseline_summary: summaryView(baseline, 'start' in source ? Date.parse(source.start) : null, 'start' in source ? Date.parse(source.end) : null),
        window: {
          width: normalizeDuration(spec.window.width),
          interval: normalizeDuration(spec.window.interval ?? spec.window.width),
          start: new Date(plan.start).toISOString(),
        },
        summarizer: summarizerView(baseline, spec.metric),
        warning_threshold: spec.thresholds.warning ?? null,
        alert_threshold: spec.thresholds.alert,
        status: { run_at: null, num_ok: 0, num_warnings: 0, num_alerts: 0 },
        next_window: 0,
        labels,
        created_at: t,
        updated_at: t,
      };
      this.store.putUnlocked(ASSAYS, String(rec.id), rec);
      return rec;
    }, `create assay ${name}`);
  }

  /** Pause (false) or resume (true) an assay. Windows that closed while paused are analyzed on resume. */
  async setActive(id: number, active: boolean): Promise<AssayRecord> {
    const r = await this.store.update<AssayRecord>(ASSAYS, String(id), (a) => (a ? { ...a, active, updated_at: isoNow() } : undefined));
    if (!r) throw notFoundError(`assay ${id}`);
    return r;
  }

  async setLabels(id: number, labels: Labels): Promise<AssayRecord> {
    const l = checkLabels(labels);
    const r = await this.store.update<AssayRecord>(ASSAYS, String(id), (a) => (a ? { ...a, labels: l, updated_at: isoNow() } : undefined));
    if (!r) throw notFoundError(`assay ${id}`);
    return r;
  }

  /** Deletes an assay and its results. */
  async delete(id: number): Promise<boolean> {
    return this.store.withLock(() => {
      if (!this.store.has(ASSAYS, String(id))) return false;
      for (const rid of this.store.ids(ASSAY_RESULTS)) if (rid.startsWith(`${id}-`)) this.store.deleteUnlocked(ASSAY_RESULTS, rid);
      return this.store.deleteUnlocked(ASSAYS, String(id));
    }, `delete assay ${id}`);
  }

  // ------------------------------------------------------------------ analysis

  /**
   * Analyzes the assay's windows that closed by `until` (at most `maxWindows`), stores one result per window
   * with data, and advances the assay's cursor. Windows without data are skipped. Does nothing for a paused
   * assay. Safe to call from several processes: the cursor is checked under the store lock.
   */
  async evaluate(id: number, until: number, maxWindows = 500): Promise<AssayResultRecord[]> {
    const a = this.get(id);
    if (!a.active) return [];
    const plan = planOf(a);
    const windows = closedWindows(plan, until, a.next_window, maxWindows);
    if (windows.length === 0) return [];
    const ws = this.engine.workspaces.get(a.workspace_id);
    const samples = this.samples(pipelineLogKey(ws.name, a.pipeline_name), a.iopath, windows[0]!.start, windows.at(-1)!.end);
    const baseline = baselineFromView(a.baseline_summary, a.summarizer);
    const thresholds = { alert: a.alert_threshold, ...(a.warning_threshold !== null ? { warning: a.warning_threshold } : {}) };
    const analyses = analyzeWindows(baseline, a.summarizer.metric, thresholds, samples, windows);
    const analyzedAt = isoNow();
    const records = analyses.map((x) => resultRecord(a, x, analyzedAt));
    const next = windows.at(-1)!.index + 1;
    return this.store.withLock(() => {
      const cur = this.store.get<AssayRecord>(ASSAYS, String(id));
      if (!cur || !cur.active || cur.next_window !== a.next_window) return []; // deleted, paused or done elsewhere
      for (const r of records) this.store.putUnlocked(ASSAY_RESULTS, r.id, r);
      const count = (s: string) => records.filter((r) => r.status === s).length;
      this.store.putUnlocked(ASSAYS, String(id), {
        ...cur,
        next_window: next,
        status: {
          run_at: analyzedAt,
          num_ok: cur.status.num_ok + count('Ok'),
          num_warnings: cur.status.num_warnings + count('Warning'),
          num_alerts: cur.status.num_alerts + count('Alert'),
        },
      });
      return records;
    }, `assay ${id} results`);
  }

  /** Interactive run of a manifest's assay over this engine's logs; nothing is saved (see previewAssay). */
  preview(input: { workspaceName: string; spec: AssaySpec; root?: string; until?: number }): Promise<AssayPreview> {
    return previewAssay({ ...input, logs: this.logs });
  }

  private samples(logKey: string, iopath: string, start: number, end: number): Samples {
    return readSamples(this.logs, logKey, iopath, start, end);
  }

  private baselineValues(spec: AssaySpec, logKey: string, root?: string): Promise<{ values: Float64Array; source: BaselineSource }> {
    return baselineValues(this.logs, spec, logKey, root);
  }
}

export interface AssayPreview {
  baseline: Baseline;
  plan: WindowPlan;
  results: WindowAnalysis[];
}

/**
 * Runs an assay described by a manifest over a pipeline's logs without saving anything (the platform's
 * interactive run): baseline from the spec, windows from `window.start` (default: the baseline's end, else the
 * first logged row) until `until` (default now); windows without data are skipped.
 */
export async function previewAssay(input: { logs: InferenceLogStore; workspaceName: string; spec: AssaySpec; root?: string; until?: number }): Promise<AssayPreview> {
  const { spec, logs } = input;
  const logKey = pipelineLogKey(input.workspaceName, spec.pipeline);
  parseIoPath(spec.iopath);
  const { values } = await baselineValues(logs, spec, logKey, input.root);
  const baseline = summarizeBaseline(values, summarizerFromSpec(spec));
  const until = input.until ?? Date.now();
  let defaultStart: number;
  if ('start' in spec.baseline) defaultStart = Date.parse(spec.baseline.end);
  else {
    const first = logs.read(logKey, { start: 0, end: until, limit: 1, dataset: ['time'] }).table;
    defaultStart = first.numRows ? Number(first.getChild('time')!.get(0) as number | bigint) : until;
  }
  const plan = windowPlan(spec.window, defaultStart);
  const windows = closedWindows(plan, until, 0, 100_000);
  if (windows.length === 0) return { baseline, plan, results: [] };
  const samples = readSamples(logs, logKey, spec.iopath, windows[0]!.start, windows.at(-1)!.end);
  const thresholds = { alert: spec.thresholds.alert, ...(spec.thresholds.warning !== undefined ? { warning: spec.thresholds.warning } : {}) };
  return { baseline, plan, results: analyzeWindows(baseline, spec.metric, thresholds, samples, windows) };
}

function readSamples(logs: InferenceLogStore, logKey: string, iopath: string, start: number, end: number): Samples {
  const io = parseIoPath(iopath);
  const { table } = logs.read(logKey, { start, end });
  return samplesFromTable(table, io);
}

async function baselineValues(logs: InferenceLogStore, spec: AssaySpec, logKey: string, root?: string): Promise<{ values: Float64Array; source: BaselineSource }> {
  const b = spec.baseline as Record<string, unknown>;
  if (typeof b.start === 'string' && typeof b.end === 'string') {
    const start = Date.parse(b.start);
    const end = Date.parse(b.end);
    if (!Number.isFinite(start) || !Number.isFinite(end)) throw new JoeyError('assay_baseline', `baseline start/end must be ISO 8601 times, got "${b.start}" / "${b.end}"`);
    if (!(end > start)) throw new JoeyError('assay_baseline', `baseline end (${b.end}) must be after its start (${b.start})`);
    const s = readSamples(logs, logKey, spec.iopath, start, end);
    if (s.values.length === 0) {
      throw new JoeyError('assay_empty_baseline', `no inference logs for ${logKey} between ${b.start} and ${b.end} to build the baseline from`);
    }
    return { values: s.values, source: { start: new Date(start).toISOString(), end: new Date(end).toISOString() } };
  }
  if (Array.isArray(b.values)) {
    const values = Float64Array.from(b.values as number[], (v) => (typeof v === 'number' ? v : NaN));
    return { values, source: { values: values.length } };
  }
  if (typeof b.file === 'string') {
    const file = isAbsolute(b.file) ? b.file : resolve(root ?? '.', b.file);
    return { values: await readValuesFile(file), source: { file: b.file } };
  }
  throw new JoeyError('assay_baseline', 'baseline needs {start, end}, {values} or {file}');
}

export function planOf(a: AssayRecord): WindowPlan {
  return windowPlan(a.window, Date.parse(a.window.start));
}

function resultRecord(a: AssayRecord, x: WindowAnalysis, analyzedAt: string): AssayResultRecord {
  return {
    id: resultId(a.id, x.windowIndex),
    assay_id: a.id,
    name: a.name,
    iopath: a.iopath,
    workspace_id: a.workspace_id,
    pipeline_id: a.pipeline_id,
    pipeline_name: a.pipeline_name,
    window_index: x.windowIndex,
    window_start: new Date(x.windowStart).toISOString(),
    window_end: new Date(x.windowEnd).toISOString(),
    analyzed_at: analyzedAt,
    elapsed_millis: x.elapsedMillis,
    score: x.score,
    scores: x.scores,
    bin_index: x.index,
    status: x.status,
    warning_threshold: a.warning_threshold,
    alert_threshold: a.alert_threshold,
    summarizer: a.summarizer,
    baseline_summary: a.baseline_summary,
    window_summary: summaryView(x.window, x.windowStart, x.windowEnd),
    created_at: analyzedAt,
  };
}
