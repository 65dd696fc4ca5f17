import type { ResultFrame } from '../runtime/encode.js';
import { SegmentWriter } from './partitions.js';

export interface BufferOptions {
  /** Flush when this many rows are buffered (default 50,000). */
  flushRows?: number;
  /** Flush when about this many bytes are buffered (default 16 MiB). */
  flushBytes?: number;
  /** Flush buffered rows at least this often (default 1000 ms). */
  flushIntervalMs?: number;
  /**
   * fsync before acknowledging (default true). false: rows are acknowledged once written to the segment file —
   * they survive a killed process, but not a power cut or kernel crash.
   */
  fsync?: boolean;
  /** Start a new segment file once the open one holds this many bytes (default 64 MiB). */
  segmentBytes?: number;
}

interface Pending {
  /** Queued, not yet written. */
  frames: ResultFrame[];
  rows: number;
  bytes: number;
  /** Appends written or queued since the last fsync: resolved by the next one. */
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
  /** A write failed since the last fsync: the waiters reject at the next flush. */
  error?: unknown;
}

function approxBytes(f: ResultFrame): number {
  let b = 0;
  for (const c of f.columns.values()) b += c.kind === 'tensor' ? c.data.byteLength : f.numRows * 16;
  return b + f.numRows * 8;
}

/** Queued rows of a pipeline are written (not yet fsynced) once this many are waiting: writes overlap writeback. */
const WRITE_ROWS = 8192;
const WRITE_BYTES = 4 << 20;

/**
 * Buffers inference results per pipeline: writes them to the pipeline's open segment as they accumulate, and
 * fsyncs (group commit: one fsync covers every append since the last) when enough rows or bytes are waiting,
 * or after an interval. Each `append` resolves when its rows are durable (the acknowledgement).
 */
export class LogBuffer {
  private readonly pending = new Map<string, Pending>();
  private rows = 0;
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writeScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly writer: SegmentWriter;
  private readonly opts: Required<BufferOptions>;

  constructor(root: string, opts: BufferOptions = {}) {
    this.opts = { flushRows: 50_000, flushBytes: 16 << 20, flushIntervalMs: 1000, fsync: true, segmentBytes: 64 << 20, ...opts };
    this.writer = new SegmentWriter(root, this.opts.fsync, this.opts.segmentBytes);
  }

  append(pipeline: string, frame: ResultFrame): Promise<void> {
    let p = this.pending.get(pipeline);
    if (!p) this.pending.set(pipeline, (p = { frames: [], rows: 0, bytes: 0, waiters: [] }));
    const size = approxBytes(frame);
    p.frames.push(frame);
    p.rows += frame.numRows;
    p.bytes += size;
    this.rows += frame.numRows;
    this.bytes += size;
    const ack = new Promise<void>((resolve, reject) => p!.waiters.push({ resolve, reject }));
    if (this.rows >= this.opts.flushRows || this.bytes >= this.opts.flushBytes) setImmediate(() => void this.flush());
    else {
      if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.opts.flushIntervalMs);
      if ((p.rows >= WRITE_ROWS || p.bytes >= WRITE_BYTES) && !this.writeScheduled) {
        this.writeScheduled = true;
        setImmediate(() => this.writeQueued());
      }
    }
    return ack;
  }

  /** Writes queued rows without fsync (they are acknowledged by the next flush). */
  private writeQueued(all = false): void {
    this.writeScheduled = false;
    for (const [pipeline, p] of this.pending) {
      if (!p.frames.length || (!all && p.rows < WRITE_ROWS && p.bytes < WRITE_BYTES)) continue;
      const frames = p.frames;
      p.frames = [];
      p.rows = 0;
      p.bytes = 0;
      try {
        this.writer.write(pipeline, frames);
      } catch (e) {
        p.error ??= e;
      }
    }
  }

  /**
   * Writes everything buffered (synchronously) with one fsync per pipeline segment (group commit); every waiting
   * acknowledgement resolves or rejects.
   */
  flush(): Promise<void> {
    // Also waits for earlier flushes still fsyncing: when this resolves, everything appended before is durable.
    const prev = this.flushing;
    const next = Promise.all([prev, this.flushNow()]).then(() => undefined);
    this.flushing = next;
    return next;
  }

  private async flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writeQueued(true);
    const batch = [...this.pending.entries()];
    this.pending.clear();
    this.rows = 0;
    this.bytes = 0;
    await Promise.all(
      batch.map(async ([pipeline, p]) => {
        try {
          if (p.error) throw p.error;
          await this.writer.sync(pipeline);
          p.waiters.forEach((w) => w.resolve());
        } catch (e) {
          p.waiters.forEach((w) => w.reject(e));
        }
      }),
    );
  }

  /** Flushes, then seals the open segments (they get their final names). */
  async close(): Promise<void> {
    await this.flush();
    this.writer.close();
  }
}

/** A frame as it can cross to the writer thread: typed arrays and plain values, no Arrow objects. */
export function transferable(f: ResultFrame, transfer: ArrayBuffer[] = []): ResultFrame {
  const columns = new Map();
  for (const [k, c] of f.columns) {
    if (c.kind === 'tensor') {
      const fixed = c.fixed || (!!c.arrow && c.arrow.type.toString().startsWith('FixedSizeList'));
      // Copy views: posting a view would copy its whole underlying buffer (e.g. the entire request body).
      // Our own copies are transferred (moved), not cloned a second time.
      const own = c.data.byteLength === c.data.buffer.byteLength;
      const data = own ? c.data : c.data.slice();
      if (!own) transfer.push(data.buffer as ArrayBuffer);
      columns.set(k, { kind: 'tensor', type: c.type, data, shape: c.shape, ...(fixed ? { fixed } : {}) });
    } else if (c.constant) columns.set(k, { kind: 'values', data: [c.data[0]], constant: true });
    else columns.set(k, { kind: 'values', data: c.data });
  }
  return { numRows: f.numRows, time: f.time, columns };
}
