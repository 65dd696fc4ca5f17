import { JoeyError } from '../../model/index.js';
import type { RouteContext } from './types.js';

/** An artifact upload: its metadata fields, its bytes, and the client's file name. */
export interface Upload {
  meta: Record<string, unknown>;
  bytes: Uint8Array;
  fileName?: string;
}

/**
 * Reads an upload the way the seeds send one — multipart/form-data with a `metadata` JSON part and a `file` part —
 * or as raw bytes with `?metadata=<json>` and the listed query fields. `what` names the artifact in errors.
 */
export async function readUpload(ctx: RouteContext, what: string, queryFields: readonly string[]): Promise<Upload> {
  const raw = ctx.raw;
  if (!raw || raw.bytes.length === 0) throw new JoeyError('invalid', `no ${what} in the request`, { status: 400 });
  if (raw.contentType.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Request('http://upload', { method: 'POST', headers: { 'content-type': raw.contentType }, body: raw.bytes as unknown as BodyInit }).formData();
    } catch (e) {
      throw new JoeyError('bad_request', `malformed multipart body: ${(e as Error).message}`, { status: 400 });
    }
    const m = form.get('metadata');
    const text = typeof m === 'string' ? m : m ? await m.text() : '{}';
    const file = form.get('file');
    if (!file || typeof file === 'string') throw new JoeyError('invalid', `multipart upload needs a \`file\` part (the ${what})`, { status: 400 });
    return { meta: parseMeta(text, what), bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name || undefined };
  }
  const q = ctx.query;
  const meta = q.get('metadata') ? parseMeta(q.get('metadata')!, what) : {};
  for (const k of queryFields) if (q.get(k) !== null) meta[k] = q.get(k);
  return { meta, bytes: raw.bytes, fileName: q.get('file_name') ?? undefined };
}

function parseMeta(text: string, what: string): Record<string, unknown> {
  try {
    const m = JSON.parse(text);
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error('not an object');
    return m;
  } catch (e) {
    throw new JoeyError('bad_json', `${what} metadata is not a JSON object: ${(e as Error).message}`, { status: 400 });
  }
}
