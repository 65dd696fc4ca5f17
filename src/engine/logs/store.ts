import * as arrow from 'apache-arrow';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { JoeyError } from '../../model/index.js';
import { toArrowTable, type ResultFrame } from '../runtime/encode.js';
import { concatTables, selectColumns, takeRows } from './table.js';

export interface LogStoreOptions {
  /** Flush when this many rows are buffered for a pipeline (default 50,000). */
  flushRows?: number;
  /** Flush when this many bytes (approximate) are buffered (default 16 MiB). */
  flushBytes?: number;
  /** Flush buffered rows at least this often (default 1000 ms). */
  flushIntervalMs?: number;
}

export interface ReadOptions {
  /** Newest-first limit (default 100). Ignored when start and end are given, unless set explicitly. */
  limit?: number;
  /** Both or neither: rows with start <= time < end, oldest first. */
  start?: Date | number;
  end?: Date | number;
  /** Column selection: `*` (time, in, out, anomaly), `in`, `out`, `anomaly`, `metadata`, or column names. */
  dataset?: string[];
  datasetExclude?: string[];
}

export interface ReadResult {
  table: arrow.Table;
  /** More rows matched than `limit` allowed (the platform warns "Pipeline log record limit exceeded"). */
  truncated: boolean;
}

interface Partition {
  file: string;
  seq: number;
  minTime: number;
  maxTime: number;
  rows: number;
}

interface Pending {
  tables: arrow.Table[];
  rows: number;
  bytes: number;
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

const FILE_RE = /^(\d{12})-(\d+)-(\d+)-(\d+)\.arrow$/;

/**
 * The inference log store: per pipeline, a directory of Arrow IPC partition files under `<stateDir>/logs/`.
 * Appends are buffered in memory and flushed as a new partition (temp file, fsync, rename, fsync of the
 * directory) when enough rows/bytes are buffered or after `flushIntervalMs`. The promise `append` returns is
 * the acknowledgement: it resolves once the rows are durable. A killed process loses only rows whose
 * acknowledgement had not resolved; a torn temp file is never visible (it is not renamed into place).
 */
export class InferenceLogStore {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly seqs = new Map<string, number>();
  private readonly opts: Required<LogStoreOptions>;

  constructor(
    readonly root: string,
    opts: LogStoreOptions = {},
  ) {
    this.opts = { flushRows: 50_000, flushBytes: 16 << 20, flushIntervalMs: 1000, ...opts };
  }

  /** The store under an engine state directory. */
  static forStateDir(stateDir: string, opts?: LogStoreOptions): InferenceLogStore {
    return new InferenceLogStore(path.join(stateDir, 'logs'), opts);
  }

  dirOf(pipeline: string): string {
    const parts = pipeline.split('/');
    if (!pipeline || parts.some((p) => !p || p === '.' || p === '..')) throw new JoeyError('invalid', `invalid pipeline log key "${pipeline}"`, { status: 400 });
    return path.join(this.root, ...parts.map(encodeURIComponent));
  }

  /** Buffers an inference's rows (all columns + metadata); resolves when they are durable on disk. */
  append(pipeline: string, result: ResultFrame): Promise<void> {
    return this.appendTable(pipeline, toArrowTable({ ...result, omitTime: false }));
  }

  appendTable(pipeline: string, table: arrow.Table): Promise<void> {
    this.dirOf(pipeline);
    let p = this.pending.get(pipeline);
    if (!p) this.pending.set(pipeline, (p = { tables: [], rows: 0, bytes: 0, waiters: [] }));
    p.tables.push(table);
    p.rows += table.numRows;
    p.bytes += table.data.reduce((a, d) => a + d.byteLength, 0);
    const ack = new Promise<void>((resolve, reject) => p!.waiters.push({ resolve, reject }));
    ack.catch(() => {}); // callers that do not wait for the ack must not see unhandled rejections
    if (p.rows >= this.opts.flushRows || p.bytes >= this.opts.flushBytes) void this.flush().catch(() => {});
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => {});
      }, this.opts.flushIntervalMs); // not unref'd: a process exiting with buffered rows first writes them
    }
    return ack;
  }

  /** Writes everything buffered so far; resolves when it is durable. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = [...this.pending.entries()];
    this.pending.clear();
    const run = this.chain.then(async () => {
      for (const [pipeline, p] of batch) {
        try {
          await this.writePartitions(pipeline, p.tables);
          p.waiters.forEach((w) => w.resolve());
        } catch (e) {
          p.waiters.forEach((w) => w.reject(e));
          throw e;
        }
      }
    });
    this.chain = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private nextSeq(pipeline: string, dir: string): number {
    let seq = this.seqs.get(pipeline);
    if (seq === undefined) seq = Math.max(0, ...this.partitions(dir).map((p) => p.seq));
    seq += 1;
    this.seqs.set(pipeline, seq);
    return seq;
  }

  private async writePartitions(pipeline: string, tables: arrow.Table[]): Promise<void> {
    const dir = this.dirOf(pipeline);
    await fs.mkdir(dir, { recursive: true });
    for (const table of concatTables(tables)) {
      const times = table.getChild('time')!;
      let min = Infinity;
      let max = -Infinity;
      for (const d of times.data) {
        const v = d.values as BigInt64Array;
        for (let i = 0; i < d.length; i++) {
          const t = Number(v[i]);
          if (t < min) min = t;
          if (t > max) max = t;
        }
      }
      const seq = this.nextSeq(pipeline, dir);
      const name = `${String(seq).padStart(12, '0')}-${min}-${max}-${table.numRows}.arrow`;
      const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
      const fh = await fs.open(tmp, 'w');
      try {
        await fh.writeFile(arrow.tableToIPC(table, 'file'));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, path.join(dir, name));
      const dh = await fs.open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    }
  }

  private partitions(dir: string): Partition[] {
    let names: string[];
    try {
      mkdirSync(dir, { recursive: true });
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const out: Partition[] = [];
    for (const file of names) {
      const m = FILE_RE.exec(file);
      if (m) out.push({ file: path.join(dir, file), seq: Number(m[1]), minTime: Number(m[2]), maxTime: Number(m[3]), rows: Number(m[4]) });
    }
    return out.sort((a, b) => a.seq - b.seq);
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
      if (entries.some((e) => e.isFile() && FILE_RE.test(e.name))) out.push(prefix.join('/'));
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

function readPartition(file: string): arrow.Table {
  return arrow.tableFromIPC(readFileSync(file));
}

export function toMs(t: Date | number | string): number {
  const v = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(v)) throw new JoeyError('invalid', `invalid time "${String(t)}"; use ISO 8601 like 2024-01-31T12:00:00Z`, { status: 400 });
  return v;
}
