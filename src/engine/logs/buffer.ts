import { isFixedSizeList, type ResultFrame } from '../runtime/encode.js';
import { SegmentWriter } from './partitions.js';

export interface BufferOptions {
  /** Flush (commit) when this many rows are buffered (default 500,000). */
  flushRows?: number;
  /** Flush (commit) when about this many bytes are buffered (default 64 MiB). */
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
  /**
   * Write segments with direct I/O (Linux O_DIRECT) where the filesystem allows it (default true; elsewhere, and
   * with false, through the page cache). Same files, same durability; several times the throughput on virtual disks.
   */
  directIO?: boolean;
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

/** Queued rows of a pipeline are written (not yet committed) once this many are waiting. */
const WRITE_ROWS = 8192;
const WRITE_BYTES = 4 << 20;

/**
 * Buffers inference results per pipeline: writes them to the pipeline's open segment as they accumulate, and
 * commits (group commit: one fdatasync covers every append since the last) when enough rows or bytes are waiting,
 * or after an interval. Each `append` resolves when its rows are durable (the acknowledgement).
 */
export class LogBuffer {
  private readonly pending = new Map<string, Pending>();
  private rows = 0;
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly writer: SegmentWriter;
  private readonly opts: Required<BufferOptions>;

  constructor(root: string, opts: BufferOptions = {}) {
    this.opts = { flushRows: 500_000, flushBytes: 64 << 20, flushIntervalMs: 1000, fsync: true, segmentBytes: 64 << 20, directIO: true, ...opts };
    this.writer = new SegmentWriter(root, this.opts.fsync, this.opts.segmentBytes, this.opts.directIO);
  }

  append(pipeline: string, frame: ResultFrame): Promise<void> {
    let p = this.pending.get(pipeline);
    if (!p) this.pending.set(pipeline, (p = { frames: [], rows: 0, bytes: 0, waiters: [] }));
    const size = approxBytes(frame);
    // The buffer never holds on to the caller's memory: a large frame is written below, before this returns;
    // a small one is kept as a copy (views into a request body are copied, the rest is ours already).
    const large = frame.numRows >= WRITE_ROWS || size >= WRITE_BYTES;
    p.frames.push(large ? frame : transferable(frame));
    p.rows += frame.numRows;
    p.bytes += size;
    this.rows += frame.numRows;
    this.bytes += size;
    const ack = new Promise<void>((resolve, reject) => p!.waiters.push({ resolve, reject }));
    if (p.rows >= WRITE_ROWS || p.bytes >= WRITE_BYTES) this.writePending(pipeline, p);
    if (this.rows >= this.opts.flushRows || this.bytes >= this.opts.flushBytes) setImmediate(() => void this.flush());
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.opts.flushIntervalMs);
    return ack;
  }

  /** Writes a pipeline's queued rows (made durable and visible by the next flush). */
  private writePending(pipeline: string, p: Pending): void {
    if (!p.frames.length) return;
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
    for (const [pipeline, p] of this.pending) this.writePending(pipeline, p);
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
    await this.writer.close();
  }
}

/** A frame as it can cross to the writer thread: typed arrays and plain values, no Arrow objects. */
export function transferable(f: ResultFrame, transfer: ArrayBuffer[] = []): ResultFrame {
  const columns = new Map();
  for (const [k, c] of f.columns) {
    if (c.kind === 'tensor') {
      const fixed = isFixedSizeList(c);
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
