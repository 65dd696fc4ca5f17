import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, copyFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JoeyError } from '../../model/index.js';
import { atomicWrite, fsyncDir, pidAlive, tempName } from './fsutil.js';
import { FileLock, type LockHolder } from './lock.js';

/** Bumped when the on-disk layout changes; `open` runs migrations up to it. */
export const STORE_FORMAT_VERSION = 1;

export interface StoreFormat {
  format: 'joey-state';
  version: number;
  createdAt: string;
  migratedAt?: string;
}

/** Moves a store from `from` to `from + 1`. Runs under the writer lock, before anything else reads. */
export interface Migration {
  from: number;
  run(store: Store): Promise<void> | void;
}

/** Migrations shipped with joey, in order. Empty while the format is at version 1. */
export const STORE_MIGRATIONS: Migration[] = [];

export interface StoreOptions {
  /** How long a writer waits for another process's transaction (default 10 s). */
  lockTimeoutMs?: number;
  /** Overrides STORE_MIGRATIONS and the target version (tests). */
  migrations?: Migration[];
  targetVersion?: number;
}

const COLLECTION_RE = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * Durable, crash-safe state in a directory, shared by several processes (embedded CLI, `joey server`,
 * task runners):
 *
 *   <dir>/format.json                 {format, version, createdAt}
 *   <dir>/collections/<name>/<id>.json one JSON document per file (id URI-encoded)
 *   <dir>/blobs/sha256/<ab>/<sha256>  content-addressed artifacts
 *   <dir>/tmp/                        temp files (named <pid>.*, swept when their pid is dead)
 *   <dir>/store.lock                  writer lock {pid, host, time, purpose, token}
 *
 * Every write is temp file + fsync + rename + fsync(dir), so a reader or a process killed at any
 * point sees either the old or the new document, never a torn one. Writes take the writer lock for
 * the duration of one transaction (`put`/`delete`/`update`, or `withLock(fn)` for several). Reads take
 * no lock and always go to disk, so every process sees the latest committed state.
 */
export class Store {
  readonly dir: string;
  private readonly lock: FileLock;
  private readonly tmpDir: string;
  private readonly lockTimeoutMs: number;
  /** Serializes this process's transactions; the file lock serializes processes. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly inTx = new AsyncLocalStorage<boolean>();

  private constructor(dir: string, opts: StoreOptions) {
    this.dir = resolve(dir);
    this.tmpDir = join(this.dir, 'tmp');
    this.lock = new FileLock(join(this.dir, 'store.lock'), this.tmpDir);
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 10_000;
  }

  /** Open (creating if needed) the state directory, sweep abandoned temp files, run migrations. */
  static async open(dir: string, opts: StoreOptions = {}): Promise<Store> {
    const store = new Store(dir, opts);
    for (const d of [store.dir, store.tmpDir, join(store.dir, 'collections'), join(store.dir, 'blobs', 'sha256')]) mkdirSync(d, { recursive: true });
    store.sweepTemp();
    const target = opts.targetVersion ?? STORE_FORMAT_VERSION;
    const fmt = store.format();
    if (!fmt || fmt.version !== target) {
      await store.withLock(async () => {
        const cur = store.format();
        if (!cur) {
          store.writeFormat({ format: 'joey-state', version: target, createdAt: new Date().toISOString() });
          return;
        }
        if (cur.version > target)
          throw new JoeyError('store_too_new', `state in ${store.dir} has format ${cur.version}; this joey understands up to ${target}. Upgrade joey.`, { status: 500 });
        const migrations = opts.migrations ?? STORE_MIGRATIONS;
        for (let v = cur.version; v < target; v++) {
          const m = migrations.find((x) => x.from === v);
          if (!m) throw new JoeyError('store_migration', `no migration from state format ${v} to ${v + 1}`, { status: 500 });
          await m.run(store);
          store.writeFormat({ ...cur, version: v + 1, migratedAt: new Date().toISOString() });
        }
      }, 'store migration');
    }
    return store;
  }

  format(): StoreFormat | undefined {
    const p = join(this.dir, 'format.json');
    if (!existsSync(p)) return undefined;
    return this.parse<StoreFormat>(p);
  }

  // ------------------------------------------------------------------ documents

  get<T>(collection: string, id: string): T | undefined {
    const p = this.docPath(collection, id);
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return this.parseText<T>(text, p);
  }

  has(collection: string, id: string): boolean {
    return existsSync(this.docPath(collection, id));
  }

  /** Ids in a collection, sorted. */
  ids(collection: string): string[] {
    const dir = this.collectionDir(collection);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => decodeURIComponent(n.slice(0, -5)))
      .sort();
  }

  /** All documents of a collection (sorted by id), optionally filtered. */
  list<T>(collection: string, filter?: (doc: T, id: string) => boolean): T[] {
    const out: T[] = [];
    for (const id of this.ids(collection)) {
      const doc = this.get<T>(collection, id); // undefined if deleted since readdir
      if (doc !== undefined && (!filter || filter(doc, id))) out.push(doc);
    }
    return out;
  }

  /** Write one document atomically (a one-document transaction). */
  async put<T>(collection: string, id: string, doc: T): Promise<void> {
    await this.withLock(() => this.putUnlocked(collection, id, doc));
  }

  /** Delete one document; true if it existed. */
  async delete(collection: string, id: string): Promise<boolean> {
    return this.withLock(() => this.deleteUnlocked(collection, id));
  }

  /**
   * Read-modify-write under the lock: `fn` gets the current document (or undefined) and returns the
   * new one, or undefined to delete. Returns what was written.
   */
  async update<T>(collection: string, id: string, fn: (current: T | undefined) => T | undefined | Promise<T | undefined>): Promise<T | undefined> {
    return this.withLock(async () => {
      const next = await fn(this.get<T>(collection, id));
      if (next === undefined) this.deleteUnlocked(collection, id);
      else this.putUnlocked(collection, id, next);
      return next;
    });
  }

  /**
   * Run `fn` holding the writer lock (re-entrant: puts inside `fn` reuse it). Use for multi-document
   * transactions and check-then-write logic. Keep `fn` short: other processes' writers wait for it.
   * Each document write is atomic on its own; a crash mid-`fn` can leave some of its writes done.
   */
  async withLock<T>(fn: () => T | Promise<T>, purpose?: string): Promise<T> {
    if (this.inTx.getStore()) return fn();
    const run = async (): Promise<T> => {
      await this.lock.acquire({ timeoutMs: this.lockTimeoutMs, purpose });
      try {
        return await this.inTx.run(true, fn);
      } finally {
        this.lock.release();
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Who holds the writer lock right now (undefined = free). */
  lockHolder(): LockHolder | undefined {
    return this.lock.holder();
  }

  /** Remove the writer lock whoever holds it (operator escape hatch, `joey force-unlock`). */
  forceUnlock(): LockHolder | undefined {
    return this.lock.forceUnlock();
  }

  // ------------------------------------------------------------------ blobs

  /** Store bytes content-addressed; returns their sha256 (hex). Idempotent; needs no lock. */
  putBlob(bytes: Uint8Array): string {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const target = this.blobPath(sha);
    if (existsSync(target)) return sha;
    mkdirSync(join(target, '..'), { recursive: true });
    atomicWrite(target, bytes, this.tmpDir);
    return sha;
  }

  /** Store a file's bytes content-addressed without holding them all in memory. */
  async putBlobFile(path: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const sha = hash.digest('hex');
    const target = this.blobPath(sha);
    if (existsSync(target)) return sha;
    mkdirSync(join(target, '..'), { recursive: true });
    const tmp = tempName(this.tmpDir, sha);
    copyFileSync(path, tmp);
    const fd = openSync(tmp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
    fsyncDir(join(target, '..'));
    return sha;
  }

  blobPath(sha: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new JoeyError('invalid', `not a sha256: ${JSON.stringify(sha)}`, { status: 400 });
    return join(this.dir, 'blobs', 'sha256', sha.slice(0, 2), sha);
  }

  hasBlob(sha: string): boolean {
    return existsSync(this.blobPath(sha));
  }

  readBlob(sha: string): Buffer {
    const p = this.blobPath(sha);
    if (!existsSync(p)) throw new JoeyError('not_found', `blob ${sha} not found`, { status: 404 });
    return readFileSync(p);
  }

  // ------------------------------------------------------------------ internals

  /** Put without taking the lock: only valid inside `withLock`. */
  putUnlocked<T>(collection: string, id: string, doc: T): void {
    this.assertInTx();
    const p = this.docPath(collection, id);
    mkdirSync(this.collectionDir(collection), { recursive: true });
    atomicWrite(p, JSON.stringify(doc, null, 2) + '\n', this.tmpDir);
  }

  deleteUnlocked(collection: string, id: string): boolean {
    this.assertInTx();
    const p = this.docPath(collection, id);
    try {
      unlinkSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    fsyncDir(this.collectionDir(collection));
    return true;
  }

  private assertInTx(): void {
    if (!this.inTx.getStore()) throw new JoeyError('store_no_lock', 'store write outside withLock()', { status: 500 });
  }

  private writeFormat(f: StoreFormat): void {
    atomicWrite(join(this.dir, 'format.json'), JSON.stringify(f, null, 2) + '\n', this.tmpDir);
  }

  private collectionDir(collection: string): string {
    if (!COLLECTION_RE.test(collection)) throw new JoeyError('invalid', `bad collection name ${JSON.stringify(collection)}`, { status: 500 });
    return join(this.dir, 'collections', collection);
  }

  private docPath(collection: string, id: string): string {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw new JoeyError('invalid', `bad document id ${JSON.stringify(id)}`, { status: 400 });
    // encodeURIComponent leaves . ~ ! ' ( ) * unescaped; escape '.' so "." and ".." are never path segments
    return join(this.collectionDir(collection), encodeURIComponent(id).replace(/\./g, '%2E') + '.json');
  }

  private parse<T>(p: string): T {
    return this.parseText<T>(readFileSync(p, 'utf8'), p);
  }

  private parseText<T>(text: string, p: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new JoeyError('store_corrupt', `state file ${p} is not valid JSON: ${(e as Error).message}`, { status: 500, cause: e });
    }
  }

  /** Temp files of dead processes are leftovers of a crash: the rename never happened, so drop them. */
  private sweepTemp(): void {
    for (const n of readdirSync(this.tmpDir)) {
      const pid = Number(n.split('.')[0]);
      if (pid === process.pid || pidAlive(pid)) continue;
      try {
        const p = join(this.tmpDir, n);
        if (statSync(p).isFile()) unlinkSync(p);
      } catch {
        /* raced with another sweeper */
      }
    }
  }
}
