import { JoeyError, type WorkspaceRole } from '../../../model/index.js';
import type { Engine } from '../../index.js';
import type { WorkspaceRecord } from '../../types.js';
import type { Route } from '../types.js';

/** The platform's workspace shape, plus joey's members and labels. */
export function workspaceView(engine: Engine, ws: WorkspaceRecord) {
  return {
    ...ws,
    models: engine.models.list(ws.id).map((m) => m.id),
    pipelines: engine.pipelines.list(ws.id).map((p) => p.id),
  };
}

const userOf = (b: Record<string, unknown>): string => {
  const u = b.email ?? b.user ?? b.user_id;
  if (typeof u !== 'string' || !u) throw new JoeyError('invalid', 'email (the user) is required', { status: 400 });
  return u;
};

export const workspaceRoutes: Route[] = [
  {
    path: '/v1/api/workspaces/create',
    handler: async ({ engine, actor, body }) => {
      const ws = await engine.workspaces.create({
        name: body.workspace_name as string,
        owner: actor.user,
        members: body.members as never,
        labels: body.labels as never,
      });
      return { workspace_id: ws.id };
    },
  },
  {
    path: '/v1/api/workspaces/list',
    handler: ({ engine, actor, body }) => ({
      workspaces: engine.workspaces
        .list({ user: actor.admin && !body.user_id ? undefined : actor.admin ? (body.user_id as string) : actor.user })
        .map((w) => workspaceView(engine, w)),
    }),
  },
  {
    path: '/v1/api/workspaces/get',
    handler: ({ engine, body, requireWorkspace }) => {
      const id = body.workspace_id ?? (typeof body.workspace_name === 'string' ? engine.workspaces.byName(body.workspace_name)?.id ?? -1 : undefined);
      if (id === -1) throw new JoeyError('not_found', `workspace ${JSON.stringify(body.workspace_name)} not found`, { status: 404 });
      return workspaceView(engine, requireWorkspace(id));
    },
  },
  {
    path: '/v1/api/workspaces/add_user',
    handler: async ({ engine, body, requireWorkspace }) => {
      const ws = requireWorkspace(body.workspace_id, 'owner');
      const role = (body.role ?? 'collaborator') as WorkspaceRole;
      await engine.workspaces.addUser(ws.id, userOf(body), role);
      return {};
    },
  },
  {
    path: '/v1/api/workspaces/remove_user',
    handler: async ({ engine, body, requireWorkspace }) => {
      const ws = requireWorkspace(body.workspace_id, 'owner');
      await engine.workspaces.removeUser(ws.id, userOf(body));
      return {};
    },
  },
  {
    path: '/v1/api/workspaces/set_members',
    handler: async ({ engine, body, requireWorkspace }) => {
      const ws = requireWorkspace(body.workspace_id, 'owner');
      if (!Array.isArray(body.members)) throw new JoeyError('invalid', 'members must be a list of {user, role}', { status: 400 });
      return workspaceView(engine, await engine.workspaces.setMembers(ws.id, body.members as never));
    },
  },
  {
    path: '/v1/api/workspaces/set_labels',
    handler: async ({ engine, body, requireWorkspace }) => workspaceView(engine, await engine.workspaces.setLabels(requireWorkspace(body.workspace_id, 'owner').id, body.labels as never)),
  },
  {
    path: '/v1/api/workspaces/archive',
    handler: async ({ engine, body, requireWorkspace }) => {
      const ws = requireWorkspace(body.workspace_id, 'owner');
      await engine.workspaces.archive(ws.id, body.archived === undefined ? true : !!body.archived);
      return {};
    },
  },
];
