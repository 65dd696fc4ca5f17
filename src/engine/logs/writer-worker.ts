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

parentPort!.on('message', (m: Msg) => {
  if (m.type === 'append') {
    buffer.append(m.pipeline, m.frame).then(
      () => parentPort!.postMessage({ id: m.id }),
      (e: Error) => parentPort!.postMessage({ id: m.id, error: e.message }),
    );
  } else {
    // Resolves after the appends' acknowledgements, so a flush never overtakes them.
    (m.type === 'close' ? buffer.close() : buffer.flush()).then(
      () => parentPort!.postMessage({ id: m.id }),
      (e: Error) => parentPort!.postMessage({ id: m.id, error: e.message }),
    );
  }
});
