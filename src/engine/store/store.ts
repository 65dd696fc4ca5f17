import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, copyFileSync, openSync, fsyncSync, fdatasyncSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { JoeyError } from '../../model/index.js';
import { atomicWrite, fsyncAll, fsyncDir, pidAlive, tempName } from './fsutil.js';
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

/** One transaction: `before` maps changed files (relative to the store) to their previous content (null = absent). */
interface Tx {
  dirty: boolean;
  /** journal before-images (explicit withLock); single-document put/delete/update need none */
  journal: boolean;
  before: Map<string, string | null>;
  /** the open undo journal (append-only, one fdatasync per entry) */
  journalFd?: number;
  /** files written and directories changed, fsync'd once each at commit (the journal covers them until then) */
  files: Set<string>;
  dirs: Set<string>;
  /** journal lines written but not yet fdatasync'd */
  journalDirty?: boolean;
  journalSynced?: boolean;
  /** target → temp file holding its new content, renamed only after the journal is durable (see flushPending) */
  pending: Map<string, string>;
}

/** Pending renames are flushed in batches of this many (one journal fdatasync each). */
const PENDING_BATCH = 256;

/** A secondary index's key for a document; undefined leaves the document out of the index. */
export type IndexKey<T> = (doc: T) => string | undefined;

interface IndexCache {
  byKey: Map<string, Set<string>>;
  byId: Map<string, string>;
}

interface CollectionCache {
  gen: string;
  /** id → JSON text (parsed on every read, so callers may mutate what they get) */
  docs: Map<string, string>;
  /** every document of the collection is in `docs` */
  complete: boolean;
  /** when complete: sorted ids, and parsed documents for list filters (never handed out) */
  ids?: string[];
  parsed?: Map<string, unknown>;
  /** when complete: secondary indexes, built on first lookup and kept up to date by this process's writes */
  indexes?: Map<string, IndexCache>;
}

/** Joins index key parts unambiguously: `indexKey(workspaceId, name)`. */
export const indexKey = (...parts: (string | number | undefined)[]): string => JSON.stringify(parts);

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
 * point sees either the old or the new document, never a torn one; `withLock` transactions are all or
 * nothing (undo journal in <dir>/journal.json). Writes take the writer lock for
 * the duration of one transaction (`put`/`delete`/`update`, or `withLock(fn)` for several). Reads take
 * no lock; they are served from an in-memory cache that is valid only while `<dir>/generation` (bumped
 * by every writing transaction) is unchanged and no writer holds the lock, so every process sees the
 * latest committed state and repeated reads cost two small syscalls instead of a directory scan.
 */
export class Store {
  readonly dir: string;
  private readonly lock: FileLock;
  private readonly tmpDir: string;
  private readonly lockTimeoutMs: number;
  /** Serializes this process's transactions; the file lock serializes processes. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly inTx = new AsyncLocalStorage<Tx>();
  private readonly journalPath: string;
  private readonly cache = new Map<string, CollectionCache>();
  private readonly genPath: string;
  /** collection → index name → key function (see defineIndex) */
  private readonly indexDefs = new Map<string, Map<string, IndexKey<unknown>>>();
  /** true while this instance holds the writer lock: then only we change the disk, and the cache is written through */
  private held = false;
  private heldTx: Tx | undefined;
  private txGen = '0';

  private constructor(dir: string, opts: StoreOptions) {
    this.dir = resolve(dir);
    this.tmpDir = join(this.dir, 'tmp');
    this.lock = new FileLock(join(this.dir, 'store.lock'), this.tmpDir);
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 10_000;
    this.genPath = join(this.dir, 'generation');
    this.journalPath = join(this.dir, 'journal.json');
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
    // a writer died mid-transaction: roll it back now rather than at the next write
    if (existsSync(store.journalPath)) await store.withLock(() => undefined, 'journal recovery');
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
    const c = this.cacheFor(collection);
    if (c?.docs.has(id)) return this.parseText<T>(c.docs.get(id)!, p);
    if (c?.complete) return undefined;
    if (this.heldTx?.pending.size) this.flushPending();
    const text = this.readText(p);
    if (text === undefined) return undefined;
    c?.docs.set(id, text);
    return this.parseText<T>(text, p);
  }

  has(collection: string, id: string): boolean {
    return this.get(collection, id) !== undefined;
  }

  /** Ids in a collection, sorted. */
  ids(collection: string): string[] {
    return [...this.loadCollection(collection).ids];
  }

  /**
   * Declare a secondary index on a collection (idempotent; services do it in their constructors). `lookup` then
   * finds documents by key in O(1) from the read cache instead of scanning the collection. The index lives in the
   * cache, so it is dropped with it when another process commits, and kept up to date by this process's writes
   * (rebuilt after a rollback).
   */
  defineIndex<T>(collection: string, name: string, key: IndexKey<T>): void {
    this.collectionDir(collection); // validates the name
    let defs = this.indexDefs.get(collection);
    if (!defs) this.indexDefs.set(collection, (defs = new Map()));
    if (defs.get(name) === key) return;
    defs.set(name, key as IndexKey<unknown>);
    this.cache.get(collection)?.indexes?.delete(name);
  }

  /** Documents whose `name` index key is `key`, sorted by id (fresh copies). Falls back to a scan when the cache is not usable. */
  lookup<T>(collection: string, name: string, key: string): T[] {
    const fn = this.indexDefs.get(collection)?.get(name) as IndexKey<T> | undefined;
    if (!fn) throw new JoeyError('store_no_index', `no index ${JSON.stringify(name)} on collection ${collection}`, { status: 500 });
    const c = this.loadCollection(collection);
    if (c !== this.cache.get(collection)) return this.list<T>(collection, (d) => fn(d) === key);
    const ix = this.indexFor(c as CollectionCache, collection, name, fn as IndexKey<unknown>);
    const ids = ix.byKey.get(key);
    if (!ids) return [];
    const dir = this.collectionDir(collection);
    return [...ids].sort().map((id) => this.parseText<T>(c.docs.get(id)!, join(dir, id)));
  }

  private indexFor(c: CollectionCache, collection: string, name: string, fn: IndexKey<unknown>): IndexCache {
    c.indexes ??= new Map();
    let ix = c.indexes.get(name);
    if (ix) return ix;
    ix = { byKey: new Map(), byId: new Map() };
    for (const id of c.docs.keys()) indexAdd(ix, id, fn(this.parsedDoc(c, collection, id)));
    c.indexes.set(name, ix);
    return ix;
  }

  /** The shared parsed copy of a cached document (for filters and index keys; never handed out). */
  private parsedDoc(c: CollectionCache, collection: string, id: string): unknown {
    c.parsed ??= new Map();
    let doc = c.parsed.get(id);
    if (doc === undefined) {
      doc = this.parseText(c.docs.get(id)!, join(this.collectionDir(collection), id));
      c.parsed.set(id, doc);
    }
    return doc;
  }

  /**
   * All documents of a collection (sorted by id), optionally filtered. The filter sees a shared cached
   * object (don't mutate it); the documents returned are fresh copies.
   */
  list<T>(collection: string, filter?: (doc: T, id: string) => boolean): T[] {
    const c = this.loadCollection(collection);
    const dir = this.collectionDir(collection);
    const out: T[] = [];
    for (const id of c.ids) {
      const text = c.docs.get(id)!;
      if (filter) {
        let doc = c.parsed?.get(id) as T | undefined;
        if (doc === undefined) {
          doc = this.parseText<T>(text, join(dir, id));
          c.parsed?.set(id, doc);
        }
        if (!filter(doc, id)) continue;
      }
      out.push(this.parseText<T>(text, join(dir, id)));
    }
    return out;
  }

  /** Write one document atomically (a one-document transaction). */
  async put<T>(collection: string, id: string, doc: T): Promise<void> {
    await this.transaction(() => this.putUnlocked(collection, id, doc), false);
  }

  /** Delete one document; true if it existed. */
  async delete(collection: string, id: string): Promise<boolean> {
    return this.transaction(() => this.deleteUnlocked(collection, id), false);
  }

  /**
   * Read-modify-write under the lock: `fn` gets the current document (or undefined) and returns the
   * new one, or undefined to delete. Returns what was written.
   */
  async update<T>(collection: string, id: string, fn: (current: T | undefined) => T | undefined | Promise<T | undefined>): Promise<T | undefined> {
    return this.transaction(async () => {
      const next = await fn(this.get<T>(collection, id));
      if (next === undefined) this.deleteUnlocked(collection, id);
      else this.putUnlocked(collection, id, next);
      return next;
    }, false);
  }

  /**
   * Run `fn` as one transaction holding the writer lock (re-entrant: puts inside `fn` join it). Use for
   * multi-document writes and check-then-write logic; keep `fn` short, other writers wait for it.
   * All or nothing: before a document is first changed its previous content goes to an fsync'd undo
   * journal, so if `fn` throws — or the process dies mid-way — every write it made is rolled back
   * (a crashed transaction by the next process that takes the lock or opens the store).
   */
  async withLock<T>(fn: () => T | Promise<T>, purpose?: string): Promise<T> {
    return this.transaction(fn, true, purpose);
  }

  private async transaction<T>(fn: () => T | Promise<T>, journal: boolean, purpose?: string): Promise<T> {
    if (this.inTx.getStore()) return fn();
    const run = async (): Promise<T> => {
      await this.lock.acquire({ timeoutMs: this.lockTimeoutMs, purpose });
      const tx: Tx = { dirty: false, journal, before: new Map(), files: new Set(), dirs: new Set(), pending: new Map() };
      let recovered = false;
      try {
        // From here on only we change the disk: keep what is cached under the current generation and write
        // through it (a broken stale lock may hide uncommitted writes: drop everything).
        const gen = this.generation();
        for (const [k, c] of this.cache) if (c.gen !== gen || this.lock.brokeStale) this.cache.delete(k);
        this.txGen = gen;
        this.held = true;
        this.heldTx = tx;
        recovered = this.recoverJournal();
        const result = await this.inTx.run(tx, fn);
        // group commit: everything the transaction wrote becomes durable here, before the journal goes
        this.flushPending(tx);
        if (tx.files.size || tx.dirs.size) await fsyncAll(tx.files, tx.dirs);
        if (tx.before.size) this.dropJournal(tx);
        return result;
      } catch (e) {
        this.dropPending(tx);
        if (tx.before.size) this.rollback([...tx.before], tx);
        throw e;
      } finally {
        try {
          // a broken stale lock or a rollback means documents changed without a bump
          if (tx.dirty || recovered || this.lock.brokeStale) {
            const next = this.bumpGeneration();
            for (const c of this.cache.values()) c.gen = next; // the cache is the disk: we wrote through it
          }
        } finally {
          this.closeJournal(tx);
          this.dropPending(tx);
          this.heldTx = undefined;
          this.held = false;
          this.lock.release();
        }
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  // ------------------------------------------------------------------ undo journal

  /** Before the first change to `path` in a journaled transaction, persist its previous content. */
  private recordBefore(path: string): void {
    const tx = this.inTx.getStore();
    if (!tx?.journal) return;
    const rel = relative(this.dir, path);
    if (tx.before.has(rel)) return;
    const before = this.readText(path) ?? null; // never pending: this is its first change
    // append-only (one JSON line per entry) so a transaction of n documents writes O(n) journal bytes; made
    // durable by flushPending before any change it covers reaches the document
    if (tx.journalFd === undefined) tx.journalFd = openSync(this.journalPath, 'w', 0o600);
    writeSync(tx.journalFd, JSON.stringify([rel, before]) + '\n');
    tx.journalDirty = true;
    tx.before.set(rel, before);
  }

  /**
   * Make the journal durable (one fdatasync for a whole batch of entries), then rename the batch's documents into
   * place. Called every PENDING_BATCH writes, before anything reads the disk, and at commit.
   */
  private flushPending(tx: Tx | undefined = this.heldTx): void {
    if (!tx) return;
    if (tx.journalDirty && tx.journalFd !== undefined) {
      fdatasyncSync(tx.journalFd);
      if (!tx.journalSynced) fsyncDir(this.dir);
      tx.journalSynced = true;
      tx.journalDirty = false;
    }
    for (const [target, tmp] of tx.pending) {
      renameSync(tmp, target);
      tx.files.add(target);
      tx.dirs.add(dirname(target));
    }
    tx.pending.clear();
  }

  private dropPending(tx: Tx): void {
    for (const tmp of tx.pending.values()) {
      try {
        unlinkSync(tmp);
      } catch {
        /* gone */
      }
    }
    tx.pending.clear();
  }

  /** Restore the before-images (idempotent, so a crash during rollback is rolled back again). */
  private rollback(entries: [string, string | null][], tx?: Tx): void {
    this.closeJournal(tx);
    for (const [rel, before] of entries) {
      const p = join(this.dir, rel);
      if (before === null) {
        try {
          unlinkSync(p);
          fsyncDir(join(p, '..'));
        } catch {
          /* never written */
        }
      } else {
        mkdirSync(join(p, '..'), { recursive: true });
        atomicWrite(p, before, this.tmpDir);
      }
    }
    this.cache.clear();
    this.dropJournal();
  }

  /** Under the lock: a journal left behind is a transaction whose writer died; undo it. */
  private recoverJournal(): boolean {
    const text = this.readText(this.journalPath);
    if (text === undefined) return false;
    const entries = parseJournal(text).filter(([rel]) => typeof rel === 'string' && !rel.startsWith('..') && !rel.startsWith('/'));
    this.rollback(entries);
    return true;
  }

  private closeJournal(tx?: Tx): void {
    if (tx?.journalFd === undefined) return;
    closeSync(tx.journalFd);
    tx.journalFd = undefined;
  }

  private dropJournal(tx?: Tx): void {
    this.closeJournal(tx);
    try {
      unlinkSync(this.journalPath);
      fsyncDir(this.dir);
    } catch {
      /* none */
    }
  }

  /** Who holds the writer lock right now (undefined = free). */
  lockHolder(): LockHolder | undefined {
    return this.lock.holder();
  }

  /** Remove the writer lock whoever holds it (operator escape hatch, `joey force-unlock`). */
  forceUnlock(): LockHolder | undefined {
    const h = this.lock.forceUnlock();
    this.bumpGeneration(); // whatever the holder half-wrote must not hide behind other processes' caches
    return h;
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

  // ------------------------------------------------------------------ read cache
  //
  // Reads are served from memory while nothing changed on disk. Every transaction that writes bumps
  // <dir>/generation before releasing the lock; a reader trusts its cache only if the generation is the
  // one it cached under AND no writer holds the lock (a writer mid-transaction, or one killed mid-way
  // whose lock is still there, means the disk may be ahead of the generation: read the disk).

  private cacheFor(collection: string): CollectionCache | undefined {
    if (this.held) {
      let c = this.cache.get(collection);
      if (!c) this.cache.set(collection, (c = { gen: this.txGen, docs: new Map(), complete: false }));
      return c;
    }
    const gen = this.generation();
    if (this.lockFileExists()) {
      this.cache.clear();
      return undefined;
    }
    let c = this.cache.get(collection);
    if (!c || c.gen !== gen) {
      c = { gen, docs: new Map(), complete: false };
      this.cache.set(collection, c);
    }
    return c;
  }

  /** Every document of a collection as JSON text, with sorted ids (from the cache when valid). */
  private loadCollection(collection: string): { docs: Map<string, string>; ids: string[]; parsed?: Map<string, unknown> } {
    const c = this.cacheFor(collection);
    if (c?.complete) {
      c.ids ??= [...c.docs.keys()].sort(); // dropped by writes, re-sorted on demand
      return c as Required<CollectionCache>;
    }
    const dir = this.collectionDir(collection);
    if (this.heldTx?.pending.size) this.flushPending();
    const docs = new Map<string, string>();
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const text = this.readText(join(dir, n)); // undefined if deleted since readdir
      if (text !== undefined) docs.set(decodeURIComponent(n.slice(0, -5)), text);
    }
    const ids = [...docs.keys()].sort();
    if (!c) return { docs, ids };
    c.docs = docs;
    c.ids = ids;
    c.parsed = new Map();
    c.indexes = undefined;
    c.complete = true;
    return c as Required<CollectionCache>;
  }

  /** The commit counter other processes bump; '0' before the first write. */
  generation(): string {
    try {
      return readFileSync(this.genPath, 'utf8');
    } catch {
      return '0';
    }
  }

  private lockFileExists(): boolean {
    return existsSync(this.lock.path);
  }

  /** Called at the end of a writing transaction, still under the lock. No fsync: only live processes read it. */
  private bumpGeneration(): string {
    const next = String(BigInt(this.generation().trim() || '0') + 1n);
    const tmp = tempName(this.tmpDir, 'generation');
    writeFileSync(tmp, next);
    renameSync(tmp, this.genPath);
    return next;
  }

  private readText(p: string): string | undefined {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  // ------------------------------------------------------------------ internals

  /** Put without taking the lock: only valid inside `withLock`. */
  putUnlocked<T>(collection: string, id: string, doc: T): void {
    const tx = this.assertInTx();
    const p = this.docPath(collection, id);
    this.recordBefore(p);
    const dir = this.collectionDir(collection);
    mkdirSync(dir, { recursive: true });
    const text = JSON.stringify(doc, null, 2) + '\n';
    if (!tx.journal) atomicWrite(p, text, this.tmpDir);
    else {
      // Group commit: the new content goes to a temp file now and is renamed into place in a batch once the
      // journal entries covering it are durable; files and directories are fsync'd once each at commit (a
      // document rewritten n times costs one). Reads in this process see it through the cache meanwhile.
      const tmp = tempName(this.tmpDir, p);
      writeFileSync(tmp, text, { mode: 0o600 });
      const old = tx.pending.get(p);
      if (old !== undefined) unlinkSync(old);
      tx.pending.delete(p);
      tx.pending.set(p, tmp);
    }
    this.cacheWrite(collection, id, text);
    if (tx.pending.size >= PENDING_BATCH) this.flushPending(tx);
  }

  deleteUnlocked(collection: string, id: string): boolean {
    const tx = this.assertInTx();
    const p = this.docPath(collection, id);
    this.flushPending(tx);
    if (!existsSync(p)) return false;
    this.recordBefore(p);
    this.flushPending(tx); // the journal entry must be durable before the unlink
    try {
      unlinkSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    this.cacheWrite(collection, id, undefined);
    if (tx.journal) tx.dirs.add(dirname(p));
    else fsyncDir(dirname(p));
    return true;
  }

  /** Writes happen only under the lock; mark the transaction dirty. */
  private assertInTx(): Tx {
    const tx = this.inTx.getStore();
    if (!tx) throw new JoeyError('store_no_lock', 'store write outside withLock()', { status: 500 });
    tx.dirty = true;
    return tx;
  }

  /** Keep our cache (documents, sorted ids, indexes) equal to the disk after our own write (undefined = deleted). */
  private cacheWrite(collection: string, id: string, text: string | undefined): void {
    const c = this.cache.get(collection);
    if (!c) return;
    if (!this.held) {
      this.cache.delete(collection);
      return;
    }
    const existed = c.docs.has(id);
    if (text === undefined) c.docs.delete(id);
    else c.docs.set(id, text);
    if (!c.complete) return;
    if (existed !== (text !== undefined)) c.ids = undefined;
    c.parsed?.delete(id);
    if (!c.indexes?.size) return;
    const defs = this.indexDefs.get(collection);
    for (const [name, ix] of c.indexes) {
      indexRemove(ix, id);
      const fn = defs?.get(name);
      if (text !== undefined && fn) indexAdd(ix, id, fn(this.parsedDoc(c, collection, id)));
    }
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

function indexAdd(ix: IndexCache, id: string, key: string | undefined): void {
  if (key === undefined) return;
  ix.byId.set(id, key);
  let ids = ix.byKey.get(key);
  if (!ids) ix.byKey.set(key, (ids = new Set()));
  ids.add(id);
}

function indexRemove(ix: IndexCache, id: string): void {
  const key = ix.byId.get(id);
  if (key === undefined) return;
  ix.byId.delete(id);
  const ids = ix.byKey.get(key);
  ids?.delete(id);
  if (ids?.size === 0) ix.byKey.delete(key);
}

/** The undo journal: one `[path, before]` JSON line per entry (a torn last line was never acted on), or the older `{entries}` document. */
function parseJournal(text: string): [string, string | null][] {
  const out: [string, string | null][] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue; // torn by a crash mid-append: its document write never started
    }
    if (Array.isArray(v) && v.length === 2) out.push(v as [string, string | null]);
    else if (v && typeof v === 'object' && Array.isArray((v as { entries?: unknown }).entries)) out.push(...(v as { entries: [string, string | null][] }).entries);
  }
  return out;
}
