import { JoeyError, type Framework } from '../../../model/index.js';
import type { Engine } from '../../index.js';
import type { ModelRecord, ModelVersionRecord } from '../../types.js';
import { toInt } from '../dispatch.js';
import type { Route, RouteContext } from '../types.js';

export const modelView = (engine: Engine, m: ModelRecord) => ({ ...m, versions: engine.models.versions(m.id).length });
/** A version as the platform lists it (`model_version` = UUID, `models_pk_id`), plus joey's fields. */
export const versionView = (v: ModelVersionRecord) => ({ ...v, model_version: v.version, models_pk_id: v.model_id });

interface UploadMeta {
  name?: string;
  workspace_id?: unknown;
  conversion?: { framework?: string };
  framework?: string;
  tensor_fields?: string[];
  batch_config?: 'single' | null;
  input_schema?: Record<string, string>;
  output_schema?: Record<string, string>;
  arch?: 'x86' | 'arm';
  labels?: Record<string, string>;
  tags?: string[];
}

/** multipart/form-data (`metadata` JSON + `file`, as the seeds send) or raw bytes with `?metadata=<json>` / query fields. */
async function readUpload(ctx: RouteContext): Promise<{ meta: UploadMeta; bytes: Uint8Array; fileName?: string }> {
  const raw = ctx.raw;
  if (!raw) throw new JoeyError('invalid', 'no model file in the request', { status: 400 });
  if (raw.contentType.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Request('http://upload', { method: 'POST', headers: { 'content-type': raw.contentType }, body: raw.bytes as unknown as BodyInit }).formData();
    } catch (e) {
      throw new JoeyError('bad_request', `malformed multipart body: ${(e as Error).message}`, { status: 400 });
    }
    const metaField = form.get('metadata');
    const metaText = typeof metaField === 'string' ? metaField : metaField ? await metaField.text() : '{}';
    const file = form.get('file');
    if (!file || typeof file === 'string') throw new JoeyError('invalid', 'multipart upload needs a `file` part', { status: 400 });
    return { meta: parseMeta(metaText), bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name || undefined };
  }
  const q = ctx.query;
  const meta: UploadMeta = q.get('metadata') ? parseMeta(q.get('metadata')!) : {};
  for (const k of ['name', 'workspace_id', 'framework', 'batch_config', 'arch'] as const) if (q.get(k) !== null) (meta as Record<string, unknown>)[k] = q.get(k);
  if (q.get('tensor_fields')) meta.tensor_fields = q.get('tensor_fields')!.split(',');
  return { meta, bytes: raw.bytes, fileName: q.get('file_name') ?? undefined };
}

function parseMeta(text: string): UploadMeta {
  try {
    const m = JSON.parse(text);
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error('not an object');
    return m;
  } catch (e) {
    throw new JoeyError('bad_json', `model metadata is not a JSON object: ${(e as Error).message}`, { status: 400 });
  }
}

export const modelRoutes: Route[] = [
  {
    path: '/v1/api/models/upload_and_convert',
    raw: true,
    upload: true,
    handler: async (ctx) => {
      const { meta, bytes, fileName } = await readUpload(ctx);
      const ws = ctx.requireWorkspace(meta.workspace_id);
      const r = await ctx.engine.models.upload(bytes, {
        workspaceId: ws.id,
        name: meta.name as string,
        framework: (meta.conversion?.framework ?? meta.framework ?? 'onnx') as Framework,
        fileName,
        tensorFields: meta.tensor_fields,
        batchConfig: meta.batch_config,
        inputSchema: meta.input_schema,
        outputSchema: meta.output_schema,
        arch: meta.arch,
        labels: meta.labels,
        tags: meta.tags,
      });
      return {
        insert_models: {
          returning: [
            { models: [{ id: r.model.id, name: r.model.name, model_version_id: r.version.id, model_version: r.version.version, sha: r.version.sha, status: r.version.status, created: r.created }] },
          ],
        },
      };
    },
  },
  {
    path: '/v1/api/models/list',
    handler: ({ engine, body, requireWorkspace }) => ({ models: engine.models.list(requireWorkspace(body.workspace_id).id).map((m) => modelView(engine, m)) }),
  },
  {
    path: '/v1/api/models/get',
    handler: ({ engine, body, requireWorkspace }) => {
      const m = body.model_id !== undefined && typeof body.model_id !== 'string' ? engine.models.get(toInt(body.model_id, 'model_id')) : engine.models.getByName(requireWorkspace(body.workspace_id).id, String(body.name ?? body.model_id));
      requireWorkspace(m.workspace_id);
      return modelView(engine, m);
    },
  },
  {
    // seeds: {model_id: <name>, models_pk_id: <id>} → versions, oldest first (the newest is [-1])
    path: '/v1/api/models/list_versions',
    handler: ({ engine, body, requireWorkspace }) => {
      const m = engine.models.get(toInt(body.models_pk_id ?? body.model_id, 'models_pk_id'));
      requireWorkspace(m.workspace_id);
      return engine.models.versions(m.id).reverse().map(versionView);
    },
  },
  {
    path: '/v1/api/models/get_version_by_id',
    handler: ({ engine, body, requireWorkspace }) => {
      const v = engine.models.getVersion(toInt(body.model_version_id ?? body.id, 'model_version_id'));
      requireWorkspace(v.workspace_id);
      return { model_version: versionView(v) };
    },
  },
  {
    path: '/v1/api/models/configure',
    handler: async ({ engine, body, requireWorkspace }) => {
      const v = engine.models.getVersion(toInt(body.model_version_id, 'model_version_id'));
      requireWorkspace(v.workspace_id);
      const next = await engine.models.configure(v.id, {
        tensorFields: body.tensor_fields as never,
        batchConfig: body.batch_config as never,
        inputSchema: body.input_schema as never,
        outputSchema: body.output_schema as never,
      });
      return { model_version: versionView(next) };
    },
  },
  {
    path: '/v1/api/models/set_tags',
    handler: async ({ engine, body, requireWorkspace }) => {
      const m = engine.models.get(toInt(body.model_id, 'model_id'));
      requireWorkspace(m.workspace_id);
      return modelView(engine, await engine.models.setTags(m.id, body.tags as string[]));
    },
  },
  {
    path: '/v1/api/models/delete',
    handler: async ({ engine, body, requireWorkspace }) => {
      const m = engine.models.get(toInt(body.model_id, 'model_id'));
      requireWorkspace(m.workspace_id);
      await engine.models.delete(m.id);
      return null;
    },
  },
  {
    path: '/v1/api/models/set_labels',
    handler: async ({ engine, body, requireWorkspace }) => {
      const m = engine.models.get(toInt(body.model_id, 'model_id'));
      requireWorkspace(m.workspace_id);
      return modelView(engine, await engine.models.setLabels(m.id, body.labels as never));
    },
  },
];
