import { createHash, randomBytes } from 'node:crypto';
import { JoeyError } from '../../model/index.js';
import type { Store } from '../store/index.js';
import type { Actor, TokenRecord } from '../types.js';
import { now } from './common.js';

const C = 'tokens';
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** API bearer tokens. Only their sha256 is stored; the token is shown once, at creation. */
export class TokenService {
  constructor(private readonly store: Store) {}

  async create(input: { user: string; admin?: boolean; name?: string }): Promise<{ token: string; record: TokenRecord }> {
    if (typeof input.user !== 'string' || !/^[^\s]{1,200}$/.test(input.user)) throw new JoeyError('invalid', 'token user must be a non-empty name without spaces', { status: 400 });
    const token = `joey_${randomBytes(24).toString('base64url')}`;
    const record: TokenRecord = { id: hash(token), user: input.user, admin: !!input.admin, created_at: now(), ...(input.name ? { name: input.name } : {}) };
    await this.store.put(C, record.id, record);
    return { token, record };
  }

  /** The actor a token stands for, or undefined if it is unknown/revoked. */
  verify(token: string): Actor | undefined {
    if (!token || token.length > 200) return undefined;
    const r = this.store.get<TokenRecord>(C, hash(token));
    return r ? { user: r.user, admin: r.admin } : undefined;
  }

  /** Tokens without their hashes; `handle` (12 hex chars of the hash) names one for `revoke`. */
  list(): (Omit<TokenRecord, 'id'> & { handle: string })[] {
    return this.store.list<TokenRecord>(C).map(({ id, ...rest }) => ({ handle: id.slice(0, 12), ...rest }));
  }

  /** Revoke by the token itself or by its handle. */
  async revoke(tokenOrHandle: string): Promise<boolean> {
    if (/^[0-9a-f]{12}$/.test(tokenOrHandle)) {
      const ids = this.store.ids(C).filter((id) => id.startsWith(tokenOrHandle));
      if (ids.length === 1) return this.store.delete(C, ids[0]!);
    }
    return this.store.delete(C, hash(tokenOrHandle));
  }
}
