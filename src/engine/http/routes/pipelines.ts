import { JoeyError, type DeploymentConfigSpec } from '../../../model/index.js';
import type { Engine } from '../../index.js';
import type { PipelineRecord, PipelineVersionRecord } from '../../types.js';
import { toInt } from '../dispatch.js';
import type { Route, RouteContext } from '../types.js';

/** A pipeline with the SDK listing's fields (created, last_updated, deployed, versions, steps, published). */
export function pipelineView(engine: Engine, p: PipelineRecord) {
  const v = engine.pipelines.getVersion(p.current_version_id);
  const d = engine.deployments.byPipeline(p.id);
  return {
    ...p,
    created: p.created_at,
    last_updated: p.updated_at,
    deployed: !!d?.deployed,
    versions: engine.pipelines.versions(p.id).map((x) => x.version),
    steps: engine.pipelines.modelRefs(v.definition).map((r) => r.name),
    published: false,
    pipeline_variant_pk_id: v.id,
    pipeline_version: v.version,
    definition: v.definition,
    deployment: d ? { id: d.id, name: `${d.name}-${d.id}`, deployed: d.deployed, status: d.status, pipeline_version_pk_id: d.pipeline_version_id } : null,
  };
}

export const versionView = (v: PipelineVersionRecord) => ({ ...v, pipeline_variant_pk_id: v.id, pipeline_variant_version: v.version });

function pipelineOf(ctx: RouteContext, field = 'pipeline_id'): PipelineRecord {
  const { engine, body } = ctx;
  const ref = body[field];
  let p: PipelineRecord;
  if (typeof ref === 'string' && !/^\d+$/.test(ref)) p = engine.pipelines.getByName(ctx.requireWorkspace(body.workspace_id).id, ref);
  else p = engine.pipelines.get(toInt(ref, field));
  ctx.requireWorkspace(p.workspace_id);
  return p;
}

function engineConfig(v: unknown): DeploymentConfigSpec | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as DeploymentConfigSpec;
    } catch {
      throw new JoeyError('bad_json', 'engine_config must be a JSON object (or a JSON string of one)', { status: 400 });
    }
  }
  return v as DeploymentConfigSpec;
}

async function deploy(ctx: RouteContext, p: PipelineRecord, b: Record<string, unknown>) {
  const versionId = b.pipeline_version_pk_id !== undefined ? toInt(b.pipeline_version_pk_id, 'pipeline_version_pk_id') : typeof b.pipeline_version === 'string' ? ctx.engine.pipelines.versionByUuid(p.id, b.pipeline_version).id : undefined;
  return ctx.engine.deployments.deploy({
    pipelineId: p.id,
    versionId,
    configName: typeof b.deployment_config === 'string' ? b.deployment_config : undefined,
    config: engineConfig(b.engine_config),
    labels: b.labels as never,
  });
}

export const pipelineRoutes: Route[] = [
  {
    path: '/v1/api/pipelines/create',
    handler: async ({ engine, body, requireWorkspace }) => {
      const ws = requireWorkspace(body.workspace_id);
      const def = (body.definition ?? {}) as Record<string, unknown>;
      if (typeof def !== 'object' || Array.isArray(def)) throw new JoeyError('invalid', 'definition must be an object ({} for none)', { status: 400 });
      const r = await engine.pipelines.apply({
        workspaceId: ws.id,
        name: body.pipeline_id as string,
        steps: def.steps as never,
        validations: def.validations as never,
        tags: body.tags as never,
        labels: body.labels as never,
      });
      return { pipeline_pk_id: r.pipeline.id, pipeline_variant_pk_id: r.version.id, pipeline_variant_version: r.version.version, created: r.created, new_version: r.newVersion };
    },
  },
  {
    path: '/v1/api/pipelines/deploy',
    handler: async (ctx) => {
      const p = pipelineOf(ctx);
      if (ctx.body.deploy_id !== undefined && ctx.body.deploy_id !== p.name)
        throw new JoeyError('invalid', `deploy_id must be the pipeline's name (${JSON.stringify(p.name)})`, { status: 400 });
      const d = await deploy(ctx, p, ctx.body);
      return { id: d.id, status: d.status };
    },
  },
  {
    path: '/v1/api/pipelines/undeploy',
    handler: async (ctx) => {
      const p = pipelineOf(ctx);
      const d = ctx.body.deployment_id !== undefined ? ctx.engine.deployments.get(toInt(ctx.body.deployment_id, 'deployment_id')) : ctx.engine.deployments.byPipeline(p.id);
      if (!d || d.pipeline_id !== p.id) throw new JoeyError('not_found', `pipeline ${p.name} has no such deployment`, { status: 404 });
      await ctx.engine.deployments.undeploy(d.id);
      return null;
    },
  },
  {
    path: '/v1/api/pipelines/copy',
    handler: async (ctx) => {
      const src = pipelineOf(ctx, 'source_pipeline');
      const ws = ctx.requireWorkspace(ctx.body.workspace_id ?? src.workspace_id);
      const versionId = typeof ctx.body.pipeline_version === 'string' ? ctx.engine.pipelines.versionByUuid(src.id, ctx.body.pipeline_version).id : undefined;
      const r = await ctx.engine.pipelines.copy(src.id, { name: ctx.body.name as string, workspaceId: ws.id, versionId });
      const d = ctx.body.deploy ? await deploy(ctx, r.pipeline, { engine_config: ctx.body.engine_config }) : undefined;
      return { pipeline_pk_id: r.pipeline.id, pipeline_variant_pk_id: r.version.id, pipeline_version: r.version.version, deployment: d ? { id: d.id, status: d.status } : null };
    },
  },
  {
    path: '/v1/api/pipelines/get_pipeline',
    handler: (ctx) => pipelineView(ctx.engine, pipelineOf(ctx, ctx.body.pipeline_id !== undefined ? 'pipeline_id' : 'name')),
  },
  {
    path: '/v1/api/pipelines/list',
    handler: ({ engine, actor, body, requireWorkspace }) => {
      const wsIds = body.workspace_id !== undefined ? [requireWorkspace(body.workspace_id).id] : engine.workspaces.list({ user: actor.admin ? undefined : actor.user }).map((w) => w.id);
      return { pipelines: wsIds.flatMap((id) => engine.pipelines.list(id)).map((p) => pipelineView(engine, p)) };
    },
  },
  {
    path: '/v1/api/pipelines/list_versions',
    handler: (ctx) => ({ versions: ctx.engine.pipelines.versions(pipelineOf(ctx).id).map(versionView) }),
  },
  {
    path: '/v1/api/pipelines/set_tags',
    handler: async (ctx) => pipelineView(ctx.engine, await ctx.engine.pipelines.setTags(pipelineOf(ctx).id, ctx.body.tags as string[])),
  },
  {
    path: '/v1/api/pipelines/set_labels',
    handler: async (ctx) => pipelineView(ctx.engine, await ctx.engine.pipelines.setLabels(pipelineOf(ctx).id, ctx.body.labels as never)),
  },
  {
    path: '/v1/api/pipelines/delete',
    handler: async (ctx) => {
      const p = pipelineOf(ctx);
      const d = ctx.engine.deployments.byPipeline(p.id);
      if (d?.deployed) await ctx.engine.deployments.undeploy(d.id);
      await ctx.engine.pipelines.delete(p.id);
      return null;
    },
  },
  {
    path: '/v1/api/status/get_deployment',
    handler: ({ engine, actor, body }) => {
      const name = body.name ?? body.id;
      if (typeof name !== 'string' && typeof name !== 'number') throw new JoeyError('invalid', 'name ("{deployment_name}-{deployment_id}") is required', { status: 400 });
      const mine = actor.admin ? undefined : engine.workspaces.list({ user: actor.user }).map((w) => w.id);
      const d = typeof name === 'number' ? engine.deployments.get(name) : engine.deployments.byName(mine, name);
      engine.workspaces.requireMember(d.workspace_id, actor);
      return engine.deployments.status(d);
    },
  },
  {
    path: '/v1/api/deployments/list',
    handler: ({ engine, body, requireWorkspace }) => ({ deployments: engine.deployments.list(requireWorkspace(body.workspace_id).id) }),
  },
  {
    path: '/v1/api/admin/get_pipeline_external_url',
    handler: ({ engine, body, requireWorkspace, baseUrl }) => {
      const ws = requireWorkspace(body.workspace_id);
      const p = engine.pipelines.getByName(ws.id, String(body.pipeline_name));
      const d = engine.deployments.byPipeline(p.id);
      if (!d?.deployed) throw new JoeyError('not_found', `pipeline ${p.name} is not deployed`, { status: 404 });
      return { url: engine.deployments.externalUrl(d, baseUrl) };
    },
  },
];
