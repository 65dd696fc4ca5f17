/**
 * Orchestration and task routes, as the platform's MLOps API has them (POST + JSON; the upload is multipart
 * with a `file` part and a `metadata` JSON part holding `workspace_id`).
 */
import { JoeyError } from '../../../model/index.js';
import { startDetachedRun } from '../../tasks/detached.js';
import { tasksOf } from '../../tasks/index.js';
import type { RunStatus } from '../../tasks/types.js';
import { toInt } from '../dispatch.js';
import type { Route, RouteContext } from '../types.js';
import { readUpload } from '../upload.js';

const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || !v) throw new JoeyError('invalid', `${field} is required (a string)`, { status: 400 });
  return v;
};
const optNum = (v: unknown, field: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new JoeyError('invalid', `${field} must be a number`, { status: 400 });
  return v;
};
const jsonArgs = (v: unknown): Record<string, unknown> => {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new JoeyError('invalid', '`json` (the task args) must be a JSON object', { status: 400 });
  return v as Record<string, unknown>;
};

/** The task, if the actor may see its workspace. */
function task(ctx: RouteContext, id: unknown) {
  const t = tasksOf(ctx.engine).get(str(id, 'id'));
  ctx.requireWorkspace(t.workspace_id);
  return t;
}

async function create(ctx: RouteContext, kind: 'once' | 'scheduled' | 'continuous') {
  const b = ctx.body;
  const ws = ctx.requireWorkspace(b.workspace_id);
  const svc = tasksOf(ctx.engine);
  const t = await svc.create(kind, {
    workspaceId: ws.id,
    orchId: str(b.orch_id, 'orch_id'),
    name: typeof b.name === 'string' ? b.name : null,
    args: jsonArgs(b.json ?? b.json_args),
    timeout: optNum(b.timeout, 'timeout') ?? null,
    schedule: kind === 'scheduled' ? str(b.schedule, 'schedule') : undefined,
    timezone: typeof b.timezone === 'string' ? b.timezone : undefined,
    allowConcurrent: b.allow_concurrent === true,
    labels: (b.labels as Record<string, string>) ?? {},
  });
  // Embedded engine with no scheduler running: start the run-once task's run right away.
  if (kind === 'once' && !svc.schedulerStatus().running) await startDetachedRun(ctx.engine.stateDir, t.id);
  return { id: t.id };
}

export const taskRoutes: Route[] = [
  {
    path: '/v1/api/orchestration/upload',
    raw: true,
    upload: true,
    async handler(ctx) {
      const { meta, bytes, fileName } = await readUpload(ctx, 'orchestration zip', ['workspace_id', 'name']);
      const ws = ctx.requireWorkspace(meta.workspace_id);
      const o = await tasksOf(ctx.engine).orchestrations.upload({
        workspaceId: ws.id,
        bytes,
        fileName,
        name: typeof meta.name === 'string' ? meta.name : undefined,
        owner: ctx.actor.user,
        labels: (meta.labels as Record<string, string>) ?? undefined,
      });
      return { id: o.id, sha: o.sha, status: o.status };
    },
  },
  {
    path: '/v1/api/orchestration/list',
    handler(ctx) {
      const ws = ctx.requireWorkspace(ctx.body.workspace_id);
      return tasksOf(ctx.engine).orchestrations.list(ws.id);
    },
  },
  {
    path: '/v1/api/orchestration/delete',
    async handler(ctx) {
      const o = tasksOf(ctx.engine).orchestrations.get(str(ctx.body.id, 'id'));
      ctx.requireWorkspace(o.workspace_id);
      return { deleted: await tasksOf(ctx.engine).orchestrations.delete(o.id) };
    },
  },
  { path: '/v1/api/task/run_once', handler: (ctx) => create(ctx, 'once') },
  { path: '/v1/api/task/run_scheduled', handler: (ctx) => create(ctx, 'scheduled') },
  { path: '/v1/api/task/run_continuously', handler: (ctx) => create(ctx, 'continuous') },
  { path: '/v1/api/task/get_by_id', handler: (ctx) => task(ctx, ctx.body.id) },
  {
    path: '/v1/api/task/list',
    handler(ctx) {
      const ws = ctx.requireWorkspace(ctx.body.workspace_id);
      // The platform's killed=false (default) lists every task; killed=true only killed ones.
      return tasksOf(ctx.engine).list({ workspaceId: ws.id, killed: ctx.body.killed === true ? true : undefined });
    },
  },
  {
    path: '/v1/api/task/kill',
    async handler(ctx) {
      const t = task(ctx, ctx.body.id);
      return tasksOf(ctx.engine).kill(t.id);
    },
  },
  {
    path: '/v1/api/task/get_tasks_by_orch_sha',
    handler(ctx) {
      const sha = str(ctx.body.sha, 'sha');
      const visible = new Set(ctx.engine.workspaces.list().filter((w) => ctx.engine.workspaces.isMember(w, ctx.actor)).map((w) => w.id));
      return { ids: tasksOf(ctx.engine).list().filter((t) => t.orch_sha === sha && visible.has(t.workspace_id)).map((t) => t.id) };
    },
  },
  {
    path: '/v1/api/task/list_task_runs',
    handler(ctx) {
      const t = task(ctx, ctx.body.task_id);
      const status = (typeof ctx.body.status === 'string' ? ctx.body.status : 'all') as RunStatus | 'all';
      const limit = ctx.body.limit === undefined || ctx.body.limit === null ? undefined : toInt(ctx.body.limit, 'limit');
      return tasksOf(ctx.engine).lastRuns(t.id, status, limit);
    },
  },
  {
    path: '/v1/api/task/get_logs_for_run',
    handler(ctx) {
      const svc = tasksOf(ctx.engine);
      const run = svc.findRun(str(ctx.body.id, 'id'));
      task(ctx, run.task);
      const limit = ctx.body.limit === undefined || ctx.body.limit === null ? undefined : toInt(ctx.body.limit, 'limit');
      return { logs: svc.logs(run.run_id, limit) };
    },
  },
];
