import type * as arrow from 'apache-arrow';
import { BufferRegion, DictionaryBatch, FieldNode, Message, RecordBatch as BatchHeader } from 'apache-arrow/ipc/metadata/message';
import { ARROW_LEAF, fillTime, packBits, type ResultFrame } from '../runtime/encode.js';
import type { Column, NumericArray } from '../runtime/frame.js';
import { ARROW_TYPES } from '../runtime/validations.js';
import { constKind, constValue, dictionaryBuffers, distinctConstants, type ConstKind, type Dictionaries } from './batch.js';

/**
 * Log record batches as Arrow IPC stream messages written without building an Arrow RecordBatch and running it
 * through apache-arrow's stream writer, which at batch 10,000 cost a fifth of the whole inference. The body is the
 * frames' own buffers in the order and padding apache-arrow gives them (its VectorAssembler); the headers are
 * encoded by apache-arrow's own flatbuffer code (`Message.encode`). It covers the columns inference frames have —
 * `time`, numeric tensors (lists or fixed-size lists), bool flags, dictionary-encoded per-request constants; frames
 * with anything else are written by apache-arrow.
 *
 * Proven before used: in each segment, a layout is written this way only once apache-arrow has written one of its
 * batches byte for byte as this would have (and a dictionary column's messages only once one of them matched); a
 * layout where they differ is left to apache-arrow for the rest of the segment.
 */
export class BatchMessages {
  private readonly plans = new Map<string, Plan | null>();
  private readonly scratch = new Scratch();

  constructor(private readonly dicts: Dictionaries) {}

  /**
   * The messages for `frames` (one run of same-layout frames): `proven` ones are to be written as they are (the
   * segment's dictionaries now count them as written); otherwise apache-arrow must write the frames, and `check`
   * compares what it wrote with these. Undefined: apache-arrow writes them, nothing to compare.
   */
  encode(frames: ResultFrame[]): Encoded | undefined {
    const signature = layoutSignature(frames);
    if (signature === undefined) return undefined;
    let plan = this.plans.get(signature);
    if (plan === undefined) this.plans.set(signature, (plan = compile(frames)));
    if (!plan || plan.failed) return undefined;
    this.scratch.reset();
    const n = frames.reduce((a, f) => a + f.numRows, 0);
    const body = new Body();
    const dicts: DictionaryUse[] = [];
    for (const write of plan.columns) if (!write(body, frames, n, { scratch: this.scratch, dicts: this.dicts, out: dicts })) return undefined;
    const fresh = dicts.filter((d) => !this.dicts.isCurrent(d.type, d.key));
    const proven = plan.proven && fresh.every((d) => plan.dictsProven.has(d.name));
    const chunks: Uint8Array[] = [];
    for (const d of fresh) chunks.push(...this.dictionaryMessage(d));
    // Proven: these are now the segment's dictionaries. Otherwise apache-arrow is about to make them so.
    if (proven) for (const d of fresh) this.dicts.use(d.type, d.distinct, d.key);
    if (plan.header?.n !== n) plan.header = { n, bytes: message(new BatchHeader(n, body.nodes, body.regions, null), body.length) };
    chunks.push(plan.header.bytes, ...body.chunks);
    return { chunks, proven, plan, dictionaries: fresh.map((d) => d.name) };
  }

  /** Dictionary batch headers by dictionary id and lengths (`metadata.elapsed` changes with every request). */
  private readonly dictHeaders = new Map<string, Uint8Array>();

  /** The dictionary batch message that makes `d.distinct` the dictionary of its column. */
  private dictionaryMessage(d: DictionaryUse): Uint8Array[] {
    const { offsets, data } = dictionaryBuffers(d.distinct, d.kind);
    const body = new Body();
    body.field(d.distinct.length);
    body.buffer([bytes(offsets)]);
    if (d.kind === 'list') body.field(data.length);
    body.buffer([bytes(data)]);
    const key = `${d.type.id}:${d.distinct.length}:${data.length}`;
    let header = this.dictHeaders.get(key);
    if (!header) {
      if (this.dictHeaders.size >= 64) this.dictHeaders.clear();
      header = message(new DictionaryBatch(new BatchHeader(d.distinct.length, body.nodes, body.regions, null), d.type.id, false), body.length);
      this.dictHeaders.set(key, header);
    }
    return [header, ...body.chunks];
  }

  /** After apache-arrow wrote the frames of an unproven `encoded`: `written` must end with exactly its bytes. */
  check(encoded: Encoded, written: Uint8Array[]): void {
    const mine = Buffer.concat(encoded.chunks);
    const theirs = Buffer.concat(written);
    const { plan } = encoded;
    if (theirs.length >= mine.length && mine.equals(theirs.subarray(theirs.length - mine.length))) {
      plan.proven = true;
      for (const name of encoded.dictionaries) plan.dictsProven.add(name);
    } else plan.failed = true;
  }
}

export interface Encoded {
  chunks: Uint8Array[];
  proven: boolean;
  plan: Plan;
  /** Columns whose dictionary messages are among the chunks. */
  dictionaries: string[];
}

export interface Plan {
  columns: ColumnWriter[];
  proven: boolean;
  failed: boolean;
  dictsProven: Set<string>;
  /** The last record batch header (the same for every batch of a plan with the same row count). */
  header?: { n: number; bytes: Uint8Array };
}

interface DictionaryUse {
  name: string;
  type: arrow.Dictionary;
  kind: ConstKind;
  distinct: unknown[];
  key: string;
}

interface Context {
  scratch: Scratch;
  dicts: Dictionaries;
  out: DictionaryUse[];
}

/** Adds one column of `frames` (n rows) to the body; false when these frames cannot be written this way. */
type ColumnWriter = (body: Body, frames: ResultFrame[], n: number, ctx: Context) => boolean;

type Tensor = Extract<Column, { kind: 'tensor' }>;

/**
 * What decides the Arrow types `logBatch` gives the frames' columns (undefined: a column only apache-arrow writes).
 * Fixed-size lists: a lone frame keeps its decoded vector's type; coalesced frames (copies) say `fixed`.
 */
function layoutSignature(frames: ResultFrame[]): string | undefined {
  let s = '';
  for (const [name, c] of frames[0]!.columns) {
    if (c.kind === 'values') {
      if (!c.constant) return undefined;
      s += `${name}:const;`;
    } else s += `${name}:${c.type}[${c.shape.join(',')}]${isFixed(c, frames.length) ? 'F' : 'L'};`;
  }
  return s;
}

const isFixed = (c: Tensor, frames: number): boolean => !!c.fixed || (frames === 1 && !!c.arrow && c.arrow.type.toString().startsWith('FixedSizeList'));

function compile(frames: ResultFrame[]): Plan | null {
  const columns: ColumnWriter[] = [timeColumn];
  for (const [name, c] of frames[0]!.columns) {
    const w = c.kind === 'values' ? constantColumn(name) : tensorColumn(name, c, isFixed(c, frames.length));
    if (!w) return null;
    columns.push(w);
  }
  return { columns, proven: false, failed: false, dictsProven: new Set() };
}

const timeColumn: ColumnWriter = (body, frames, n, { scratch }) => {
  const times = new BigInt64Array(...scratch.take(n * 8), n);
  for (let at = 0, i = 0; i < frames.length; at += frames[i]!.numRows, i++) fillTime(times, frames[i]!.time, at, at + frames[i]!.numRows);
  body.field(n);
  body.buffer([bytes(times)]);
  return true;
};

/** The same vectors as `columnVector` (runtime/encode.ts): fixed-size lists, lists, flat values or bits. */
function tensorColumn(name: string, c: Tensor, fixed: boolean): ColumnWriter | undefined {
  const w = c.shape.length === 1 ? c.shape[0]! : 1;
  const parts = (frames: ResultFrame[]): Uint8Array[] | undefined => {
    const out: Uint8Array[] = [];
    for (const f of frames) {
      const data = (f.columns.get(name) as Tensor).data;
      if (data.length !== f.numRows * w) return undefined;
      out.push(bytes(data));
    }
    return out;
  };
  if (c.type === 'bool') {
    if (c.shape.length !== 0) return undefined;
    return (body, frames, n, { scratch }) => {
      const flags = parts(frames);
      if (!flags) return false;
      let all = flags[0]!;
      if (flags.length > 1) {
        all = new Uint8Array(...scratch.take(n), n);
        for (let at = 0, i = 0; i < flags.length; at += flags[i]!.length, i++) all.set(flags[i]!, at);
      }
      body.field(n);
      body.buffer([packBits(all, new Uint8Array(...scratch.take((n + 7) >> 3), (n + 7) >> 3))]);
      return true;
    };
  }
  if (fixed && ARROW_LEAF[c.type] && c.shape.length === 1) {
    return (body, frames, n) => {
      const values = parts(frames);
      if (!values) return false;
      body.field(n);
      body.field(n * w);
      body.buffer(values);
      return true;
    };
  }
  if (!ARROW_TYPES[c.type] || c.shape.length > 1) return undefined;
  if (c.shape.length === 0) {
    return (body, frames, n) => {
      const values = parts(frames);
      if (!values) return false;
      body.field(n);
      body.buffer(values);
      return true;
    };
  }
  return (body, frames, n, { scratch }) => {
    const values = parts(frames);
    if (!values) return false;
    const offsets = new Int32Array(...scratch.take((n + 1) * 4), n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = i * w;
    body.field(n);
    body.buffer([bytes(offsets)]);
    body.field(n * w);
    body.buffer(values);
    return true;
  };
}

/** A per-request constant: int16 indices into the segment's dictionary for the column (as `logBatch` encodes it). */
function constantColumn(name: string): ColumnWriter {
  return (body, frames, n, { scratch, dicts, out }) => {
    const idx = new Int16Array(...scratch.take(n * 2), n);
    const { distinct, key } = distinctConstants(frames.map((f) => constValue(f.columns.get(name)!)), frames, idx);
    const kind = constKind(distinct);
    const type = kind && dicts.type(name, kind, false);
    if (!type) return false; // not dictionary-encoded, or not (yet) in this segment's schema
    out.push({ name, type, kind: kind!, distinct, key });
    body.field(n);
    body.buffer([bytes(idx)]);
    return true;
  };
}

const ZEROS = new Uint8Array(8);

/** One message body: its field nodes, its buffer regions (each padded to 8 bytes) and the chunks to write. */
class Body {
  readonly nodes: FieldNode[] = [];
  readonly regions: BufferRegion[] = [];
  readonly chunks: Uint8Array[] = [];
  length = 0;

  /** A field without nulls: its validity bitmap is left out (a zero-length buffer). */
  field(length: number): void {
    this.nodes.push(new FieldNode(length, 0));
    this.regions.push(new BufferRegion(this.length, 0));
  }

  buffer(parts: Uint8Array[]): void {
    let size = 0;
    for (const p of parts) {
      if (!p.byteLength) continue;
      this.chunks.push(p);
      size += p.byteLength;
    }
    const padded = (size + 7) & ~7;
    if (padded > size) this.chunks.push(ZEROS.subarray(0, padded - size));
    this.regions.push(new BufferRegion(this.length, padded));
    this.length += padded;
  }
}

/** An encapsulated IPC message: continuation marker, header length, the flatbuffer header padded to 8 bytes. */
function message(header: BatchHeader | DictionaryBatch, bodyLength: number): Uint8Array {
  const fb = Message.encode(Message.from(header, bodyLength));
  const out = new Uint8Array((fb.byteLength + 8 + 7) & ~7);
  const view = new DataView(out.buffer);
  view.setInt32(0, -1, true);
  view.setInt32(4, out.byteLength - 8, true);
  out.set(fb, 8);
  return out;
}

const bytes = (a: NumericArray | Uint8Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Memory for the buffers a message is made of besides the frames' own (times, bits, indices, offsets), reused. */
class Scratch {
  private mem = new ArrayBuffer(1 << 20);
  private at = 0;

  /** Everything taken before is no longer needed (written or copied out). */
  reset(): void {
    this.at = 0;
  }

  /** `bytes` bytes (8-aligned) as [buffer, byteOffset], for a typed array's constructor. */
  take(bytes: number): [ArrayBuffer, number] {
    const size = (bytes + 7) & ~7;
    if (this.at + size > this.mem.byteLength) {
      // Views taken earlier keep the old memory alive until written.
      this.mem = new ArrayBuffer(Math.max(2 * this.mem.byteLength, size));
      this.at = 0;
    }
    const at = this.at;
    this.at += size;
    return [this.mem, at];
  }
}
