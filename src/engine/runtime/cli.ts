/** Library side of `joey infer` / `joey logs`: target parsing and the HTTP client calls. */
import { tableFromIPC } from 'apache-arrow';
import { JoeyError } from '../../model/index.js';
import { CONTENT_TYPES } from './engine-runtime.js';
import type { InputFormat } from './decode.js';

export function parseTarget(target: string): { workspace: string; pipeline: string } {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(target);
  if (!m) throw new JoeyError('invalid', `expected WORKSPACE/PIPELINE, got "${target}"`);
  return { workspace: m[1]!, pipeline: m[2]! };
}

export interface HttpInfer {
  endpoint: string;
  token?: string;
  workspace: string;
  pipeline: string;
  body: Uint8Array;
  format: InputFormat;
  answer: InputFormat;
  dataset?: string[];
  datasetExclude?: string[];
}

async function failure(res: Response): Promise<JoeyError> {
  let msg = `${res.status} ${res.statusText}`;
  try {
    const j = (await res.json()) as { msg?: string; message?: string; error?: string };
    msg = j.msg ?? j.message ?? j.error ?? msg;
  } catch {
    /* not JSON */
  }
  return new JoeyError(res.status === 401 || res.status === 403 ? 'unauthorized' : 'remote_error', msg, { status: res.status });
}

/** POST /v1/api/pipelines/infer/<pipeline>/<pipeline>?workspace=<ws> on a joey server. */
export async function inferOverHttp(o: HttpInfer): Promise<{ body: Uint8Array | string; rows: number }> {
  const q = new URLSearchParams({ workspace: o.workspace });
  if (o.dataset?.length) q.set('dataset', o.dataset.join(','));
  if (o.datasetExclude?.length) q.set('dataset_exclude', o.datasetExclude.join(','));
  const url = `${o.endpoint.replace(/\/$/, '')}/v1/api/pipelines/infer/${encodeURIComponent(o.pipeline)}/${encodeURIComponent(o.pipeline)}?${q}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': CONTENT_TYPES[o.format],
      accept: CONTENT_TYPES[o.answer],
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
    },
    body: o.body as unknown as BodyInit,
  });
  if (!res.ok) throw await failure(res);
  if (o.answer === 'arrow') {
    const body = new Uint8Array(await res.arrayBuffer());
    return { body, rows: tableFromIPC(body).numRows };
  }
  const body = await res.text();
  return { body, rows: (JSON.parse(body) as unknown[]).length };
}

export interface HttpLogs {
  endpoint: string;
  token?: string;
  workspace: string;
  pipeline: string;
  limit?: number;
  start?: string;
  end?: string;
  dataset?: string[];
  datasetExclude?: string[];
}

/** POST /v1/api/pipelines/get_logs on a joey server; answers Arrow IPC. */
export async function logsOverHttp(o: HttpLogs): Promise<{ arrow: Uint8Array; truncated: boolean }> {
  const res = await fetch(`${o.endpoint.replace(/\/$/, '')}/v1/api/pipelines/get_logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: CONTENT_TYPES.arrow, ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
    body: JSON.stringify({
      workspace: o.workspace,
      pipeline: o.pipeline,
      limit: o.limit,
      start_datetime: o.start,
      end_datetime: o.end,
      dataset: o.dataset,
      dataset_exclude: o.datasetExclude,
      arrow: true,
    }),
  });
  if (!res.ok) throw await failure(res);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { arrow: bytes, truncated: tableFromIPC(bytes).schema.metadata.get('joey.truncated') === 'true' };
}
