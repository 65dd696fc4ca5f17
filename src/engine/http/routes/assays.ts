/**
 * The platform's assay API (`/v1/api/assays/...`): create (frozen baseline), list (with the `status` counts),
 * get, set_active (pause/resume), get_results (`get_assay_results`: windows starting in [start, end)), delete,
 * run_interactive (a preview over the logs, nothing saved). Bodies take either joey's manifest `spec` or the
 * platform's field names (`baseline.Fixed.start_at`, `window.width: "24 hours"`, `summarizer.bin_mode: "Quantile"`).
 */
import { JoeyError, type AssaySpec } from '../../../model/index.js';
import { analysisView, assaysOf, previewAssay, type AssayRecord } from '../../assays/index.js';
import { toInt } from '../dispatch.js';
import type { Route, RouteContext } from '../types.js';

const UNITS: Record<string, string> = { second: 's', seconds: 's', minute: 'm', minutes: 'm', hour: 'h', hours: 'h', day: 'd', days: 'd', week: 'w', weeks: 'w' };

/** "24 hours" / "1 minute" (the platform) or "24h" (joey) → joey duration. */
function duration(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new JoeyError('invalid', `${field} must be a duration like "24 hours" or "24h"`, { status: 400 });
  const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(v);
  if (m && UNITS[m[2]!.toLowerCase()]) return `${m[1]}${UNITS[m[2]!.toLowerCase()]}`;
  return v.trim();
}

function enumOf<T extends string>(v: unknown, field: string, map: Record<string, T>, dflt: T): T {
  if (v === undefined || v === null) return dflt;
  const k = String(v).toLowerCase().replace(/[^a-z]/g, '');
  const out = map[k];
  if (!out) throw new JoeyError('invalid', `${field} "${String(v)}" is not one of ${[...new Set(Object.values(map))].join(', ')}`, { status: 400 });
  return out;
}

const num = (v: unknown, field: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new JoeyError('invalid', `${field} must be a number`, { status: 400 });
  return v;
};

const time = (v: unknown, field: string): string => {
  const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new JoeyError('invalid', `${field} must be a time (ISO 8601 or epoch ms)`, { status: 400 });
  return new Date(t).toISOString();
};

/** An AssaySpec from a request body: `spec` as in a manifest, or the platform's fields. */
export function specFromBody(body: Record<string, unknown>): AssaySpec {
  if (body.spec && typeof body.spec === 'object') return body.spec as AssaySpec;
  const b = (body.baseline ?? {}) as Record<string, any>;
  const fixed = (b.Fixed ?? b.fixed ?? b) as Record<string, unknown>;
  let baseline: AssaySpec['baseline'];
  if (Array.isArray(b.values) || Array.isArray(b.Static?.values)) baseline = { values: (b.values ?? b.Static.values) as number[] };
  else if (typeof b.file === 'string') baseline = { file: b.file };
  else baseline = { start: time(fixed.start_at ?? fixed.start, 'baseline start'), end: time(fixed.end_at ?? fixed.end, 'baseline end') };
  const w = (body.window ?? {}) as Record<string, unknown>;
  const s = (body.summarizer ?? {}) as Record<string, unknown>;
  const pipeline = body.pipeline_name ?? body.pipeline ?? w.pipeline;
  if (typeof pipeline !== 'string') throw new JoeyError('invalid', 'pipeline_name is required', { status: 400 });
  if (typeof body.iopath !== 'string') throw new JoeyError('invalid', 'iopath is required (e.g. "output variable 0")', { status: 400 });
  const edges = s.provided_edges ?? undefined;
  const weights = s.bin_weights ?? undefined;
  return {
    pipeline,
    iopath: body.iopath,
    baseline,
    window: {
      width: duration(w.width ?? '24h', 'window.width'),
      ...(w.interval ? { interval: duration(w.interval, 'window.interval') } : {}),
      ...(w.start ? { start: time(w.start, 'window.start') } : {}),
    },
    binning: {
      mode: enumOf(s.bin_mode, 'bin_mode', { quantile: 'quantile', equal: 'equal', provided: 'provided' }, 'quantile'),
      bins: num(s.num_bins, 'num_bins') ?? 5,
      ...(Array.isArray(edges) ? { edges: edges as number[] } : {}),
      ...(Array.isArray(weights) ? { weights: weights as number[] } : {}),
    },
    aggregation: enumOf(s.aggregation, 'aggregation', { density: 'density', cumulative: 'cumulative' }, 'density'),
    metric: enumOf(s.metric, 'metric', { psi: 'psi', maxdiff: 'maxdiff', maximumdifferenceofbins: 'maxdiff', sumdiff: 'sumdiff', sumofthedifferenceofbins: 'sumdiff' }, 'psi'),
    thresholds: { alert: num(body.alert_threshold, 'alert_threshold') ?? 0.25, ...(num(body.warning_threshold, 'warning_threshold') !== undefined ? { warning: body.warning_threshold as number } : {}) },
    active: body.active !== false,
  };
}

/** The server never reads files named by a client: over the API a baseline is a time range or values. */
function noFile(spec: AssaySpec): AssaySpec {
  if (spec.baseline && typeof spec.baseline === 'object' && 'file' in spec.baseline) {
    throw new JoeyError('invalid', 'over the API a baseline is {start, end} or {values}, not a file (read the file on your side and send its values)', { status: 400 });
  }
  return spec;
}

function assayOf(ctx: RouteContext, field = 'id'): AssayRecord {
  const a = assaysOf(ctx.engine).get(toInt(ctx.body[field], field));
  ctx.requireWorkspace(a.workspace_id);
  return a;
}

const listView = (a: AssayRecord) => ({
  id: a.id,
  name: a.name,
  active: a.active,
  status: a.status,
  warning_threshold: a.warning_threshold,
  alert_threshold: a.alert_threshold,
  pipeline_id: a.pipeline_id,
  pipeline_name: a.pipeline_name,
  workspace_id: a.workspace_id,
  iopath: a.iopath,
  created_at: a.created_at,
  updated_at: a.updated_at,
});

export const assayRoutes: Route[] = [
  {
    path: '/v1/api/assays/create',
    handler: async (ctx) => {
      const ws = ctx.requireWorkspace(ctx.body.workspace_id);
      const spec = noFile(specFromBody(ctx.body));
      const a = await assaysOf(ctx.engine).create({ workspaceId: ws.id, name: ctx.body.name as string, spec, labels: ctx.body.labels as never });
      return { assay_id: a.id };
    },
  },
  {
    path: '/v1/api/assays/list',
    handler: (ctx) => {
      const svc = assaysOf(ctx.engine);
      if (ctx.body.workspace_id !== undefined) {
        const ws = ctx.requireWorkspace(ctx.body.workspace_id);
        return svc.list({ workspaceId: ws.id, ...(ctx.body.pipeline_id !== undefined ? { pipelineId: toInt(ctx.body.pipeline_id, 'pipeline_id') } : {}) }).map(listView);
      }
      const allowed = (id: number) => {
        try {
          ctx.requireWorkspace(id);
          return true;
        } catch {
          return false;
        }
      };
      return svc.list().filter((a) => allowed(a.workspace_id)).map(listView);
    },
  },
  { path: '/v1/api/assays/get_assay_by_id', handler: (ctx) => assayOf(ctx) },
  {
    path: '/v1/api/assays/set_active',
    handler: async (ctx) => {
      const a = assayOf(ctx);
      if (typeof ctx.body.active !== 'boolean') throw new JoeyError('invalid', 'active must be true or false', { status: 400 });
      return listView(await assaysOf(ctx.engine).setActive(a.id, ctx.body.active));
    },
  },
  {
    path: '/v1/api/assays/set_labels',
    handler: async (ctx) => {
      const a = assayOf(ctx);
      return assaysOf(ctx.engine).setLabels(a.id, (ctx.body.labels ?? {}) as never);
    },
  },
  {
    path: '/v1/api/assays/get_results',
    handler: (ctx) => {
      const a = assayOf(ctx, 'assay_id');
      const b = ctx.body;
      return assaysOf(ctx.engine).results(a.id, {
        ...(b.start !== undefined && b.start !== null ? { start: Date.parse(time(b.start, 'start')) } : {}),
        ...(b.end !== undefined && b.end !== null ? { end: Date.parse(time(b.end, 'end')) } : {}),
        ...(b.limit !== undefined ? { limit: toInt(b.limit, 'limit') } : {}),
      });
    },
  },
  {
    path: '/v1/api/assays/delete',
    handler: async (ctx) => {
      const a = assayOf(ctx);
      return { deleted: await assaysOf(ctx.engine).delete(a.id) };
    },
  },
  {
    path: '/v1/api/assays/run_interactive',
    handler: async (ctx) => {
      const ws = ctx.requireWorkspace(ctx.body.workspace_id);
      const spec = noFile(specFromBody(ctx.body));
      const until = ctx.body.run_until !== undefined && ctx.body.run_until !== null ? Date.parse(time(ctx.body.run_until, 'run_until')) : undefined;
      const p = await previewAssay({ logs: assaysOf(ctx.engine).logs, workspaceName: ws.name, spec, ...(until !== undefined ? { until } : {}) });
      return p.results.map((x) => analysisView(x, spec.thresholds));
    },
  },
];
