import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { JoeyError } from '../model/index.js';

/** Terraform's LockInfo fields: who holds the state, doing what, since when. */
export interface LockInfo {
  ID: string;
  Path: string;
  Operation: string;
  Who: string;
  Created: string;
  Pid: number;
  Host: string;
}

export const LOCK_FILE = 'apply.lock';
const lockPath = (stateDir: string) => join(stateDir, LOCK_FILE);

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A lock whose holder ran on this host and is gone (killed, crashed) can be taken over. */
function isStale(info: LockInfo | undefined): boolean {
  return Boolean(info && info.Host === hostname() && !alive(info.Pid));
}

export const describeHolder = (i: LockInfo) => `${i.Who} (pid ${i.Pid}, ${i.Operation}, since ${i.Created}, lock ID ${i.ID})`;

export interface HeldLock {
  info: LockInfo;
  /** Set when a dead holder's lock was taken over. */
  tookOverFrom?: LockInfo;
  release(): void;
}

/**
 * Take the state's apply lock (an O_EXCL lock file holding LockInfo), waiting up to `timeoutMs`. A lock left by a
 * dead process on this host is taken over; a live holder makes this fail naming it after the timeout.
 */
export async function acquireLock(
  stateDir: string,
  opts: { operation: string; timeoutMs?: number; onWait?: (holder: LockInfo) => void } = { operation: 'apply' },
): Promise<HeldLock> {
  mkdirSync(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  const info: LockInfo = {
    ID: randomUUID(),
    Path: stateDir,
    Operation: opts.operation,
    Who: `${safeUser()}@${hostname()}`,
    Created: new Date().toISOString(),
    Pid: process.pid,
    Host: hostname(),
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 0);
  let waited = false;
  let tookOverFrom: LockInfo | undefined;
  for (;;) {
    // Write the record to a temp file, then hard-link it into place: the lock appears with its content or not at
    // all (a kill can never leave an empty lock file), and link fails with EEXIST like O_EXCL.
    const tmp = `${path}.${info.ID}.tmp`;
    writeFileSync(tmp, JSON.stringify(info, null, 2));
    let linked = false;
    try {
      linkSync(tmp, path);
      linked = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
    if (linked) {
      let released = false;
      return {
        info,
        tookOverFrom,
        release() {
          if (released) return;
          released = true;
          if (readLock(path)?.ID === info.ID) unlinkSync(path);
        },
      };
    }
    const holder = readLock(path);
    if (isStale(holder)) {
      // Move the stale file aside under a unique name: only one contender wins the rename.
      const aside = `${path}.stale-${info.ID}`;
      try {
        renameSync(path, aside);
        if (readLock(aside)?.ID === holder!.ID) {
          unlinkSync(aside);
          tookOverFrom = holder;
        } else renameSync(aside, path); // someone else's fresh lock: put it back
      } catch {
        /* another process got there first */
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new JoeyError(
        'locked',
        holder
          ? `the state in ${stateDir} is locked by ${describeHolder(holder)}; wait for it (--lock-timeout) or, if it is gone, run \`joey force-unlock ${holder.ID}\``
          : `the state in ${stateDir} is locked (${path}); wait for it or remove the lock`,
        { status: 423 },
      );
    }
    if (!waited && holder) opts.onWait?.(holder);
    waited = true;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Remove the lock if its ID matches (Terraform's `force-unlock LOCK_ID`). */
export function forceUnlock(stateDir: string, id: string): LockInfo {
  const path = lockPath(stateDir);
  const holder = readLock(path);
  if (!holder) throw new JoeyError('not_locked', `the state in ${stateDir} is not locked`);
  if (holder.ID !== id) throw new JoeyError('lock_id_mismatch', `lock ID ${id} does not match the current lock, held by ${describeHolder(holder)}`);
  unlinkSync(path);
  return holder;
}

export function currentLock(stateDir: string): LockInfo | undefined {
  return readLock(lockPath(stateDir));
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** `30s`, `2m`, `500ms`, or a number of seconds. */
export function parseTimeout(s: string | undefined): number {
  if (!s) return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new JoeyError('invalid', `--lock-timeout "${s}" is not a duration (e.g. 30s, 2m)`);
  const n = Number(m[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}
