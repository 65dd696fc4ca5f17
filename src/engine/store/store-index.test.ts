import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Store, indexKey } from './store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'joey-store-index-'));

interface Doc {
  id: number;
  ws: number;
  name: string;
}

async function open(dir: string): Promise<Store> {
  const s = await Store.open(dir);
  s.defineIndex<Doc>('things', 'name', (d) => indexKey(d.ws, d.name));
  return s;
}

const names = (docs: Doc[]) => docs.map((d) => d.id);

describe('Store secondary indexes', () => {
  it('finds documents by key after puts, renames and deletes', async () => {
    const s = await open(tmp());
    await s.withLock(() => {
      for (let i = 1; i <= 50; i++) s.putUnlocked<Doc>('things', String(i), { id: i, ws: i % 2, name: `n${i % 5}` });
    });
    const scan = (ws: number, name: string) => names(s.list<Doc>('things', (d) => d.ws === ws && d.name === name));
    expect(names(s.lookup<Doc>('things', 'name', indexKey(1, 'n1')))).toEqual(scan(1, 'n1'));
    expect(scan(1, 'n1').length).toBe(5);
    await s.put<Doc>('things', '11', { id: 11, ws: 0, name: 'renamed' }); // key changes: leaves n1, joins renamed
    expect(names(s.lookup<Doc>('things', 'name', indexKey(1, 'n1')))).toEqual(scan(1, 'n1'));
    expect(names(s.lookup<Doc>('things', 'name', indexKey(0, 'renamed')))).toEqual([11]);
    await s.delete('things', '11');
    expect(s.lookup<Doc>('things', 'name', indexKey(0, 'renamed'))).toEqual([]);
    await s.update<Doc>('things', '1', (d) => ({ ...d!, name: 'updated' }));
    expect(names(s.lookup<Doc>('things', 'name', indexKey(1, 'updated')))).toEqual([1]);
    expect(s.lookup<Doc>('things', 'name', indexKey(1, 'missing'))).toEqual([]);
    // callers get copies
    s.lookup<Doc>('things', 'name', indexKey(1, 'updated'))[0]!.name = 'mutated';
    expect(s.lookup<Doc>('things', 'name', indexKey(1, 'updated'))[0]!.name).toBe('updated');
    expect(() => s.lookup('things', 'nope', 'x')).toThrow(/no index/);
  });

  it('sees a transaction’s own writes inside it and forgets them when it rolls back', async () => {
    const s = await open(tmp());
    await s.put<Doc>('things', '1', { id: 1, ws: 1, name: 'a' });
    expect(names(s.lookup<Doc>('things', 'name', indexKey(1, 'a')))).toEqual([1]);
    await expect(
      s.withLock(() => {
        s.putUnlocked<Doc>('things', '2', { id: 2, ws: 1, name: 'b' });
        s.putUnlocked<Doc>('things', '1', { id: 1, ws: 1, name: 'a2' });
        expect(names(s.lookup<Doc>('things', 'name', indexKey(1, 'b')))).toEqual([2]);
        expect(s.lookup<Doc>('things', 'name', indexKey(1, 'a'))).toEqual([]);
        s.deleteUnlocked('things', '2');
        expect(s.lookup<Doc>('things', 'name', indexKey(1, 'b'))).toEqual([]);
        s.putUnlocked<Doc>('things', '3', { id: 3, ws: 1, name: 'c' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(names(s.lookup<Doc>('things', 'name', indexKey(1, 'a')))).toEqual([1]);
    expect(s.lookup<Doc>('things', 'name', indexKey(1, 'a2'))).toEqual([]);
    expect(s.lookup<Doc>('things', 'name', indexKey(1, 'c'))).toEqual([]);
    expect(s.ids('things')).toEqual(['1']);
    // a committed transaction's writes are kept, and agree with a fresh reader of the disk
    await s.withLock(() => s.putUnlocked<Doc>('things', '4', { id: 4, ws: 2, name: 'd' }));
    const fresh = await open(s.dir);
    for (const [ws, name] of [[1, 'a'], [2, 'd'], [1, 'c']] as const)
      expect(names(s.lookup<Doc>('things', 'name', indexKey(ws, name)))).toEqual(names(fresh.lookup<Doc>('things', 'name', indexKey(ws, name))));
  });

  it('drops the index when another process commits, and scans while another writer holds the lock', async () => {
    const dir = tmp();
    const a = await open(dir);
    const b = await open(dir);
    await a.put<Doc>('things', '1', { id: 1, ws: 1, name: 'x' });
    expect(names(a.lookup<Doc>('things', 'name', indexKey(1, 'x')))).toEqual([1]); // a's index is built
    await b.put<Doc>('things', '1', { id: 1, ws: 1, name: 'y' });
    expect(a.lookup<Doc>('things', 'name', indexKey(1, 'x'))).toEqual([]);
    expect(names(a.lookup<Doc>('things', 'name', indexKey(1, 'y')))).toEqual([1]);

    // a real child process writes through its own Store
    const code = `
      const { Store } = await import(${JSON.stringify(join(import.meta.dirname, 'store.ts'))});
      const s = await Store.open(${JSON.stringify(dir)});
      await s.withLock(() => {
        s.putUnlocked('things', '2', { id: 2, ws: 1, name: 'y' });
        s.deleteUnlocked('things', '1');
      });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: 'inherit' });
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    expect(names(a.lookup<Doc>('things', 'name', indexKey(1, 'y')))).toEqual([2]);

    // while another writer holds the lock (here: one that died mid-write) the disk is read, not the index
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(join(dir, 'store.lock'), JSON.stringify({ pid: dead.pid, host: hostname(), time: 't', token: 'dead' }));
    writeFileSync(join(dir, 'collections', 'things', '3.json'), JSON.stringify({ id: 3, ws: 1, name: 'y' }));
    expect(names(a.lookup<Doc>('things', 'name', indexKey(1, 'y')))).toEqual([2, 3]);
    await b.withLock(() => undefined); // breaks the stale lock: every cache is dropped
    expect(names(b.lookup<Doc>('things', 'name', indexKey(1, 'y')))).toEqual([2, 3]);
    expect(names(a.lookup<Doc>('things', 'name', indexKey(1, 'y')))).toEqual([2, 3]);
  });

  it('journals a transaction append-only and undoes it after a crash, ignoring a torn last entry', async () => {
    const dir = tmp();
    const s = await open(dir);
    await s.put<Doc>('things', 'a', { id: 1, ws: 1, name: 'a' });
    await s.withLock(() => {
      s.putUnlocked<Doc>('things', 'b', { id: 2, ws: 1, name: 'b' });
      s.putUnlocked<Doc>('things', 'a', { id: 1, ws: 1, name: 'a2' });
      const lines = readFileSync(join(dir, 'journal.json'), 'utf8').trim().split('\n');
      expect(lines.map((l) => JSON.parse(l)[0])).toEqual(['collections/things/b.json', 'collections/things/a.json']);
    });
    expect(existsSync(join(dir, 'journal.json'))).toBe(false);
    // a writer killed after changing `a` and creating `c`, mid-way through appending a third entry
    const aBefore = readFileSync(join(dir, 'collections', 'things', 'a.json'), 'utf8');
    writeFileSync(join(dir, 'collections', 'things', 'a.json'), JSON.stringify({ id: 1, ws: 1, name: 'half' }));
    writeFileSync(join(dir, 'collections', 'things', 'c.json'), JSON.stringify({ id: 3, ws: 1, name: 'c' }));
    writeFileSync(join(dir, 'journal.json'), [JSON.stringify(['collections/things/a.json', aBefore]), JSON.stringify(['collections/things/c.json', null]), '["collections/thi'].join('\n'));
    const after = await open(dir);
    expect(after.ids('things')).toEqual(['a', 'b']);
    expect(names(after.lookup<Doc>('things', 'name', indexKey(1, 'a2')))).toEqual([1]);
    expect(after.lookup<Doc>('things', 'name', indexKey(1, 'half'))).toEqual([]);
  });

  it('group-commits a large transaction in batches, and rolls it back whole across batches', async () => {
    const dir = tmp();
    const s = await open(dir);
    await s.put<Doc>('things', 'keep', { id: 0, ws: 9, name: 'keep' });
    await expect(
      s.withLock(() => {
        for (let i = 1; i <= 600; i++) s.putUnlocked<Doc>('things', String(i), { id: i, ws: 1, name: `n${i}` });
        s.putUnlocked<Doc>('things', 'keep', { id: 0, ws: 9, name: 'changed' });
        expect(s.get<Doc>('things', '599')!.name).toBe('n599'); // pending writes are visible inside
        expect(s.ids('things').length).toBe(601);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(s.ids('things')).toEqual(['keep']);
    expect(names(s.lookup<Doc>('things', 'name', indexKey(9, 'keep')))).toEqual([0]);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    await s.withLock(() => {
      for (let i = 1; i <= 600; i++) s.putUnlocked<Doc>('things', String(i), { id: i, ws: 1, name: `n${i}` });
      s.deleteUnlocked('things', 'keep');
    });
    const fresh = await open(dir);
    expect(fresh.ids('things').length).toBe(600);
    expect(names(fresh.lookup<Doc>('things', 'name', indexKey(1, 'n600')))).toEqual([600]);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    expect(existsSync(join(dir, 'journal.json'))).toBe(false);
  });
});
