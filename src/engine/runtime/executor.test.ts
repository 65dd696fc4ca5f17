import * as arrow from 'apache-arrow';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { describe, expect, it, vi } from 'vitest';
import { JoeyError } from '../../model/index.js';
import { decodePandasRecords, PipelineExecutor, type ResultFrame, type RuntimeModel, type RuntimePipeline } from './index.js';

const FX = new URL('../../../test/fixtures/runtime/', import.meta.url).pathname;
const ccfraud: RuntimeModel = { name: 'ccfraud', version: 'v-cc', sha: 'sha-cc', path: FX + 'ccfraud.onnx', tensorFields: ['tensor'] };
const xgb: RuntimeModel = { name: 'xgb', version: 'v-xgb', sha: 'sha-xgb', path: FX + 'xgboost_ccfraud.onnx', tensorFields: ['tensor'] };
const broken: RuntimeModel = { name: 'broken', version: 'v-b', sha: 'sha-b', path: FX + 'ccfraud.onnx', tensorFields: ['no_such_column'] };

const pipeline = (steps: RuntimePipeline['steps'], validations: Record<string, string> = {}): RuntimePipeline => ({ name: 'p', version: 'pv-1', steps, validations });
const text = (f: string) => readFileSync(FX + f, 'utf8');
const json = (r: { body: Uint8Array | string }) => JSON.parse(r.body as string) as Record<string, unknown>[];
const tensorRows = (f: string): number[][] => (JSON.parse(text(f)) as { tensor: number[] }[]).map((r) => r.tensor);

/** The model run directly on onnxruntime (no joey), for comparing answers. */
async function bare(model: string, input: string, rows: number[][]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(FX + model);
  const out = await s.run({ [input]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]) });
  return out[s.outputNames[0]!]!.data as Float32Array;
}

const errorOf = async (p: Promise<unknown>): Promise<JoeyError> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(JoeyError);
    return e as JoeyError;
  }
  throw new Error('expected a JoeyError');
};

describe('executor on the real ccfraud models', () => {
  it('smoke_test answers the value the seeds publish (0.0014974177), columns in the seeds\' order', async () => {
    const ex = await PipelineExecutor.create(pipeline([{ model: 'ccfraud' }]), [ccfraud]);
    const rows = json(await ex.inferBody(text('smoke_test.df.json'), 'json'));
    expect(Object.keys(rows[0]!)).toEqual(['time', 'in.tensor', 'out.dense_1', 'anomaly.count']);
    expect(rows[0]!['out.dense_1']).toEqual([0.0014974177]);
    expect(rows[0]!['anomaly.count']).toBe(0);
    expect(rows[0]!['in.tensor']).toEqual(tensorRows('smoke_test.df.json')[0]);
    expect(typeof rows[0]!.time).toBe('number');
  });

  it('high_fraud answers 0.981199 and the seeds\' fraud/too_low validations flag it', async () => {
    const ex = await PipelineExecutor.create(
      pipeline([{ model: 'ccfraud' }], { too_low: 'pl.col("out.dense_1").list.get(0) < 0.05', fraud: 'pl.col("out.dense_1").list.get(0) > 0.9' }),
      [ccfraud],
    );
    const [row] = json(await ex.inferBody(text('high_fraud.df.json'), 'json'));
    expect(Object.keys(row!)).toEqual(['time', 'in.tensor', 'out.dense_1', 'anomaly.count', 'anomaly.fraud', 'anomaly.too_low']);
    expect((row!['out.dense_1'] as number[])[0]).toBeCloseTo(0.981199, 6);
    expect(row!['anomaly.fraud']).toBe(true);
    expect(row!['anomaly.too_low']).toBe(false);
    expect(row!['anomaly.count']).toBe(1);
    const [low] = json(await ex.inferBody(text('smoke_test.df.json'), 'json'));
    expect([low!['anomaly.fraud'], low!['anomaly.too_low'], low!['anomaly.count']]).toEqual([false, true, 1]);
  });

  it('cc_data_10k.arrow answers in Arrow with the seeds\' published rows (0.99300325, 1.0, 0.9873102)', async () => {
    const ex = await PipelineExecutor.create(pipeline([{ model: 'ccfraud' }], { fraud: 'pl.col("out.dense_1").list.get(0) > 0.75' }), [ccfraud]);
    const r = await ex.inferBody(readFileSync(FX + 'cc_data_10k.arrow'), 'arrow');
    const t = arrow.tableFromIPC(r.body as Uint8Array);
    expect(t.numRows).toBe(10254);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['time', 'in.tensor', 'out.dense_1', 'anomaly.count', 'anomaly.fraud']);
    expect(String(t.schema.fields[0]!.type)).toBe('Timestamp<MILLISECOND>');
    expect(String(t.getChild('anomaly.count')!.type)).toBe('Int8');
    const out = (i: number) => (t.getChild('out.dense_1')!.get(i) as arrow.Vector).get(0) as number;
    for (const i of [0, 1, 2, 3]) expect(out(i)).toBeCloseTo(0.99300325, 6);
    expect(out(161)).toBeCloseTo(1.0, 6);
    expect(out(941)).toBeCloseTo(0.9873102, 6);
    // Validations agree with the outputs row by row.
    const flags = t.getChild('anomaly.fraud')!.toArray() as unknown as boolean[];
    let mism = 0;
    for (let i = 0; i < t.numRows; i++) if (Boolean(flags[i]) !== out(i) > 0.75) mism++;
    expect(mism).toBe(0);
    // Arrow input is echoed without re-encoding.
    const input = arrow.tableFromIPC(readFileSync(FX + 'cc_data_10k.arrow'));
    expect(Array.from((t.getChild('in.tensor')!.get(5) as arrow.Vector).toArray())).toEqual(Array.from((input.getChild('tensor')!.get(5) as arrow.Vector).toArray()));
  });

  it('xgboost_ccfraud answers what onnxruntime answers directly, for JSON and Arrow stream input', async () => {
    const ex = await PipelineExecutor.create(pipeline([{ model: 'xgb' }]), [xgb]);
    const rows = tensorRows('cc_data_1k.df.json').slice(0, 50);
    const expected = await bare('xgboost_ccfraud.onnx', 'feature_input', rows);
    const got = json(await ex.inferBody(JSON.stringify(rows.map((tensor) => ({ tensor }))), 'json')).map((r) => (r['out.variable'] as number[])[0]!);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const stream = arrow.tableToIPC(
      new arrow.Table({ tensor: arrow.vectorFromArray(rows, new arrow.List(new arrow.Field('item', new arrow.Float32(), true))) }),
      'stream',
    );
    const t = arrow.tableFromIPC((await ex.inferBody(stream, 'arrow')).body as Uint8Array);
    expect((t.getChild('out.variable')!.get(7) as arrow.Vector).get(0)).toBeCloseTo(expected[7]!, 6);
  });

  it('creates sessions once per deployment, never per request', async () => {
    const spy = vi.spyOn(ort.InferenceSession, 'create');
    const ex = await PipelineExecutor.create(pipeline([{ shadow: { champion: 'ccfraud', challengers: ['xgb'] } }]), [ccfraud, xgb]);
    expect(spy).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 3; i++) await ex.inferBody(text('smoke_test.df.json'), 'json');
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('metadata dataset: pipeline_version, elapsed per step, last_model', async () => {
    const ex = await PipelineExecutor.create(pipeline([{ model: 'ccfraud' }]), [ccfraud]);
    const [row] = json(await ex.inferBody(text('smoke_test.df.json'), 'json', { dataset: ['*', 'metadata'] }));
    expect(row!['metadata.pipeline_version']).toBe('pv-1');
    expect((row!['metadata.elapsed'] as number[]).length).toBe(2);
    expect(JSON.parse(row!['metadata.last_model'] as string)).toEqual({ model_name: 'ccfraud', model_sha: 'sha-cc' });
    const [only] = json(await ex.inferBody(text('smoke_test.df.json'), 'json', { dataset: ['out.dense_1'] }));
    expect(Object.keys(only!)).toEqual(['out.dense_1']);
  });
});

describe('A/B tests and shadow deploys', () => {
  const customers = Array.from({ length: 40 }, (_, i) => `cust-${i}`);
  const base = tensorRows('cc_data_1k.df.json');
  const records = (ids: string[]) => JSON.stringify(ids.map((customer, i) => ({ customer, tensor: base[i % base.length] })));

  it('hashKey: the same key always goes to the same model; outputs are that model\'s', async () => {
    const ab = pipeline([{ abTest: { champion: 'ccfraud', championWeight: 1, challengers: [{ model: 'xgb', weight: 1 }], hashKey: 'customer' } }]);
    const ex = await PipelineExecutor.create(ab, [ccfraud, xgb]);
    const first = json(await ex.inferBody(records(customers), 'json'));
    const chosen = new Map(first.map((r) => [r['in.customer'] as string, JSON.parse((r['out._model_split'] as string[])[0]!).name as string]));
    expect(new Set(chosen.values())).toEqual(new Set(['ccfraud', 'xgb']));
    // Another request, different order and batch: same assignment.
    const again = json(await ex.inferBody(records([...customers].reverse().slice(0, 25)), 'json'));
    for (const r of again) expect(JSON.parse((r['out._model_split'] as string[])[0]!).name).toBe(chosen.get(r['in.customer'] as string));
    // Each row carries its model's outputs (ccfraud: dense_1, xgb: variable).
    for (const r of first) {
      const m = chosen.get(r['in.customer'] as string);
      expect(r[m === 'ccfraud' ? 'out.dense_1' : 'out.variable']).not.toBeNull();
      expect(r[m === 'ccfraud' ? 'out.variable' : 'out.dense_1']).toBeNull();
    }
    const split = JSON.parse((first[0]!['out._model_split'] as string[])[0]!);
    expect(Object.keys(split)).toEqual(['name', 'version', 'sha']);
  });

  it('random split: weights are ratios, one draw per request, champion first', async () => {
    let x = 0;
    const draws = [0.1, 0.5, 0.7, 0.99]; // weights 2:1 → champion below 2/3
    const ab = pipeline([{ abTest: { champion: 'ccfraud', championWeight: 2, challengers: [{ model: 'xgb', weight: 1 }] } }]);
    const ex = await PipelineExecutor.create(ab, [ccfraud, xgb], { random: () => draws[x++]! });
    const picks: string[] = [];
    for (let i = 0; i < 4; i++) {
      const rows = json(await ex.inferBody(records(customers.slice(0, 3)), 'json'));
      const names = new Set(rows.map((r) => JSON.parse((r['out._model_split'] as string[])[0]!).name));
      expect(names.size).toBe(1);
      picks.push([...names][0] as string);
    }
    expect(picks).toEqual(['ccfraud', 'ccfraud', 'xgb', 'xgb']);
  });

  it('shadow: champion in out.*, challengers in out_<model>.*, a failing challenger does not fail the request', async () => {
    const sh = pipeline([{ shadow: { champion: 'ccfraud', challengers: ['xgb', 'broken'] } }], { fraud: 'pl.col("out.dense_1").list.get(0) > 0.9' });
    const ex = await PipelineExecutor.create(sh, [ccfraud, xgb, broken]);
    const [row] = json(await ex.inferBody(text('high_fraud.df.json'), 'json'));
    expect(Object.keys(row!)).toEqual(['time', 'in.tensor', 'out.dense_1', 'out_xgb.variable', 'anomaly.count', 'anomaly.fraud']);
    expect((row!['out.dense_1'] as number[])[0]).toBeCloseTo(0.981199, 6);
    const expected = await bare('xgboost_ccfraud.onnx', 'feature_input', tensorRows('high_fraud.df.json'));
    expect((row!['out_xgb.variable'] as number[])[0]).toBeCloseTo(expected[0]!, 6);
  });
});

describe('bad inputs get 400s that say what is wrong', () => {
  const mk = () => PipelineExecutor.create(pipeline([{ model: 'ccfraud' }]), [ccfraud]);
  const row = tensorRows('smoke_test.df.json')[0]!;
  const cases: [string, string | Uint8Array, 'json' | 'arrow', RegExp][] = [
    ['wrong column', JSON.stringify([{ tensr: row }]), 'json', /reads column "tensor", which the input does not have \(columns: "tensr"\)/],
    ['wrong width', JSON.stringify([{ tensor: row.slice(1) }]), 'json', /column "tensor" has shape \[N, 28\] but model "ccfraud" input "dense_input" expects float32 \[N, 29\]/],
    ['strings in a float tensor', JSON.stringify([{ tensor: [...row.slice(1), 'abc'] }]), 'json', /column "tensor".*row 0 holds a string \("abc"\) at position 28/],
    ['ragged rows', JSON.stringify([{ tensor: row }, { tensor: row.slice(2) }]), 'json', /rows have different shapes: row 1 has 27 values where row 0 has 29/],
    ['empty input', '[]', 'json', /no rows/],
    ['empty body', '', 'json', /empty/],
    ['not JSON', '{"tensor": [1,', 'json', /not valid JSON/],
    ['not records', '{"tensor": [1, 2]}', 'json', /pandas-records/],
    ['not Arrow', new Uint8Array([1, 2, 3, 4]), 'arrow', /not Arrow IPC/],
  ];
  for (const [what, body, fmt, re] of cases) {
    it(what, async () => {
      const ex = await mk();
      const e = await errorOf(ex.inferBody(body, fmt));
      expect(e.status).toBe(400);
      expect(e.message).toMatch(re);
      // The executor keeps answering after a bad request.
      expect(json(await ex.inferBody(text('smoke_test.df.json'), 'json'))[0]!['out.dense_1']).toEqual([0.0014974177]);
    });
  }
  it('a validation reading a missing column is a 400 naming it', async () => {
    const ex = await PipelineExecutor.create(pipeline([{ model: 'ccfraud' }], { v: 'pl.col("out.nope") > 1' }), [ccfraud]);
    expect((await errorOf(ex.inferBody(text('smoke_test.df.json'), 'json'))).message).toMatch(/validation "v" reads column "out.nope"/);
  });
  it('invalid validations fail at deploy time with the column', async () => {
    const e = await errorOf(PipelineExecutor.create(pipeline([{ model: 'ccfraud' }], { v: 'pl.col("a") > __import__("os")' }), [ccfraud]));
    expect(e.message).toMatch(/validation "v": column 15: unknown name "__import__"/);
  });
  it('decoding keeps JSON numbers and shapes columnar', () => {
    const f = decodePandasRecords(JSON.stringify([{ a: [[1, 2], [3, 4]], b: 5 }, { a: [[5, 6], [7, 8]], b: 6 }]));
    const a = f.columns.get('a')!;
    expect(a.kind === 'tensor' && [a.shape, Array.from(a.data as Float64Array)]).toEqual([[2, 2], [1, 2, 3, 4, 5, 6, 7, 8]]);
  });
});

export type { ResultFrame };
