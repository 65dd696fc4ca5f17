/**
 * Test helper (run as a child process): appends inference rows to a log store forever, printing
 * `acked <total>` each time a batch's acknowledgement resolves. The parent SIGKILLs it mid-stream.
 */
import { InferenceLogStore } from '../store.js';

const [dir] = process.argv.slice(2);
const store = new InferenceLogStore(dir!, { flushIntervalMs: 20 });
let acked = 0;
let i = 0;
for (;;) {
  const n = 50;
  const data = new Float32Array(n).map((_, k) => i * n + k);
  const ack = store.append('ws/p', {
    numRows: n,
    time: Date.now(),
    columns: new Map([
      ['in.x', { kind: 'tensor', type: 'float32', data, shape: [] }],
      ['metadata.pipeline_version', { kind: 'values', data: new Array(n).fill('v1'), constant: true }],
    ]),
  });
  i++;
  await ack;
  acked += n;
  process.stdout.write(`acked ${acked}\n`);
}
