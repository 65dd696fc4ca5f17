import * as arrow from 'apache-arrow';
import { closeSync, fdatasync, fsync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writevSync } from 'node:fs';
import path from 'node:path';
import { JoeyError } from '../../model/index.js';
import type { ResultFrame } from '../runtime/encode.js';
import { Dictionaries, frameLayout, logBatch, plainVector } from './batch.js';
import { BatchMessages } from './batch-messages.js';
import { DirectIO, type DirectFile } from './direct-io.js';

/**
 * Partition files of a pipeline, in sequence order:
 * - `<seq>.arrows`: an Arrow IPC stream segment being appended to (or left open by a process that stopped);
 *   record batches are appended and fsynced at each flush, a torn last batch (killed mid-write) is ignored on read,
 *   and so is the zero padding after the last batch that direct I/O leaves until the segment is sealed.
 * - `<seq>-<minTime>-<maxTime>-<rows>.arrows`: a sealed segment (renamed once full or at close); the name says what
 *   a read needs to know without opening it.
 * - `<seq>-<minTime>-<maxTime>-<rows>.arrow`: Arrow IPC files, one per flush, written by earlier versions (read as is).
 */
export const FILE_RE = /^(\d{12})-(\d+)-(\d+)-(\d+)\.arrows?$/;
export const OPEN_RE = /^(\d{12})\.arrows$/;
export const isLogFile = (name: string): boolean => FILE_RE.test(name) || OPEN_RE.test(name);

export interface Partition {
  file: string;
  seq: number;
  /** -Infinity / Infinity / NaN for an open segment (unknown until read). */
  minTime: number;
  maxTime: number;
  rows: number;
}

/** A pipeline's log directory: `<root>/<workspace>/<pipeline>` (each segment URI-encoded). */
export function pipelineDir(root: string, pipeline: string): string {
  const parts = pipeline.split('/');
  if (!pipeline || parts.some((p) => !p || p === '.' || p === '..')) throw new JoeyError('invalid', `invalid pipeline log key "${pipeline}"`, { status: 400 });
  return path.join(root, ...parts.map(encodeURIComponent));
}

export function listPartitions(dir: string): Partition[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Partition[] = [];
  for (const file of names) {
    const m = FILE_RE.exec(file);
    if (m) out.push({ file: path.join(dir, file), seq: Number(m[1]), minTime: Number(m[2]), maxTime: Number(m[3]), rows: Number(m[4]) });
    const o = OPEN_RE.exec(file);
    if (o) out.push({ file: path.join(dir, file), seq: Number(o[1]), minTime: -Infinity, maxTime: Infinity, rows: NaN });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** A partition as one table (an empty table for an empty segment); constants come back as plain columns. */
export function readPartition(file: string): arrow.Table {
  const bytes = readFileSync(file);
  if (file.endsWith('.arrow')) return arrow.tableFromIPC(bytes);
  const batches: arrow.RecordBatch[] = [];
  try {
    for (const b of arrow.RecordBatchReader.from(bytes)) batches.push(b);
  } catch {
    // A torn last message (the writer was killed mid-append): its rows were never acknowledged.
  }
  if (!batches.length) return new arrow.Table();
  const t = new arrow.Table(batches);
  if (!t.schema.fields.some((f) => arrow.DataType.isDictionary(f.type))) return t;
  const vectors: Record<string, arrow.Vector> = {};
  for (const f of t.schema.fields) vectors[f.name] = plainVector(t.getChild(f.name)!);
  return new arrow.Table(vectors);
}

/** Collects what the Arrow writer emits, to be written with one writev (no join into a single buffer). */
class Chunks extends arrow.AsyncByteQueue {
  chunks: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }
}

interface Segment {
  dir: string;
  seq: number;
  file: string;
  fd: number;
  /** Set when the segment is written with direct I/O (`fd` is its descriptor). */
  direct?: DirectFile;
  schemaKey: string;
  writer: arrow.RecordBatchStreamWriter;
  sink: Chunks;
  dicts: Dictionaries;
  /** Batches written without apache-arrow's writer, once proven (batch-messages.ts). */
  messages: BatchMessages;
  rows: number;
  bytes: number;
  minTime: number;
  maxTime: number;
  /** The directory entry is not yet durable. */
  dirDirty: boolean;
  /** Written since the last fsync started. */
  dirty: boolean;
  /** fsyncs under way (they run on libuv's pool while this thread keeps writing). */
  syncing: number;
  /** Full: no more writes; sealed once its last fsync is done. */
  retired: boolean;
}

const schemaKey = (s: arrow.Schema) => s.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`).join('|');

function writeAll(fd: number, chunks: Uint8Array[]): number {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  let done = 0;
  let rest = chunks;
  while (done < total) {
    let n = writevSync(fd, rest.slice(0, 512));
    done += n;
    // Partial write: drop what went out, keep the rest of a half-written chunk.
    while (n > 0 && rest.length) {
      const c = rest[0]!;
      if (n >= c.byteLength) {
        n -= c.byteLength;
        rest = rest.slice(1);
      } else {
        rest = [c.subarray(n), ...rest.slice(1)];
        n = 0;
      }
    }
  }
  return total;
}

/** Requests below this many rows are coalesced with their neighbours into one record batch. */
const COALESCE_ROWS = 8192;

/**
 * Appends inference rows to one open Arrow IPC stream segment per pipeline (group commit: `sync` commits each
 * touched segment once per flush, covering every request queued since the last). `write` serializes on the
 * calling thread; what blocks (direct writes, fdatasync) runs on libuv's pool. Through the page cache, `write`
 * writes synchronously (cheap: it only copies into the cache).
 */
export class SegmentWriter {
  private readonly segments = new Map<string, Segment>();
  /** Full segments of a pipeline waiting for their last fsync before they are sealed. */
  private readonly retired = new Map<string, Segment[]>();
  /** Direct I/O for new segments: probed on the first one (undefined: through the page cache). */
  private dio: DirectIO | undefined | null = null;
  constructor(
    private readonly root: string,
    /** fsync segments (and their directory when created) before acknowledging (default). */
    private readonly fsync = true,
    /** Seal a segment and start the next once it holds this many bytes. */
    private readonly segmentBytes = 64 << 20,
    /** Write segments with direct I/O where the platform and filesystem allow it (default). */
    private readonly directIO = true,
  ) {}

  /** Appends the frames of one pipeline (not yet durable: call `sync`). On error the segment is abandoned. */
  write(pipeline: string, frames: ResultFrame[]): void {
    try {
      for (const group of batches(frames)) {
        const current = this.segments.get(pipeline);
        let seg = current;
        // Written straight from the frames once proven in this segment; else by apache-arrow (and compared).
        const encoded = seg?.messages.encode(group);
        let chunks: Uint8Array[];
        if (seg && encoded?.proven) chunks = encoded.chunks;
        else {
          let dicts = seg?.dicts ?? new Dictionaries();
          let batch = logBatch(group, dicts);
          if (seg && seg.schemaKey !== schemaKey(batch.schema)) {
            // New columns (another pipeline version): a new segment, so every segment has one schema.
            this.retire(pipeline);
            seg = undefined;
            batch = logBatch(group, (dicts = new Dictionaries()));
          }
          seg ??= this.open(pipeline, batch.schema, dicts);
          seg.writer.write(batch);
          chunks = seg.sink.chunks;
          seg.sink.chunks = [];
          if (encoded && seg === current) seg.messages.check(encoded, chunks);
        }
        seg.bytes += seg.direct ? this.dio!.append(seg.direct, chunks) : writeAll(seg.fd, chunks);
        seg.dirty = true;
        for (const f of group) {
          seg.rows += f.numRows;
          if (f.time < seg.minTime) seg.minTime = f.time;
          if (f.time > seg.maxTime) seg.maxTime = f.time;
        }
        if (seg.bytes >= this.segmentBytes) this.retire(pipeline);
      }
    } catch (e) {
      this.abandon(pipeline);
      throw e;
    }
  }

  /**
   * Makes everything written so far to the pipeline's segments durable: one fsync per written segment (group
   * commit; through the page cache it runs on libuv's pool so this thread keeps writing meanwhile; with direct I/O
   * it also makes the rows visible). Full segments are sealed afterwards.
   */
  async sync(pipeline: string): Promise<void> {
    const segs = [...(this.retired.get(pipeline) ?? []), ...(this.segments.has(pipeline) ? [this.segments.get(pipeline)!] : [])];
    await Promise.all(segs.map((seg) => this.syncSegment(pipeline, seg)));
  }

  private async syncSegment(pipeline: string, seg: Segment): Promise<void> {
    if (seg.dirty) {
      seg.dirty = false;
      seg.syncing++;
      try {
        if (seg.direct) await this.dio!.commit(seg.direct, this.fsync);
        // fdatasync: the data and the file size (what reading it back needs), not the timestamps.
        else if (this.fsync) await new Promise<void>((resolve, reject) => fdatasync(seg.fd, (e) => (e ? reject(e) : resolve())));
        if (this.fsync && seg.dirDirty) await syncDir(seg.dir);
        seg.dirDirty = false;
      } catch (e) {
        if (!seg.retired) this.abandon(pipeline);
        throw e;
      } finally {
        seg.syncing--;
      }
    }
    if (seg.retired && seg.syncing === 0 && !seg.dirty) {
      const list = this.retired.get(pipeline) ?? [];
      if (list.includes(seg)) {
        list.splice(list.indexOf(seg), 1);
        if (!list.length) this.retired.delete(pipeline);
        await this.closeSegment(seg);
      }
    }
  }

  /** Seals every open segment (renamed to its final name). Call once everything is synced. */
  async close(): Promise<void> {
    const segs = [...this.retired.values()].flat();
    this.retired.clear();
    for (const p of [...this.segments.keys()]) {
      segs.push(this.segments.get(p)!);
      this.segments.delete(p);
    }
    await Promise.all(segs.map((seg) => this.closeSegment(seg)));
  }

  private open(pipeline: string, schema: arrow.Schema, dicts: Dictionaries): Segment {
    const dir = pipelineDir(this.root, pipeline);
    mkdirSync(dir, { recursive: true });
    if (this.dio === null) this.dio = this.directIO ? DirectIO.probe(dir) : undefined;
    let seq = Math.max(0, ...listPartitions(dir).map((p) => p.seq)) + 1;
    for (;;) {
      const file = path.join(dir, `${String(seq).padStart(12, '0')}.arrows`);
      let fd: number;
      let direct: DirectFile | undefined;
      try {
        // Exclusive create: never append to another process's segment.
        if (this.dio) fd = (direct = this.dio.open(file)).fd;
        else fd = openSync(file, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          seq++;
          continue;
        }
        throw e;
      }
      const sink = new Chunks();
      const writer = new arrow.RecordBatchStreamWriter({ autoDestroy: false });
      writer.reset(sink, schema);
      const seg: Segment = { dir, seq, file, fd, ...(direct ? { direct } : {}), schemaKey: schemaKey(schema), writer, sink, dicts, messages: new BatchMessages(dicts), rows: 0, bytes: 0, minTime: Infinity, maxTime: -Infinity, dirDirty: true, dirty: false, syncing: 0, retired: false };
      this.segments.set(pipeline, seg);
      return seg;
    }
  }

  /** Stops writing to the pipeline's segment; it is sealed after its last fsync. */
  private retire(pipeline: string): void {
    const seg = this.segments.get(pipeline);
    if (!seg) return;
    this.segments.delete(pipeline);
    seg.retired = true;
    const list = this.retired.get(pipeline) ?? [];
    list.push(seg);
    this.retired.set(pipeline, list);
  }

  private async closeSegment(seg: Segment): Promise<void> {
    if (seg.direct && seg.rows > 0) await this.dio!.seal(seg.direct, this.fsync);
    closeSync(seg.fd);
    if (seg.rows === 0) return unlinkSync(seg.file);
    // Durable contents already; the new name only saves readers from opening it (an unrenamed one reads the same).
    renameSync(seg.file, path.join(seg.dir, `${String(seg.seq).padStart(12, '0')}-${seg.minTime}-${seg.maxTime}-${seg.rows}.arrows`));
  }

  private abandon(pipeline: string): void {
    const seg = this.segments.get(pipeline);
    this.segments.delete(pipeline);
    if (!seg) return;
    const close = () => {
      try {
        closeSync(seg.fd);
      } catch {
        /* already closed */
      }
    };
    // Direct writes may still be under way: the descriptor must outlive them.
    if (seg.direct) void this.dio!.drop(seg.direct).then(close);
    else close();
  }
}

/** fsync of a directory (a new segment's entry), on libuv's pool. */
async function syncDir(dir: string): Promise<void> {
  const dfd = openSync(dir, 'r');
  try {
    await new Promise<void>((resolve, reject) => fsync(dfd, (e) => (e ? reject(e) : resolve())));
  } finally {
    closeSync(dfd);
  }
}

/** Runs of same-layout frames; small frames coalesced up to COALESCE_ROWS, large ones on their own (no copy). */
function* batches(frames: ResultFrame[]): Generator<ResultFrame[]> {
  let run: ResultFrame[] = [];
  let rows = 0;
  let layout = '';
  for (const f of frames) {
    const l = frameLayout(f);
    if (run.length && (l !== layout || f.numRows >= COALESCE_ROWS || rows + f.numRows > COALESCE_ROWS)) {
      yield run;
      run = [];
      rows = 0;
    }
    run.push(f);
    rows += f.numRows;
    layout = l;
  }
  if (run.length) yield run;
}
