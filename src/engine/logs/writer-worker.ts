/**
 * The inference log writer thread: receives results from the engine thread, buffers them, writes partitions
 * (serialization, write, fsync off the request path), and acknowledges each append once it is durable.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ResultFrame } from '../runtime/encode.js';
import { LogBuffer, type BufferOptions } from './buffer.js';

type Msg = { type: 'append'; id: number; pipeline: string; frame: ResultFrame } | { type: 'flush' | 'close'; id: number };

const { root, opts } = workerData as { root: string; opts: BufferOptions };
const buffer = new LogBuffer(root, opts);

/** Acknowledgements go back in one message per flush, not one per append. */
let acks: { id: number; error?: string }[] = [];
function ack(id: number, error?: string): void {
  if (!acks.length)
    queueMicrotask(() => {
      parentPort!.postMessage({ acks });
      acks = [];
    });
  acks.push(error === undefined ? { id } : { id, error });
}

parentPort!.on('message', (m: Msg) => {
  if (m.type === 'append') {
    buffer.append(m.pipeline, m.frame).then(
      () => ack(m.id),
      (e: Error) => ack(m.id, e.message),
    );
  } else {
    // Resolves after the appends' acknowledgements, so a flush never overtakes them.
    (m.type === 'close' ? buffer.close() : buffer.flush()).then(
      () => ack(m.id),
      (e: Error) => ack(m.id, e.message),
    );
  }
});
