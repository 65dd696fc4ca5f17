/** Test support: write one scalar output per row into a pipeline's inference logs, as the runtime logs them. */
import type { InferenceLogStore } from '../logs/index.js';

/** Appends `values` as `out.<field>` (list<float32> of one element per row), all rows logged at `time`. */
export function appendOutputs(logs: InferenceLogStore, key: string, time: number, values: number[], field = 'variable'): Promise<void> {
  return logs.append(key, {
    time,
    numRows: values.length,
    columns: new Map([[`out.${field}`, { kind: 'tensor' as const, type: 'float32' as const, data: Float32Array.from(values), shape: [1] }]]),
  });
}
