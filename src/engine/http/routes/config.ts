import { JoeyError } from '../../../model/index.js';
import { toInt } from '../dispatch.js';
import type { Route } from '../types.js';

/** joey-specific routes: deployment configs, connections, tags, whoami. */
export const configRoutes: Route[] = [
  {
    path: '/v1/api/deployment_configs/put',
    handler: ({ engine, body, requireWorkspace }) =>
      engine.deploymentConfigs.put({ workspaceId: requireWorkspace(body.workspace_id).id, name: body.name as string, spec: body.spec as never, labels: body.labels as never }),
  },
  {
    path: '/v1/api/deployment_configs/list',
    handler: ({ engine, body, requireWorkspace }) => ({ deployment_configs: engine.deploymentConfigs.list(requireWorkspace(body.workspace_id).id) }),
  },
  {
    path: '/v1/api/deployment_configs/get',
    handler: ({ engine, body, requireWorkspace }) => {
      const ws = requireWorkspace(body.workspace_id);
      return engine.deploymentConfigs.getByName(ws.id, String(body.name));
    },
  },
  {
    path: '/v1/api/deployment_configs/delete',
    handler: async ({ engine, body, requireWorkspace }) => {
      const ws = requireWorkspace(body.workspace_id);
      await engine.deploymentConfigs.delete(engine.deploymentConfigs.getByName(ws.id, String(body.name)).id);
      return null;
    },
  },
  {
    path: '/v1/api/connections/create',
    handler: ({ engine, body, requireWorkspace }) =>
      engine.connections.put({
        workspaceId: body.workspace_id === undefined ? undefined : requireWorkspace(body.workspace_id).id,
        name: body.name as string,
        type: body.type as string,
        details: body.details as never,
        labels: body.labels as never,
      }),
  },
  {
    path: '/v1/api/connections/list',
    handler: ({ engine, actor, body, requireWorkspace }) => {
      if (body.workspace_id === undefined && !actor.admin) throw new JoeyError('invalid', 'workspace_id is required', { status: 400 });
      return { connections: engine.connections.list(body.workspace_id === undefined ? undefined : requireWorkspace(body.workspace_id).id) };
    },
  },
  {
    path: '/v1/api/connections/get',
    handler: ({ engine, actor, body, requireWorkspace }) => {
      // check membership before looking the name up, so a non-member learns nothing about the workspace
      const ws = body.id === undefined && body.workspace_id !== undefined ? requireWorkspace(body.workspace_id).id : undefined;
      const c = body.id !== undefined ? engine.connections.get(toInt(body.id, 'id')) : engine.connections.getByName(ws, String(body.name));
      if (c.workspace_id !== undefined) requireWorkspace(c.workspace_id);
      else if (!actor.admin) throw new JoeyError('forbidden', 'platform-wide connections are visible to admins only', { status: 403 });
      return c;
    },
  },
  {
    path: '/v1/api/connections/delete',
    handler: async ({ engine, actor, body, requireWorkspace }) => {
      const c = engine.connections.get(toInt(body.id, 'id'));
      if (c.workspace_id !== undefined) requireWorkspace(c.workspace_id);
      else if (!actor.admin) throw new JoeyError('forbidden', 'platform-wide connections are managed by admins only', { status: 403 });
      await engine.connections.delete(c.id);
      return null;
    },
  },
  {
    path: '/v1/api/tags/list',
    handler: ({ engine, body, requireWorkspace }) => ({ tags: engine.tags.list(requireWorkspace(body.workspace_id).id) }),
  },
  {
    path: '/v1/api/users/whoami',
    handler: ({ actor }) => ({ user: actor.user, admin: actor.admin }),
  },
];
