/**
 * The kind mapping shared by the engine providers (in-process `EngineProvider`, remote `RemoteEngineProvider`):
 * how engine records read back as manifest specs, and the labels joey keeps for fields the engine has no place for.
 */
import { userInfo } from 'node:os';
import type { PipelineStep } from '../../model/index.js';
import type { ModelVersionRecord, PipelineStepDef } from '../../engine/types.js';
import type { AssayRecord } from '../../engine/assays/types.js';
import type { TaskRecord } from '../../engine/tasks/types.js';
import { keyOf } from '../../model/index.js';

export type Obj = Record<string, unknown>;

/** Labels joey keeps for fields the engine has no place for. */
export const PRUNE = 'joey.dev/prune';
export const IMPLICIT_OWNER = 'joey.dev/implicit-owner';
export const ARTIFACT_SHA = 'joey.dev/artifact-sha';
/** An assay's baseline and window as applied (the engine keeps only the frozen summary of the baseline). */
export const ASSAY_SPEC = 'joey.dev/assay-spec';

/** An engine pipeline step back in manifest form (model names; pins are the engine's business). */
export function stepOf(s: PipelineStepDef): PipelineStep {
  if ('model' in s) return { model: s.model.name };
  if ('abTest' in s) {
    const a = s.abTest;
    return {
      abTest: {
        champion: a.champion.name,
        championWeight: a.championWeight,
        challengers: a.challengers.map((c) => ({ model: c.model.name, weight: c.weight })),
        ...(a.hashKey ? { hashKey: a.hashKey } : {}),
      },
    };
  }
  return { shadow: { champion: s.shadow.champion.name, challengers: s.shadow.challengers.map((c) => c.name) } };
}

/** An assay record back in manifest form; the baseline (and a given window start) come from what joey applied. */
export function assaySpec(a: AssayRecord): Obj {
  let applied: { baseline?: unknown; window?: { start?: string } } = {};
  try {
    applied = JSON.parse(a.labels[ASSAY_SPEC] ?? '{}');
  } catch {
    /* not joey's */
  }
  const sm = a.summarizer;
  const binning: Obj = { mode: sm.bin_mode, bins: sm.num_bins };
  if (sm.provided_edges) binning.edges = sm.provided_edges;
  if (sm.bin_weights) binning.weights = sm.bin_weights;
  const window: Obj = { width: a.window.width, interval: a.window.interval };
  const start = applied.window?.start;
  if (start) window.start = Date.parse(start) === Date.parse(a.window.start) ? start : a.window.start;
  const thresholds: Obj = { alert: a.alert_threshold };
  if (a.warning_threshold !== null && a.warning_threshold !== undefined) thresholds.warning = a.warning_threshold;
  return {
    pipeline: a.pipeline_name,
    iopath: a.iopath,
    baseline: applied.baseline ?? a.baseline_source,
    window,
    binning,
    aggregation: sm.aggregation,
    metric: sm.metric,
    thresholds,
    active: a.active,
  };
}

export function modelSpec(v: ModelVersionRecord): Obj {
  const s: Obj = { framework: v.framework, sha256: v.sha };
  if (v.tensor_fields) s.tensorFields = v.tensor_fields;
  if (v.batch_config) s.batchConfig = v.batch_config;
  if (v.input_schema) s.inputSchema = v.input_schema;
  if (v.output_schema) s.outputSchema = v.output_schema;
  return s;
}

export function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Obj)[k])]));
  return v;
}

export function localUser(): string {
  try {
    return userInfo().username || 'joey';
  } catch {
    return process.env.USER ?? 'joey';
  }
}


/** A workspace as the reconciler sees it: the implicit owner joey added (no owner in the manifest) is hidden. */
export function workspaceActual(w: { id: number; name: string; members: { user: string; role: string }[]; labels: Record<string, string> }) {
  const implicit = w.labels[IMPLICIT_OWNER];
  const members = w.members.filter((m) => !(implicit && m.user === implicit && m.role === 'owner')).map((m) => ({ user: m.user, role: m.role }));
  return {
    key: keyOf({ kind: 'Workspace', name: w.name }),
    kind: 'Workspace' as const,
    name: w.name,
    id: String(w.id),
    spec: { members, prune: w.labels[PRUNE] === 'true' },
    labels: { ...w.labels },
  };
}

/** A pipeline's spec as running: the deployed version's definition (else the newest) and its deployment. */
export function pipelineSpec(definition: { steps: PipelineStepDef[]; validations: Record<string, string> }, deployment: unknown): Obj {
  return { steps: definition.steps.map(stepOf), validations: definition.validations, deployment };
}

/** A task back in manifest form. */
export function taskSpec(t: TaskRecord, orchestration: string): Obj {
  const spec: Obj = { orchestration, run: t.run, timezone: t.timezone, args: t.input_data ?? {} };
  if (t.schedule) spec.schedule = t.schedule;
  if (t.timeout !== null && t.timeout !== undefined) spec.timeout = t.timeout;
  return spec;
}

/** Manifest steps with each model name replaced by `ref(name)` (a pin to the version joey applied). */
export function pinSteps(steps: PipelineStep[], ref: (name: string) => unknown): unknown[] {
  return steps.map((s) => {
    if ('model' in s) return { model: ref(s.model) };
    if ('abTest' in s) return { abTest: { ...s.abTest, champion: ref(s.abTest.champion), challengers: s.abTest.challengers.map((c) => ({ model: ref(c.model), weight: c.weight })) } };
    return { shadow: { champion: ref(s.shadow.champion), challengers: s.shadow.challengers.map(ref) } };
  });
}
