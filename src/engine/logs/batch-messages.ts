import type * as arrow from 'apache-arrow';
import { DictionaryBatch, RecordBatch as BatchHeader } from 'apache-arrow/ipc/metadata/message';
import type { ResultFrame } from '../runtime/encode.js';
import { batchMessage, Body, bytes, isFixed, message, Scratch, tensorColumn, tensorSignature, timeColumn, type ColumnWriter } from '../runtime/ipc-messages.js';
import { constKind, constValue, dictionaryBuffers, distinctConstants, type ConstKind, type Dictionaries } from './batch.js';

/**
 * Log record batches as Arrow IPC stream messages written straight from the frames (runtime/ipc-messages.ts) for
 * the columns inference frames have — `time`, numeric tensors, bool flags and the per-request constants,
 * dictionary-encoded as `logBatch` does; frames with anything else are written by apache-arrow.
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
    const changed = (byArrow: boolean) => dicts.filter((d) => !this.dicts.isCurrent(d.type, d.key, byArrow));
    let fresh = changed(false);
    const proven = plan.proven && fresh.every((d) => plan.dictsProven.has(d.name));
    if (!proven) fresh = changed(true); // what apache-arrow is about to write, to compare with
    const chunks: Uint8Array[] = [];
    for (const d of fresh) chunks.push(...this.dictionaryMessage(d));
    // Proven: these are now the segment's dictionaries. Otherwise apache-arrow is about to make them so.
    if (proven) for (const d of fresh) this.dicts.use(d.type, d.distinct, d.key);
    if (plan.header?.n !== n) plan.header = { n, bytes: batchMessage(n, body) };
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
  columns: LogColumnWriter[];
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

type LogColumnWriter = ColumnWriter<Context>;

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
    } else s += tensorSignature(name, c, frames.length);
  }
  return s;
}

function compile(frames: ResultFrame[]): Plan | null {
  const columns: LogColumnWriter[] = [timeColumn];
  for (const [name, c] of frames[0]!.columns) {
    const w = c.kind === 'values' ? constantColumn(name) : tensorColumn(name, c, isFixed(c, frames.length));
    if (!w) return null;
    columns.push(w);
  }
  return { columns, proven: false, failed: false, dictsProven: new Set() };
}

/** A per-request constant: int16 indices into the segment's dictionary for the column (as `logBatch` encodes it). */
function constantColumn(name: string): LogColumnWriter {
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

