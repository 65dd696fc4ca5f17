import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { JoeyError } from '../../model/index.js';
import { stableStringify } from '../../model/canonical.js';
import { indexKey, type Store } from '../store/index.js';
import type { ConnectionRecord, Labels } from '../types.js';
import { checkLabels, checkName, nextId, notFoundError, now } from './common.js';

const C = 'connections';
export const MASK = '********';
const SECRET_KEY = /pass|secret|token|key|credential|auth|private|cert/i;
const REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

export const isSecretRef = (v: string) => REF.test(v);

/** What callers may see: `env:`/`file:` references as-is (they hold no secret), literal values of secret-looking keys masked. */
export function maskDetails(details: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(details)) out[k] = isSecretRef(v) || !SECRET_KEY.test(k) ? v : MASK;
  return out;
}

/** A connection as returned by every API: details masked, plus a fingerprint so drift can be seen without values. */
export type ConnectionView = Omit<ConnectionRecord, 'details'> & { details: Record<string, string>; details_sha256: string };

export function viewConnection(c: ConnectionRecord): ConnectionView {
  return { ...c, details: maskDetails(c.details), details_sha256: createHash('sha256').update(stableStringify(c.details)).digest('hex') };
}

/**
 * Data connections (type + details). Secret values are meant to be stored by reference (`env:NAME`,
 * `file:PATH`) and resolved only in-process when a task needs them; nothing here returns them in clear.
 */
export class ConnectionService {
  constructor(private readonly store: Store) {
    store.defineIndex<ConnectionRecord>(C, 'name', (c) => indexKey(c.workspace_id, c.name));
  }

  async put(input: { workspaceId?: number; name: string; type: string; details: Record<string, string>; labels?: Labels }): Promise<ConnectionView> {
    const name = checkName('connection', input.name);
    if (typeof input.type !== 'string' || !input.type) throw new JoeyError('invalid', 'connection type is required', { status: 400 });
    const d = input.details ?? {};
    if (typeof d !== 'object' || Array.isArray(d) || Object.values(d).some((v) => typeof v !== 'string'))
      throw new JoeyError('invalid', 'connection details must map names to strings (secrets as env:NAME or file:PATH)', { status: 400 });
    const labels = checkLabels(input.labels);
    const rec = await this.store.withLock(() => {
      const t = now();
      const cur = this.byName(input.workspaceId, name);
      const r: ConnectionRecord = cur
        ? { ...cur, type: input.type, details: { ...d }, labels: input.labels !== undefined ? labels : cur.labels, updated_at: t }
        : { id: nextId(this.store, C), name, type: input.type, details: { ...d }, labels, created_at: t, updated_at: t, ...(input.workspaceId !== undefined ? { workspace_id: input.workspaceId } : {}) };
      this.store.putUnlocked(C, String(r.id), r);
      return r;
    });
    return viewConnection(rec);
  }

  get(id: number): ConnectionView {
    return viewConnection(this.record(id));
  }

  byName(workspaceId: number | undefined, name: string): ConnectionRecord | undefined {
    return this.store.lookup<ConnectionRecord>(C, 'name', indexKey(workspaceId, name))[0];
  }

  getByName(workspaceId: number | undefined, name: string): ConnectionView {
    const c = this.byName(workspaceId, name);
    if (!c) throw notFoundError(`connection ${JSON.stringify(name)}`);
    return viewConnection(c);
  }

  list(workspaceId?: number): ConnectionView[] {
    return this.store
      .list<ConnectionRecord>(C, (c) => workspaceId === undefined || c.workspace_id === workspaceId)
      .sort((a, b) => a.id - b.id)
      .map(viewConnection);
  }

  async delete(id: number): Promise<boolean> {
    return this.store.delete(C, String(id));
  }

  /** In-process only (task runners): the details with `env:`/`file:` references resolved. Never serve this. */
  resolveDetails(id: number, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.record(id).details)) {
      if (v.startsWith('env:') && REF.test(v)) {
        const val = env[v.slice(4)];
        if (val === undefined) throw new JoeyError('secret_missing', `connection detail ${k}: environment variable ${v.slice(4)} is not set`, { status: 400 });
        out[k] = val;
      } else if (v.startsWith('file:')) {
        try {
          out[k] = readFileSync(v.slice(5), 'utf8').trimEnd();
        } catch {
          throw new JoeyError('secret_missing', `connection detail ${k}: cannot read ${v.slice(5)}`, { status: 400 });
        }
      } else out[k] = v;
    }
    return out;
  }

  private record(id: number): ConnectionRecord {
    const c = this.store.get<ConnectionRecord>(C, String(id));
    if (!c) throw notFoundError(`connection ${id}`);
    return c;
  }
}
