import { toArrowTable, type ResultFrame } from '../runtime/encode.js';
import { PartitionWriter } from './partitions.js';

export interface BufferOptions {
  /** Flush when this many rows are buffered (default 50,000). */
  flushRows?: number;
  /** Flush when about this many bytes are buffered (default 16 MiB). */
  flushBytes?: number;
  /** Flush buffered rows at least this often (default 1000 ms). */
  flushIntervalMs?: number;
  /**
   * fsync every partition before acknowledging it (default true). false: a partition is acknowledged once
   * written and renamed — it survives a killed process, but not a power cut or kernel crash.
   */
  fsync?: boolean;
}

interface Pending {
  frames: ResultFrame[];
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

function approxBytes(f: ResultFrame): number {
  let b = 0;
  for (const c of f.columns.values()) b += c.kind === 'tensor' ? c.data.byteLength : f.numRows * 16;
  return b + f.numRows * 8;
}

/**
 * Buffers inference results per pipeline and writes them as partitions when enough rows or bytes are waiting,
 * or after an interval. Each `append` resolves when its rows are durable (the acknowledgement).
 */
export class LogBuffer {
  private readonly pending = new Map<string, Pending>();
  private rows = 0;
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly writer: PartitionWriter;
  private readonly opts: Required<BufferOptions>;

  constructor(root: string, opts: BufferOptions = {}) {
    this.opts = { flushRows: 50_000, flushBytes: 16 << 20, flushIntervalMs: 1000, fsync: true, ...opts };
    this.writer = new PartitionWriter(root, this.opts.fsync);
  }

  append(pipeline: string, frame: ResultFrame): Promise<void> {
    let p = this.pending.get(pipeline);
    if (!p) this.pending.set(pipeline, (p = { frames: [], waiters: [] }));
    p.frames.push(frame);
    this.rows += frame.numRows;
    this.bytes += approxBytes(frame);
    const ack = new Promise<void>((resolve, reject) => p!.waiters.push({ resolve, reject }));
    if (this.rows >= this.opts.flushRows || this.bytes >= this.opts.flushBytes) setImmediate(() => this.flush());
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.flushIntervalMs);
    return ack;
  }

  /** Writes everything buffered (synchronously); every waiting acknowledgement resolves or rejects. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending.entries()];
    this.pending.clear();
    this.rows = 0;
    this.bytes = 0;
    for (const [pipeline, p] of batch) {
      try {
        this.writer.write(pipeline, p.frames.map((f) => toArrowTable({ ...f, omitTime: false })));
        p.waiters.forEach((w) => w.resolve());
      } catch (e) {
        p.waiters.forEach((w) => w.reject(e));
      }
    }
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

/** The inverse of `transferable` on the writer's side: constant columns get their rows back. */
export function received(f: ResultFrame): ResultFrame {
  for (const [k, c] of f.columns) {
    if (c.kind === 'values' && c.constant && c.data.length !== f.numRows) f.columns.set(k, { ...c, data: new Array(f.numRows).fill(c.data[0]) });
  }
  return f;
}
