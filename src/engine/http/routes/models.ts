import { JoeyError, type Framework } from '../../../model/index.js';
import type { Engine } from '../../index.js';
import type { ModelRecord, ModelVersionRecord } from '../../types.js';
import { toInt } from '../dispatch.js';
import type { Route, RouteContext } from '../types.js';
import { readUpload } from '../upload.js';

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

/** The seeds' multipart upload (or raw bytes with query fields); `tensor_fields` may come as a comma list. */
async function readModelUpload(ctx: RouteContext): Promise<{ meta: UploadMeta; bytes: Uint8Array; fileName?: string }> {
  const up = await readUpload(ctx, 'model file', ['name', 'workspace_id', 'framework', 'batch_config', 'arch']);
  const tensorFields = ctx.raw?.contentType.startsWith('multipart/form-data') ? undefined : ctx.query.get('tensor_fields');
  if (tensorFields) up.meta.tensor_fields = tensorFields.split(',');
  return { ...up, meta: up.meta as UploadMeta };
}

export const modelRoutes: Route[] = [
  {
    path: '/v1/api/models/upload_and_convert',
    raw: true,
    upload: true,
    handler: async (ctx) => {
      const { meta, bytes, fileName } = await readModelUpload(ctx);
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
