import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { acquireLock, currentLock, forceUnlock, parseTimeout, LOCK_FILE } from '../src/apply/lock.js';

const dir = () => mkdtempSync(join(tmpdir(), 'joey-lock-'));

describe('apply lock', () => {
  it('a second holder fails after the timeout naming the first, or gets it once released', async () => {
    const d = dir();
    const first = await acquireLock(d, { operation: 'apply' });
    const t0 = Date.now();
    await expect(acquireLock(d, { operation: 'apply', timeoutMs: 300 })).rejects.toThrow(
      new RegExp(`locked by .*pid ${process.pid}, apply, since .*lock ID ${first.info.ID}.*force-unlock ${first.info.ID}`),
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    let waitedOn: string | undefined;
    setTimeout(() => first.release(), 200);
    const second = await acquireLock(d, { operation: 'apply', timeoutMs: 5000, onWait: (h) => (waitedOn = h.ID) });
    expect(waitedOn).toBe(first.info.ID);
    expect(currentLock(d)?.ID).toBe(second.info.ID);
    second.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('takes over the lock of a dead process on this host', async () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ ID: 'old', Path: d, Operation: 'apply', Who: 'x@y', Created: 'then', Pid: dead, Host: hostname() }));
    const l = await acquireLock(d, { operation: 'apply' });
    expect(l.tookOverFrom?.ID).toBe('old');
    l.release();
  });

  it('force-unlock needs the matching ID', async () => {
    const d = dir();
    const l = await acquireLock(d, { operation: 'apply' });
    expect(() => forceUnlock(d, 'nope')).toThrow(/does not match/);
    expect(forceUnlock(d, l.info.ID).ID).toBe(l.info.ID);
    expect(() => forceUnlock(d, l.info.ID)).toThrow(/not locked/);
  });

  it('parses lock timeouts', () => {
    expect(parseTimeout('30s')).toBe(30_000);
    expect(parseTimeout('2m')).toBe(120_000);
    expect(parseTimeout('250ms')).toBe(250);
    expect(parseTimeout('5')).toBe(5000);
    expect(() => parseTimeout('soon')).toThrow(/not a duration/);
  });
});
