import { BufferRegion, FieldNode, Message, RecordBatch as BatchHeader, type DictionaryBatch } from 'apache-arrow/ipc/metadata/message';
import { ARROW_LEAF, frameTimes, isFixedSizeList, packBits, type ResultFrame } from './encode.js';
import type { Column, NumericArray } from './frame.js';
import { ARROW_TYPES, listOffsets } from './validations.js';

/**
 * Arrow IPC messages written straight from frame columns, without building Arrow vectors and running them through
 * apache-arrow's writer (at batch 10,000 that costs as much as the model): the body is the columns' own buffers in
 * the order and padding apache-arrow gives them (its VectorAssembler), headers are encoded by apache-arrow's own
 * flatbuffer code (`Message.encode`). Used by Arrow answers (arrow-answers.ts) and the inference log
 * (logs/batch-messages.ts), each only for layouts whose bytes it has first seen equal apache-arrow's.
 */

/** Adds one column of `frames` (n rows) to a body; false when these frames cannot be written this way. */
export type ColumnWriter<C extends { scratch: Scratch } = { scratch: Scratch }> = (body: Body, frames: ResultFrame[], n: number, ctx: C) => boolean;

type Tensor = Extract<Column, { kind: 'tensor' }>;

/** Whether `logBatch` / `columnVector` make a tensor column a FixedSizeList: coalesced frames (copies) keep only `fixed`. */
export const isFixed = (c: Tensor, frames: number): boolean => (frames === 1 ? isFixedSizeList(c) : !!c.fixed);

/** What decides a tensor column's Arrow type. */
export const tensorSignature = (name: string, c: Tensor, frames: number): string => `${name}:${c.type}[${c.shape.join(',')}]${isFixed(c, frames) ? 'F' : 'L'};`;

/** The `time` column: every row of a frame has the frame's time (timestamp[ms]). */
export const timeColumn: ColumnWriter = (body, frames, n, { scratch }) => {
  const times = frameTimes(frames, new BigInt64Array(...scratch.take(n * 8), n));
  body.field(n);
  body.buffer([bytes(times)]);
  return true;
};

/** The same vectors as `columnVector` (runtime/encode.ts): fixed-size lists, lists, flat values or bits. */
export function tensorColumn(name: string, c: Tensor, fixed: boolean): ColumnWriter | undefined {
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
  return (body, frames, n) => {
    const values = parts(frames);
    if (!values) return false;
    body.field(n);
    body.buffer([bytes(listOffsets(n, w))]);
    body.field(n * w);
    body.buffer(values);
    return true;
  };
}

/** The record batch message of `n` rows with `body`. */
export function batchMessage(n: number, body: Body): Uint8Array {
  return message(new BatchHeader(n, body.nodes, body.regions, null), body.length);
}

const ZEROS = new Uint8Array(8);

/** One message body: its field nodes, its buffer regions (each padded to 8 bytes) and the chunks to write. */
export class Body {
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
export function message(header: BatchHeader | DictionaryBatch, bodyLength: number): Uint8Array {
  const fb = Message.encode(Message.from(header, bodyLength));
  const out = new Uint8Array((fb.byteLength + 8 + 7) & ~7);
  const view = new DataView(out.buffer);
  view.setInt32(0, -1, true);
  view.setInt32(4, out.byteLength - 8, true);
  out.set(fb, 8);
  return out;
}

export const bytes = (a: NumericArray | Uint8Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Memory for the buffers a message is made of besides the frames' own (times, bits, indices), reused. */
export class Scratch {
  private mem = new ArrayBuffer(64 << 10);
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
