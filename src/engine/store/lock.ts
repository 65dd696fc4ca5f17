import { existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { JoeyError } from '../../model/index.js';
import { dirname } from 'node:path';
import { pidAlive, sleep, tempName } from './fsutil.js';

/** Who holds a lock file. `token` tells our own acquisition from someone else's with the same pid. */
export interface LockHolder {
  pid: number;
  host: string;
  time: string;
  purpose?: string;
  token: string;
}

export interface AcquireOptions {
  /** How long to wait for a live holder before failing (default 10 s). */
  timeoutMs?: number;
  /** Shown to whoever waits on us, e.g. "joey apply". */
  purpose?: string;
}

/** A breaker older than this belongs to a process that died mid-break. */
const BREAKER_STALE_MS = 5_000;

/**
 * A cross-process exclusive lock on one file. The holder record `{pid, host, time}` is written to a
 * temp file first and then hard-linked into place, so the lock file appears atomically with its
 * content (link fails with EEXIST exactly like O_CREAT|O_EXCL, but a crash can never leave an empty lock).
 * A lock whose holder pid is dead on this host is stale and is broken — under a short "breaker" lock so
 * two waiters can never both break it and delete each other's fresh lock.
 */
export class FileLock {
  private token: string | undefined;
  /** The last successful acquire broke a dead holder's lock (its writes may be half done). */
  brokeStale = false;

  /** `tmpDir` (same filesystem) holds the short-lived holder files; default: the lock's directory. */
  constructor(
    readonly path: string,
    private readonly tmpDir: string = dirname(path),
  ) {}

  get held(): boolean {
    return this.token !== undefined;
  }

  /** The current holder, or undefined if the lock is free (or unreadable mid-write). */
  holder(): LockHolder | undefined {
    return readHolder(this.path);
  }

  /** One attempt; true if we now hold the lock. Breaks a stale lock on the way. */
  tryAcquire(purpose?: string): boolean {
    if (this.token) throw new JoeyError('lock_reentry', `lock ${this.path} is already held by this process`, { status: 500 });
    const token = randomBytes(12).toString('hex');
    const rec: LockHolder = { pid: process.pid, host: hostname(), time: new Date().toISOString(), token, ...(purpose ? { purpose } : {}) };
    // No fsync: a lock does not need to survive power loss (its holder would not either).
    const tmp = tempName(this.tmpDir, 'lock');
    writeFileSync(tmp, JSON.stringify(rec) + '\n');
    let broke = false;
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          linkSync(tmp, this.path);
          this.token = token;
          this.brokeStale = broke;
          return true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const h = readHolder(this.path);
        if (h ? !isStale(h) : !unreadableAndOld(this.path)) return false;
        if (!this.breakStale(h?.token)) return false;
        broke = true;
      }
      return false;
    } finally {
      try {
        unlinkSync(tmp);
      } catch {
        /* gone */
      }
    }
  }

  /** Wait (polling with backoff) until we hold the lock, or throw `locked` naming the holder. */
  async acquire(opts: AcquireOptions = {}): Promise<void> {
    const timeout = opts.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeout;
    let delay = 1;
    for (;;) {
      if (this.tryAcquire(opts.purpose)) return;
      if (Date.now() >= deadline) throw lockedError(this.path, readHolder(this.path), timeout);
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  /** Release if we hold it. Never deletes a lock somebody else holds. */
  release(): void {
    const token = this.token;
    this.token = undefined;
    if (!token) return;
    const h = readHolder(this.path);
    if (h?.token === token) {
      try {
        unlinkSync(this.path);
      } catch {
        /* already gone */
      }
    }
  }

  /** Remove the lock whoever holds it (operator escape hatch). Returns the holder that was removed. */
  forceUnlock(): LockHolder | undefined {
    const h = readHolder(this.path);
    try {
      unlinkSync(this.path);
    } catch {
      return undefined;
    }
    return h;
  }

  private breakStale(seenToken: string | undefined): boolean {
    const breaker = `${this.path}.break`;
    const mine = tempName(this.tmpDir, 'breaker');
    writeFileSync(mine, String(process.pid));
    try {
      try {
        linkSync(mine, breaker);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // someone else is breaking; if their breaker is old they died doing it
        try {
          if (Date.now() - statSync(breaker).mtimeMs > BREAKER_STALE_MS) unlinkSync(breaker);
        } catch {
          /* gone */
        }
        return false;
      }
      try {
        const now = readHolder(this.path);
        if (existsSync(this.path) && now?.token === seenToken) unlinkSync(this.path);
        return true;
      } finally {
        unlinkSync(breaker);
      }
    } finally {
      try {
        unlinkSync(mine);
      } catch {
        /* gone */
      }
    }
  }
}

export function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof h?.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Stale = held by a dead process on this host. Other hosts' locks are never guessed at. */
export function isStale(h: LockHolder): boolean {
  return h.host === hostname() && !pidAlive(h.pid);
}

/** A lock file with no readable holder (torn by a power loss) that has sat there for a while. */
function unreadableAndOld(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > 10_000;
  } catch {
    return false;
  }
}

export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'another process';
  return `pid ${h.pid} on ${h.host} since ${h.time}${h.purpose ? ` (${h.purpose})` : ''}`;
}

function lockedError(path: string, h: LockHolder | undefined, timeoutMs: number): JoeyError {
  return new JoeyError(
    'locked',
    `${path} is locked by ${describeHolder(h)}; waited ${timeoutMs} ms. ` +
      `If that process is gone, remove the lock with \`joey force-unlock\` (or delete ${path}).`,
    { status: 423 },
  );
}
