/**
 * Inference and inference-log routes (RUNTIME area):
 *   POST /v1/api/pipelines/infer/<deployment>/<pipeline>[?workspace=W&dataset=a,b&dataset_exclude=c]
 *        body: pandas-records JSON (`application/json; format=pandas-records`) or Arrow IPC
 *        (`application/vnd.apache.arrow.file` / `.stream`); answers in the same format, or the one `Accept` asks for.
 *   POST /v1/api/pipelines/get_logs  {workspace | workspace_id, pipeline, limit?, start_datetime?, end_datetime?, dataset?, dataset_exclude?, arrow?}
 */
import * as arrow from 'apache-arrow';
import { JoeyError } from '../../../model/index.js';
import { tableRecords } from '../../logs/index.js';
import { CONTENT_TYPES, EngineRuntime, pipelineLogKey, type InputFormat } from '../../runtime/index.js';
import type { DeploymentRecord } from '../../types.js';
import { RawResponse, type Route, type RouteContext } from '../types.js';

/** Inference bodies above this are refused with 413 (a 100 MB body never reaches the runtime). */
export const MAX_INFER_BYTES = 32 * 1024 * 1024;

function formatOf(contentType: string, what: string): InputFormat {
  const ct = contentType.toLowerCase();
  if (ct.includes('application/vnd.apache.arrow')) return 'arrow';
  if (ct.includes('application/json') || ct === '') return 'json';
  throw new JoeyError(
    'unsupported_media_type',
    `${what} ${JSON.stringify(contentType)} is not supported; use application/json; format=pandas-records or application/vnd.apache.arrow.file`,
    { status: 415 },
  );
}

const list = (v: string | null | undefined): string[] | undefined => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

function resolveDeployment(ctx: RouteContext): DeploymentRecord {
  const { deployment, pipeline } = ctx.params as { deployment: string; pipeline: string };
  const wsName = ctx.query.get('workspace');
  let d: DeploymentRecord;
  if (wsName) {
    const ws = ctx.engine.workspaces.getByName(wsName);
    ctx.requireWorkspace(ws.id);
    d = ctx.engine.deployments.byName([ws.id], deployment);
  } else {
    d = ctx.engine.deployments.byName(undefined, deployment);
    ctx.requireWorkspace(d.workspace_id);
  }
  if (d.name !== pipeline) throw new JoeyError('not_found', `deployment ${deployment} does not serve pipeline ${JSON.stringify(pipeline)}`, { status: 404 });
  return d;
}

async function infer(ctx: RouteContext): Promise<RawResponse> {
  const raw = ctx.raw!;
  const format = formatOf(raw.contentType, 'content type');
  const accept = String(raw.headers.accept ?? '');
  const answer: InputFormat = accept.includes('application/vnd.apache.arrow') ? 'arrow' : accept.includes('application/json') ? 'json' : format;
  const d = resolveDeployment(ctx);
  const rt = EngineRuntime.of(ctx.engine);
  const res = await rt.infer(d, {
    body: format === 'json' ? Buffer.from(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength).toString('utf8') : raw.bytes,
    format,
    answer,
    dataset: list(ctx.query.get('dataset')),
    datasetExclude: list(ctx.query.get('dataset_exclude')),
  });
  return new RawResponse(res.body, res.contentType);
}

async function getLogs(ctx: RouteContext): Promise<unknown> {
  const b = ctx.body;
  const wsId = b.workspace_id ?? (typeof b.workspace === 'string' ? ctx.engine.workspaces.getByName(b.workspace).id : undefined);
  if (wsId === undefined) throw new JoeyError('invalid', 'workspace (name) or workspace_id is required', { status: 400 });
  const ws = ctx.requireWorkspace(wsId);
  if (typeof b.pipeline !== 'string' || !b.pipeline) throw new JoeyError('invalid', 'pipeline (name) is required', { status: 400 });
  ctx.engine.pipelines.getByName(ws.id, b.pipeline);
  const rt = EngineRuntime.of(ctx.engine);
  await rt.logs.flush(); // include rows this server answered a moment ago
  const strs = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? list(v) : undefined);
  const { table, truncated } = rt.logs.read(pipelineLogKey(ws.name, b.pipeline), {
    ...(typeof b.limit === 'number' ? { limit: b.limit } : {}),
    ...(b.start_datetime !== undefined ? { start: b.start_datetime as string } : {}),
    ...(b.end_datetime !== undefined ? { end: b.end_datetime as string } : {}),
    ...(strs(b.dataset) ? { dataset: strs(b.dataset) } : {}),
    ...(strs(b.dataset_exclude) ? { datasetExclude: strs(b.dataset_exclude) } : {}),
  } as Parameters<typeof rt.logs.read>[1]);
  const wantsArrow = b.arrow === true || String(ctx.raw?.headers.accept ?? '').includes('application/vnd.apache.arrow');
  if (wantsArrow) {
    const withMeta = new arrow.Table(new arrow.Schema(table.schema.fields, new Map([['joey.truncated', String(truncated)]])), table.batches);
    return new RawResponse(arrow.tableToIPC(withMeta, 'file'), CONTENT_TYPES.arrow);
  }
  return { records: tableRecords(table), truncated };
}

export const inferRoutes: Route[] = [
  { path: '/v1/api/pipelines/infer/:deployment/:pipeline', raw: true, maxBodyBytes: MAX_INFER_BYTES, handler: infer },
  { path: '/v1/api/pipelines/get_logs', handler: getLogs },
];
