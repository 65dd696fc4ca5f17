import { JoeyError, type WorkspaceRole } from '../../model/index.js';
import { indexKey, type Store } from '../store/index.js';
import type { Actor, Labels, WorkspaceRecord } from '../types.js';
import { checkLabels, checkName, nextId, notFoundError, now } from './common.js';

const C = 'workspaces';

/** Workspaces: unique names, members with roles owner|collaborator (the creator is an owner), archive. */
export class WorkspaceService {
  constructor(private readonly store: Store) {
    store.defineIndex<WorkspaceRecord>(C, 'name', (w) => indexKey(w.name));
  }

  async create(input: { name: string; owner: string; members?: { user: string; role: WorkspaceRole }[]; labels?: Labels }): Promise<WorkspaceRecord> {
    const name = checkName('workspace', input.name);
    const labels = checkLabels(input.labels);
    const members = normalizeMembers([{ user: input.owner, role: 'owner' }, ...(input.members ?? [])]);
    return this.store.withLock(() => {
      const existing = this.byName(name);
      if (existing)
        throw new JoeyError(
          'conflict',
          existing.archived
            ? `workspace ${JSON.stringify(name)} exists but is archived (id ${existing.id}); unarchive it instead of creating it again`
            : `workspace ${JSON.stringify(name)} already exists`,
          { status: 409 },
        );
      const t = now();
      const ws: WorkspaceRecord = { id: nextId(this.store, C), name, archived: false, created_by: input.owner, members, labels, created_at: t, updated_at: t };
      this.store.putUnlocked(C, String(ws.id), ws);
      return ws;
    });
  }

  get(id: number): WorkspaceRecord {
    const ws = this.store.get<WorkspaceRecord>(C, String(id));
    if (!ws) throw notFoundError(`workspace ${id}`);
    return ws;
  }

  byName(name: string): WorkspaceRecord | undefined {
    return this.store.lookup<WorkspaceRecord>(C, 'name', indexKey(name))[0];
  }

  getByName(name: string): WorkspaceRecord {
    const ws = this.byName(name);
    if (!ws) throw notFoundError(`workspace ${JSON.stringify(name)}`);
    return ws;
  }

  /** All workspaces (optionally only those `user` is a member of), by id. */
  list(opts: { user?: string; includeArchived?: boolean } = {}): WorkspaceRecord[] {
    return this.store
      .list<WorkspaceRecord>(C, (w) => (opts.includeArchived !== false || !w.archived) && (!opts.user || w.members.some((m) => m.user === opts.user)))
      .sort((a, b) => a.id - b.id);
  }

  isMember(ws: WorkspaceRecord, actor: Actor): boolean {
    return actor.admin || ws.members.some((m) => m.user === actor.user);
  }

  /** Throw 403 (without revealing anything about the workspace) unless the actor is a member. */
  requireMember(workspaceId: number, actor: Actor, role?: WorkspaceRole): WorkspaceRecord {
    const ws = this.store.get<WorkspaceRecord>(C, String(workspaceId));
    const m = ws?.members.find((x) => x.user === actor.user);
    if (ws && (actor.admin || (m && (!role || m.role === role)))) return ws;
    if (!ws && actor.admin) throw notFoundError(`workspace ${workspaceId}`);
    throw new JoeyError('forbidden', `user ${JSON.stringify(actor.user)} is not ${role === 'owner' ? 'an owner' : 'a member'} of workspace ${workspaceId}`, { status: 403 });
  }

  /** Add a user, or change their role. */
  async addUser(id: number, user: string, role: WorkspaceRole = 'collaborator'): Promise<WorkspaceRecord> {
    return this.mutate(id, (ws) => {
      ws.members = normalizeMembers([...ws.members.filter((m) => m.user !== user), { user, role }]);
    });
  }

  async removeUser(id: number, user: string): Promise<WorkspaceRecord> {
    return this.mutate(id, (ws) => {
      if (!ws.members.some((m) => m.user === user)) throw new JoeyError('invalid', `${JSON.stringify(user)} is not a member of workspace ${ws.name}`, { status: 400 });
      const rest = ws.members.filter((m) => m.user !== user);
      if (!rest.some((m) => m.role === 'owner')) throw new JoeyError('invalid', `cannot remove the last owner of workspace ${ws.name}`, { status: 400 });
      ws.members = rest;
    });
  }

  /** Replace the member list (the reconciler's declarative form). Must keep at least one owner. */
  async setMembers(id: number, members: { user: string; role: WorkspaceRole }[]): Promise<WorkspaceRecord> {
    const next = normalizeMembers(members);
    if (!next.some((m) => m.role === 'owner')) throw new JoeyError('invalid', 'a workspace needs at least one owner', { status: 400 });
    return this.mutate(id, (ws) => {
      ws.members = next;
    });
  }

  async setLabels(id: number, labels: Labels): Promise<WorkspaceRecord> {
    const l = checkLabels(labels);
    return this.mutate(id, (ws) => {
      ws.labels = l;
    });
  }

  async archive(id: number, archived = true): Promise<WorkspaceRecord> {
    return this.mutate(id, (ws) => {
      ws.archived = archived;
    });
  }

  private async mutate(id: number, fn: (ws: WorkspaceRecord) => void): Promise<WorkspaceRecord> {
    return this.store.withLock(() => {
      const ws = this.get(id);
      fn(ws);
      ws.updated_at = now();
      this.store.putUnlocked(C, String(id), ws);
      return ws;
    });
  }
}

function normalizeMembers(list: { user: string; role: WorkspaceRole }[]): { user: string; role: WorkspaceRole }[] {
  const byUser = new Map<string, WorkspaceRole>();
  for (const m of list) {
    if (!m || typeof m.user !== 'string' || !m.user) throw new JoeyError('invalid', 'member user is required', { status: 400 });
    if (m.role !== 'owner' && m.role !== 'collaborator') throw new JoeyError('invalid', `member role must be owner or collaborator, got ${JSON.stringify(m.role)}`, { status: 400 });
    // an owner listed twice stays an owner
    if (byUser.get(m.user) !== 'owner') byUser.set(m.user, m.role);
  }
  return [...byUser].map(([user, role]) => ({ user, role })).sort((a, b) => a.user.localeCompare(b.user));
}
