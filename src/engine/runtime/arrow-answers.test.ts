import * as arrow from 'apache-arrow';
import { FileBlock, Footer } from 'apache-arrow/ipc/metadata/file';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArrowAnswers } from './arrow-answers.js';
import { encodeArrow, PipelineExecutor, type RuntimeModel } from './index.js';

const FX = new URL('../../../test/fixtures/runtime/', import.meta.url).pathname;
const ccfraud: RuntimeModel = { name: 'ccfraud', version: 'v-cc', sha: 'sha-cc', path: FX + 'ccfraud.onnx', tensorFields: ['tensor'] };
const data = arrow.tableFromIPC(readFileSync(FX + 'cc_data_10k.arrow'));
/** Arrow IPC requests of `n` rows; a JSON request for the List (not FixedSizeList) layout. */
const request = (n: number, from = 0) => arrow.tableToIPC(data.slice(from, from + n), 'file');
const jsonRequest = readFileSync(FX + 'high_fraud.df.json', 'utf8');

afterEach(() => vi.restoreAllMocks());

/** The executor's answers, each with what apache-arrow makes of the same result. */
async function answers(steps: { body: Uint8Array | string; format: 'arrow' | 'json'; dataset?: string[] }[]) {
  const ex = await PipelineExecutor.create({ name: 'p', version: 'pv-1', steps: [{ model: 'ccfraud' }], validations: { fraud: 'pl.col("out.dense_1").list.get(0) > 0.9', low: 'pl.col("out.dense_1").list.get(0) < 0.001' } }, [ccfraud]);
  const out = [];
  for (const s of steps) {
    const r = await ex.inferBody(s.body, s.format, s.dataset ? { dataset: s.dataset } : {}, 'arrow');
    out.push({ mine: r.body as Uint8Array, theirs: encodeArrow(r.result), rows: r.rows });
  }
  return { out, written: (ex as unknown as { answers: ArrowAnswers }).answers.written };
}

describe('Arrow answers written straight from the result', () => {
  it('are byte for byte what apache-arrow writes: fixed and variable lists, int8, bools, odd row counts, no time', async () => {
    const { out, written } = await answers([
      { body: request(10_000), format: 'arrow' },
      { body: request(1), format: 'arrow' },
      { body: request(13, 500), format: 'arrow' },
      { body: request(10_000), format: 'arrow' },
      { body: jsonRequest, format: 'json' },
      { body: jsonRequest, format: 'json' },
      { body: request(777, 3), format: 'arrow', dataset: ['out', 'anomaly'] }, // no time column
      { body: request(778, 3), format: 'arrow', dataset: ['out', 'anomaly'] },
    ]);
    for (const a of out) expect(Buffer.from(a.mine).equals(Buffer.from(a.theirs))).toBe(true);
    expect(arrow.tableFromIPC(out[0]!.mine).numRows).toBe(10_000);
    // The first answer of each of the three layouts is apache-arrow's (and proves the layout); the rest are direct.
    expect(written).toEqual({ direct: 5, arrow: 3 });
  });

  it('leave answers with other columns (metadata strings and lists) to apache-arrow', async () => {
    const { out, written } = await answers([1, 2, 3].map((i) => ({ body: request(10 * i), format: 'arrow' as const, dataset: ['*', 'metadata'] })));
    for (const a of out) expect(Buffer.from(a.mine).equals(Buffer.from(a.theirs))).toBe(true);
    expect(written).toEqual({ direct: 0, arrow: 3 });
  });

  it('are never used for a layout whose first answer differed from apache-arrow', async () => {
    const bodies = [50, 51, 52].map((n) => request(n));
    const encode = Footer.encode.bind(Footer);
    vi.spyOn(Footer, 'encode').mockImplementationOnce((f: Footer) => {
      const wrong = new Footer(f.schema, f.version, [new FileBlock(0, 0, 0)], []);
      return encode(wrong);
    });
    const { out, written } = await answers(bodies.map((body) => ({ body, format: 'arrow' as const })));
    for (const a of out) expect(Buffer.from(a.mine).equals(Buffer.from(a.theirs))).toBe(true);
    expect(written).toEqual({ direct: 0, arrow: 3 });
  });
});
