import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JoeyError } from '../../model/index.js';
import { Store } from './store.js';
import { FileLock } from './lock.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'joey-store-'));

describe('Store', () => {
  it('puts, gets, lists and deletes documents atomically', async () => {
    const s = await Store.open(tmp());
    await s.put('things', 'a/b.c', { n: 1 });
    await s.put('things', 'x', { n: 2 });
    expect(s.get('things', 'a/b.c')).toEqual({ n: 1 });
    expect(s.ids('things')).toEqual(['a/b.c', 'x']);
    expect(s.list<{ n: number }>('things', (d) => d.n > 1)).toEqual([{ n: 2 }]);
    expect(await s.delete('things', 'x')).toBe(true);
    expect(await s.delete('things', 'x')).toBe(false);
    expect(s.get('things', 'x')).toBeUndefined();
    expect(readdirSync(join(s.dir, 'tmp'))).toEqual([]);
    expect(s.lockHolder()).toBeUndefined();
  });

  it('keeps ids from escaping the collection directory', async () => {
    const s = await Store.open(tmp());
    await s.put('c', '..', { ok: true });
    await s.put('c', '../../etc', { ok: true });
    expect(s.ids('c').sort()).toEqual(['..', '../../etc']);
    expect(existsSync(join(s.dir, 'etc.json'))).toBe(false);
  });

  it('sees writes made through another Store instance (another process) without caching', async () => {
    const dir = tmp();
    const a = await Store.open(dir);
    const b = await Store.open(dir);
    await a.put('c', '1', { v: 1 });
    expect(b.get('c', '1')).toEqual({ v: 1 });
    await b.update<{ v: number }>('c', '1', (cur) => ({ v: (cur?.v ?? 0) + 1 }));
    expect(a.get('c', '1')).toEqual({ v: 2 });
  });

  it('caches reads but never serves a stale document after another process commits or dies mid-write', async () => {
    const dir = tmp();
    const a = await Store.open(dir);
    const b = await Store.open(dir);
    await b.put('c', '1', { v: 1 });
    expect(a.list('c')).toEqual([{ v: 1 }]); // a's cache is now complete for 'c'
    await b.put('c', '2', { v: 2 });
    expect(a.ids('c')).toEqual(['1', '2']);
    expect(a.get('c', '1')).toEqual({ v: 1 });
    await b.update<{ v: number }>('c', '1', () => ({ v: 10 }));
    expect(a.get('c', '1')).toEqual({ v: 10 });
    const got = a.get<{ v: number }>('c', '1')!;
    got.v = 99; // callers may mutate what they read
    expect(a.get('c', '1')).toEqual({ v: 10 });
    // a writer killed after writing a document but before bumping the generation leaves its lock behind
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(join(dir, 'store.lock'), JSON.stringify({ pid: dead.pid, host: hostname(), time: 't', token: 'dead' }));
    writeFileSync(join(dir, 'collections', 'c', '1.json'), JSON.stringify({ v: 11 }));
    expect(a.get('c', '1')).toEqual({ v: 11 }); // lock present: read the disk
    await b.withLock(() => undefined); // breaks the stale lock, writes nothing
    expect(a.get('c', '1')).toEqual({ v: 11 });
    expect(a.list('c')).toEqual([{ v: 11 }, { v: 2 }]);
  });

  it('withLock is re-entrant and serializes concurrent transactions in one process', async () => {
    const s = await Store.open(tmp());
    await s.put('n', 'x', { v: 0 });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        s.withLock(async () => {
          const v = s.get<{ v: number }>('n', 'x')!.v;
          await new Promise((r) => setTimeout(r, 1));
          await s.put('n', 'x', { v: v + 1 }); // nested: reuses the held lock
        }),
      ),
    );
    expect(s.get('n', 'x')).toEqual({ v: 20 });
  });

  it('withLock is all or nothing: a throw rolls back every write of the transaction', async () => {
    const s = await Store.open(tmp());
    await s.put('c', 'keep', { v: 1 });
    await expect(
      s.withLock(async () => {
        await s.put('c', 'keep', { v: 2 });
        s.putUnlocked('c', 'new', { v: 3 });
        s.deleteUnlocked('c', 'keep');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(s.list('c')).toEqual([{ v: 1 }]);
    expect(existsSync(join(s.dir, 'journal.json'))).toBe(false);
  });

  it('a transaction left half-done by a dead writer is rolled back by the next process', async () => {
    const dir = tmp();
    const s = await Store.open(dir);
    await s.put('c', 'a', { v: 1 });
    // simulate a writer killed after changing `a` and creating `b`: its journal holds the before-images
    mkdirSync(join(dir, 'collections', 'c'), { recursive: true });
    writeFileSync(join(dir, 'journal.json'), JSON.stringify({ pid: 1, entries: [['collections/c/a.json', readFileSync(join(dir, 'collections', 'c', 'a.json'), 'utf8')], ['collections/c/b.json', null]] }));
    writeFileSync(join(dir, 'collections', 'c', 'a.json'), JSON.stringify({ v: 'half' }));
    writeFileSync(join(dir, 'collections', 'c', 'b.json'), JSON.stringify({ v: 'half' }));
    const again = await Store.open(dir);
    expect(again.list('c')).toEqual([{ v: 1 }]);
    expect(existsSync(join(dir, 'journal.json'))).toBe(false);
  });

  it('stores blobs content-addressed and idempotently', async () => {
    const s = await Store.open(tmp());
    const sha = s.putBlob(Buffer.from('hello'));
    expect(sha).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(s.putBlob(Buffer.from('hello'))).toBe(sha);
    expect(readFileSync(s.blobPath(sha), 'utf8')).toBe('hello');
    const f = join(tmp(), 'f.bin');
    writeFileSync(f, 'hello');
    expect(await s.putBlobFile(f)).toBe(sha);
    expect(() => s.blobPath('../x')).toThrow(JoeyError);
  });

  it('writes a format version and runs migrations once', async () => {
    const dir = tmp();
    const s1 = await Store.open(dir);
    expect(s1.format()?.version).toBe(1);
    let runs = 0;
    const migrations = [{ from: 1, run: async (s: Store) => { runs++; await s.put('m', 'done', { at: 2 }); } }];
    const s2 = await Store.open(dir, { targetVersion: 2, migrations });
    expect(s2.format()?.version).toBe(2);
    await Store.open(dir, { targetVersion: 2, migrations });
    expect(runs).toBe(1);
    expect(s2.get('m', 'done')).toEqual({ at: 2 });
    await expect(Store.open(dir)).rejects.toMatchObject({ code: 'store_too_new' });
  });

  it('names the holder when the lock cannot be had, and breaks a dead holder\'s lock', async () => {
    const dir = tmp();
    const s = await Store.open(dir, { lockTimeoutMs: 100 });
    // a live holder: a sleeping child process
    const child = spawn(process.execPath, ['-e', 'setTimeout(()=>{}, 20000)']);
    writeFileSync(join(dir, 'store.lock'), JSON.stringify({ pid: child.pid, host: hostname(), time: '2026-01-01T00:00:00Z', purpose: 'joey apply', token: 't' }));
    const err = await s.put('c', 'x', {}).catch((e) => e);
    expect(err).toBeInstanceOf(JoeyError);
    expect(err.code).toBe('locked');
    expect(err.message).toContain(`pid ${child.pid}`);
    expect(err.message).toContain('joey apply');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // now the holder is dead: the lock is stale and the next write breaks it
    await s.put('c', 'x', { ok: 1 });
    expect(s.get('c', 'x')).toEqual({ ok: 1 });
    expect(s.lockHolder()).toBeUndefined();
  });

  it('FileLock: a second holder waits and gets it after release', async () => {
    const dir = tmp();
    const a = new FileLock(join(dir, 'l'));
    const b = new FileLock(join(dir, 'l'));
    expect(a.tryAcquire('a')).toBe(true);
    expect(b.tryAcquire('b')).toBe(false);
    expect(b.holder()?.purpose).toBe('a');
    setTimeout(() => a.release(), 30);
    await b.acquire({ timeoutMs: 2000 });
    expect(b.holder()?.purpose).toBeUndefined();
    b.release();
    expect(existsSync(join(dir, 'l'))).toBe(false);
  });
});
