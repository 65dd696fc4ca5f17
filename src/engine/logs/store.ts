import * as arrow from 'apache-arrow';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { JoeyError } from '../../model/index.js';
import type { ResultFrame } from '../runtime/encode.js';
import { LogBuffer, transferable, type BufferOptions } from './buffer.js';
import { isLogFile, listPartitions, pipelineDir, readPartition, type Partition } from './partitions.js';
import { concatTables, selectColumns, takeRows } from './table.js';

export interface LogStoreOptions extends BufferOptions {
  /**
   * Serialize in a dedicated thread (default false). With direct I/O the writes and fdatasyncs already run on
   * libuv's pool, and only the serialization (≈0.3 ms per 10,000 ccfraud rows) is left on the calling thread;
   * on the 2-core machines joey is measured on, handing rows to a thread costs more (copies, a second heap to
   * collect) than it saves: `npm run bench` compares both. Through the page cache (no direct I/O) the thread
   * keeps write and fsync off the thread that answers inferences.
   */
  worker?: boolean;
  /**
   * Memory high-water mark (default 256 MiB): while more than this many bytes of rows wait for their
   * acknowledgement, `backpressure()` returns a promise the caller awaits before answering (until half is left).
   */
  maxPendingBytes?: number;
}

export interface ReadOptions {
  /** Newest-first limit (default 100). Ignored when start and end are given, unless set explicitly. */
  limit?: number;
  /** Both or neither: rows with start <= time < end, oldest first. */
  start?: Date | number | string;
  end?: Date | number | string;
  /** Column selection: `*` (time, in, out, anomaly), `in`, `out`, `anomaly`, `metadata`, or column names. */
  dataset?: string[];
  datasetExclude?: string[];
}

export interface ReadResult {
  table: arrow.Table;
  /** More rows matched than `limit` allowed (the platform warns "Pipeline log record limit exceeded"). */
  truncated: boolean;
}

/** Runs the writer thread from the .ts source under tsx/vitest, from the .js build otherwise. */
function workerEntry(): URL {
  const self = import.meta.url;
  return new URL(self.endsWith('.ts') ? './writer-worker-dev.mjs' : './writer-worker.js', self);
}

/**
 * Bytes of rows appended and not yet acknowledged, against a high-water mark: past it, `wait()` gives the caller
 * a promise to await before answering, resolved once half is left (backpressure).
 */
class Pending {
  private bytes = 0;
  private drained: (() => void)[] = [];
  constructor(private readonly max = 256 << 20) {}

  add(bytes: number): void {
    this.bytes += bytes;
  }

  release(bytes: number): void {
    this.bytes = Math.max(0, this.bytes - bytes);
    if (this.drained.length && this.bytes <= this.max / 2) this.drained.splice(0).forEach((r) => r());
  }

  wait(): Promise<void> | undefined {
    if (this.bytes <= this.max) return undefined;
    return new Promise((resolve) => this.drained.push(resolve));
  }
}

/** Rows serialized on the calling thread (writes and fdatasyncs run on libuv's pool when direct I/O is on). */
class InlineWriter implements Writer {
  private readonly buffer: LogBuffer;
  private readonly pending: Pending;

  constructor(root: string, opts: BufferOptions, maxPendingBytes?: number) {
    this.buffer = new LogBuffer(root, opts);
    this.pending = new Pending(maxPendingBytes);
  }

  append(pipeline: string, frame: ResultFrame): Promise<void> {
    const bytes = frameBytes(frame);
    this.pending.add(bytes);
    const ack = this.buffer.append(pipeline, frame);
    const release = () => this.pending.release(bytes);
    ack.then(release, release);
    return ack;
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  close(): Promise<void> {
    return this.buffer.close();
  }

  backpressure(): Promise<void> | undefined {
    return this.pending.wait();
  }
}

/** The writer thread. */
class WorkerWriter implements Writer {
  private readonly worker: Worker;
  /** Set when the thread died: later writes happen on the calling thread instead. */
  private fallback: LogBuffer | undefined;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: unknown) => void; bytes: number }>();
  /** Rows posted to the thread and not yet acknowledged. */
  private readonly pending: Pending;

  constructor(root: string, opts: BufferOptions, maxPendingBytes?: number) {
    this.pending = new Pending(maxPendingBytes);
    this.worker = new Worker(workerEntry(), { workerData: { root, opts } });
    this.worker.on('message', ({ acks }: { acks: { id: number; error?: string }[] }) => {
      for (const m of acks) {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        this.pending.release(w?.bytes ?? 0);
        if (m.error) w?.reject(new JoeyError('log_write_failed', `inference log write failed: ${m.error}`, { status: 500 }));
        else w?.resolve();
      }
      if (this.waiting.size === 0) this.worker.unref();
    });
    const die = (e: unknown) => {
      this.fallback ??= new LogBuffer(root, opts);
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
      this.pending.release(Infinity);
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new JoeyError('log_write_failed', `the inference log writer exited (${code})`, { status: 500 })));
    // After the listeners (adding a 'message' listener refs the port again): an idle writer never keeps the process alive.
    this.worker.unref();
  }

  /** A promise to await before answering while too many rows wait for their acknowledgement; else undefined. */
  backpressure(): Promise<void> | undefined {
    return this.fallback ? undefined : this.pending.wait();
  }

  private call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = [], bytes = 0): Promise<void> {
    if (this.fallback) {
      if (msg.type === 'flush') return this.fallback.flush();
      if (msg.type === 'close') return this.fallback.close();
      return this.fallback.append(msg.pipeline as string, msg.frame as ResultFrame);
    }
    const id = this.next++;
    this.pending.add(bytes);
    const p = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject, bytes }));
    // Keep the process alive while rows wait to become durable.
    this.worker.ref();
    this.worker.postMessage({ ...msg, id }, transfer);
    return p;
  }

  append(pipeline: string, frame: ResultFrame): Promise<void> {
    if (this.fallback) return this.call({ type: 'append', pipeline, frame });
    const transfer: ArrayBuffer[] = [];
    const msg = { type: 'append', pipeline, frame: transferable(frame, transfer) };
    return this.call(msg, transfer, frameBytes(frame));
  }

  flush(): Promise<void> {
    return this.call({ type: 'flush' });
  }

  /** Flushes and seals the open segments. */
  close(): Promise<void> {
    return this.call({ type: 'close' });
  }
}

/** Writers by directory and options: every store on the same directory in this process shares one. */
const writers = new Map<string, Writer>();

function frameBytes(f: ResultFrame): number {
  let b = f.numRows * 8;
  for (const c of f.columns.values()) b += c.kind === 'tensor' ? c.data.byteLength : c.constant ? 64 : f.numRows * 16;
  return b;
}

interface Writer {
  append(p: string, f: ResultFrame): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  backpressure(): Promise<void> | undefined;
}

/**
 * The inference log store: per pipeline, a directory of Arrow IPC stream segments under `<stateDir>/logs/`.
 * Appends are buffered, written as they accumulate and committed (group commit: fdatasync, then they become
 * visible) when enough rows/bytes are buffered or after `flushIntervalMs`. The promise `append` returns is the
 * acknowledgement: it resolves once the rows are durable. A killed process loses only rows whose
 * acknowledgement had not resolved, and a torn write is never read back (see partitions.ts, direct-io.ts).
 */
export class InferenceLogStore {
  private writerImpl: Writer | undefined;

  constructor(
    readonly root: string,
    private readonly opts: LogStoreOptions = {},
  ) {}

  /** Created on the first write: a store that is only read never starts a writer. */
  private get writer(): Writer {
    if (this.writerImpl) return this.writerImpl;
    const { worker = false, maxPendingBytes, ...bufferOpts } = this.opts;
    const root = path.resolve(this.root);
    const key = JSON.stringify([root, worker, maxPendingBytes, bufferOpts]);
    let w = writers.get(key);
    if (!w) writers.set(key, (w = worker ? new WorkerWriter(root, bufferOpts, maxPendingBytes) : new InlineWriter(root, bufferOpts, maxPendingBytes)));
    return (this.writerImpl = w);
  }

  /** The store under an engine state directory. */
  static forStateDir(stateDir: string, opts?: LogStoreOptions): InferenceLogStore {
    return new InferenceLogStore(path.join(stateDir, 'logs'), opts);
  }

  dirOf(pipeline: string): string {
    return pipelineDir(this.root, pipeline);
  }

  /** Buffers an inference's rows (all columns + metadata); resolves when they are durable on disk. */
  append(pipeline: string, result: ResultFrame): Promise<void> {
    pipelineDir(this.root, pipeline); // reject bad keys on the caller's thread
    const ack = this.writer.append(pipeline, result);
    ack.catch(() => {}); // callers that do not wait for the ack must not see unhandled rejections
    return ack;
  }

  /** Writes everything buffered so far; resolves when it is durable. */
  flush(): Promise<void> {
    return this.writerImpl ? this.writerImpl.flush() : Promise.resolve();
  }

  /**
   * While more rows wait for their acknowledgement than `maxPendingBytes` allows, a promise to await before
   * answering (backpressure); otherwise undefined (the common case: nothing to wait for).
   */
  backpressure(): Promise<void> | undefined {
    return this.writerImpl?.backpressure();
  }

  /** Makes everything durable and seals the open segment files. */
  async close(): Promise<void> {
    if (this.writerImpl) await this.writerImpl.close();
  }

  private partitions(dir: string): Partition[] {
    return listPartitions(dir);
  }

  /** Pipeline keys that have logs. */
  pipelines(): string[] {
    const out: string[] = [];
    const walk = (dir: string, prefix: string[]): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      if (entries.some((e) => e.isFile() && isLogFile(e.name))) out.push(prefix.join('/'));
      for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name), [...prefix, decodeURIComponent(e.name)]);
    };
    walk(this.root, []);
    return out.sort();
  }

  /**
   * Reads logged rows (durable ones: call `flush` first to include buffered rows). Without start/end: the newest
   * `limit` rows (default 100), newest first. With start and end: rows in [start, end), oldest first.
   */
  read(pipeline: string, opts: ReadOptions = {}): ReadResult {
    if ((opts.start === undefined) !== (opts.end === undefined)) {
      throw new JoeyError('invalid', 'give both start and end, or neither', { status: 400 });
    }
    const parts = this.partitions(this.dirOf(pipeline));
    const ranged = opts.start !== undefined;
    const start = ranged ? toMs(opts.start!) : -Infinity;
    const end = ranged ? toMs(opts.end!) : Infinity;
    const limit = opts.limit ?? (ranged ? Infinity : 100);
    if (!(limit >= 0)) throw new JoeyError('invalid', 'limit must be a positive number', { status: 400 });
    const tables: arrow.Table[] = [];
    let truncated = false;
    if (!ranged) {
      // Newest first: walk partitions from the newest, rows from the last.
      let need = limit;
      for (let i = parts.length - 1; i >= 0; i--) {
        if (need <= 0) {
          truncated = true;
          break;
        }
        const t = readPartition(parts[i]!.file);
        if (!t.numRows) continue;
        const k = Math.min(need, t.numRows);
        if (k < t.numRows) truncated = true;
        tables.push(takeRows(t, Int32Array.from({ length: k }, (_, j) => t.numRows - 1 - j)));
        need -= k;
      }
    } else {
      let have = 0;
      for (const p of parts) {
        if (p.maxTime < start || p.minTime >= end) continue;
        if (have >= limit) {
          truncated = true;
          break;
        }
        let t = readPartition(p.file);
        if (!t.numRows) continue;
        if (p.minTime < start || p.maxTime >= end) {
          const times = t.getChild('time')!;
          const idx: number[] = [];
          for (let r = 0; r < t.numRows; r++) {
            const v = Number(times.get(r) as unknown as number | bigint);
            if (v >= start && v < end) idx.push(r);
          }
          t = takeRows(t, Int32Array.from(idx));
        }
        if (have + t.numRows > limit) {
          truncated = true;
          t = takeRows(t, Int32Array.from({ length: limit - have }, (_, j) => j));
        }
        have += t.numRows;
        if (t.numRows) tables.push(t);
      }
      if (ranged) tables.sort((a, b) => firstTime(a) - firstTime(b));
    }
    const merged = concatTables(tables, true)[0] ?? new arrow.Table();
    return { table: selectColumns(merged, opts.dataset, opts.datasetExclude), truncated };
  }
}

function firstTime(t: arrow.Table): number {
  return t.numRows ? Number(t.getChild('time')!.get(0) as unknown as number) : 0;
}

export function toMs(t: Date | number | string): number {
  const v = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(v)) throw new JoeyError('invalid', `invalid time "${String(t)}"; use ISO 8601 like 2024-01-31T12:00:00Z`, { status: 400 });
  return v;
}
