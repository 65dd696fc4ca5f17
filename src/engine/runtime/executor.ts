import { JoeyError, type PipelineStep } from '../../model/index.js';
import { badInput, decodeInput, type InputFormat } from './decode.js';
import { ArrowAnswers } from './arrow-answers.js';
import { encodePandasRecords, type ResultFrame } from './encode.js';
import { cellOf, rowWidth, takeFrame, type Column, type Frame, type NumericArray } from './frame.js';
import { ModelSession, type RuntimeModel } from './session.js';
import { Validations } from './validations.js';

/** A pipeline version as the runtime runs it. */
export interface RuntimePipeline {
  /** Pipeline name (logs are kept per pipeline). */
  name: string;
  /** Pipeline version id. */
  version: string;
  steps: PipelineStep[];
  validations: Record<string, string>;
}

/** Where finished inferences go (the inference log store implements this). */
export interface InferenceSink {
  append(pipeline: string, result: ResultFrame): void;
  /** A promise to await before answering when the sink holds too much unwritten data (backpressure). */
  backpressure?(): Promise<void> | undefined;
}

export interface ExecutorOptions {
  /** Random numbers in [0, 1) for A/B tests without a hash key (tests pass a seeded one). */
  random?: () => number;
  sink?: InferenceSink;
  /** `metadata.partition` (the engine/deployment name). */
  partition?: string;
}

export interface InferOptions {
  /** Which columns to answer with: `*` (= time, in, out, anomaly), `time`, `in`, `out`, `anomaly`, `metadata`, or column names. */
  dataset?: string[];
  datasetExclude?: string[];
  /** Nanoseconds spent decoding the request (first entry of `metadata.elapsed`). */
  decodeNs?: number;
  /** Request time (epoch ms); defaults to now. */
  time?: number;
}

const now = () => process.hrtime.bigint();

/**
 * Runs one pipeline version: model steps in order (each step's outputs are the next step's inputs), A/B splits,
 * shadow deploys, then validations; answers `time, in.*, out.*, [out_<model>.*], [out._model_split], anomaly.count,
 * anomaly.<name>…, [metadata.*]`. Sessions are created once in `create` and reused for every request.
 */
export class PipelineExecutor {
  /** Arrow answers written straight from the result's columns once proven (arrow-answers.ts). */
  private readonly answers = new ArrowAnswers();

  private constructor(
    readonly pipeline: RuntimePipeline,
    private readonly sessions: Map<string, ModelSession>,
    private readonly validations: Validations,
    private readonly opts: ExecutorOptions,
  ) {}

  static async create(pipeline: RuntimePipeline, models: RuntimeModel[], opts: ExecutorOptions = {}): Promise<PipelineExecutor> {
    const validations = new Validations(pipeline.validations ?? {});
    const byName = new Map(models.map((m) => [m.name, m]));
    const sessions = new Map<string, ModelSession>();
    if (!pipeline.steps?.length) throw new JoeyError('invalid_pipeline', `pipeline "${pipeline.name}" has no steps`, { status: 400 });
    for (const name of modelNames(pipeline.steps)) {
      const m = byName.get(name);
      if (!m) throw new JoeyError('invalid_pipeline', `pipeline "${pipeline.name}" uses model "${name}", which was not given to the runtime`, { status: 400 });
      sessions.set(name, await ModelSession.load(m));
    }
    return new PipelineExecutor(pipeline, sessions, validations, opts);
  }

  /** Decodes a request body, runs it, and encodes the answer (in the request's format unless `answer` says). */
  async inferBody(body: Uint8Array | string, format: InputFormat, opts: InferOptions = {}, answer: InputFormat = format): Promise<{ body: Uint8Array | string; rows: number; result: ResultFrame }> {
    const t0 = now();
    const frame = decodeInput(body, format);
    const result = await this.infer(frame, { ...opts, decodeNs: Number(now() - t0) });
    const out = answer === 'arrow' ? this.answers.encode(result) : encodePandasRecords(result);
    return { body: out, rows: result.numRows, result };
  }

  /** Runs a decoded frame; logs the full result (all columns + metadata) and answers the selected dataset. */
  async infer(input: Frame, opts: InferOptions = {}): Promise<ResultFrame> {
    if (input.numRows === 0) throw badInput('the input has no rows');
    const time = opts.time ?? Date.now();
    const elapsed: number[] = [opts.decodeNs ?? 0];
    let data: Frame = input;
    const shadowCols = new Map<string, Column>();
    let split: Column | undefined;
    let lastModel = '';
    for (const step of this.pipeline.steps) {
      const t = now();
      if ('model' in step) {
        data = await this.session(step.model).run(data);
        lastModel = step.model;
      } else if ('abTest' in step) {
        const r = await this.abTest(step.abTest, data);
        data = r.frame;
        split = r.split;
        lastModel = r.last;
      } else if ('shadow' in step) {
        const { champion, challengers } = step.shadow;
        const [main, ...others] = await Promise.allSettled([champion, ...challengers].map((m) => this.session(m).run(data)));
        if (main!.status === 'rejected') throw main!.reason;
        data = main!.value;
        lastModel = champion;
        others.forEach((o, i) => {
          // A failing challenger never fails the request: its columns are simply absent.
          if (o.status === 'fulfilled') for (const [k, c] of o.value.columns) shadowCols.set(`out_${challengers[i]}.${k}`, c);
        });
      }
      elapsed.push(Number(now() - t));
    }

    const columns = new Map<string, Column>();
    for (const [k, c] of input.columns) columns.set(`in.${k}`, c);
    for (const k of [...data.columns.keys()]) columns.set(`out.${k}`, data.columns.get(k)!);
    for (const [k, c] of shadowCols) columns.set(k, c);
    if (split) columns.set('out._model_split', split);
    const full: ResultFrame = { numRows: input.numRows, columns, time };
    const v = this.validations.run(full);
    columns.set('anomaly.count', { kind: 'tensor', type: 'int8', data: v.count, shape: [] });
    v.names.forEach((name, i) => columns.set(`anomaly.${name}`, { kind: 'tensor', type: 'bool', data: v.flags[i]!, shape: [] }));
    const last = this.sessions.get(lastModel)!.model;
    const n = input.numRows;
    const constant = (v: unknown): Column => ({ kind: 'values', data: new Array(n).fill(v), constant: true });
    columns.set('metadata.pipeline_version', constant(this.pipeline.version));
    columns.set('metadata.elapsed', constant(elapsed));
    columns.set('metadata.last_model', constant(JSON.stringify({ model_name: last.name, model_sha: last.sha })));
    columns.set('metadata.partition', constant(this.opts.partition ?? 'engine'));
    this.opts.sink?.append(this.pipeline.name, full);
    const wait = this.opts.sink?.backpressure?.();
    if (wait) await wait;
    return selectDataset(full, opts.dataset, opts.datasetExclude);
  }

  private session(name: string): ModelSession {
    return this.sessions.get(name)!;
  }

  private modelRef(name: string): string {
    const m = this.session(name).model;
    return JSON.stringify({ name: m.name, version: m.version, sha: m.sha });
  }

  /** Champion first; weights are ratios; one random draw per request, or per row from the hash key column. */
  private async abTest(ab: Extract<PipelineStep, { abTest: unknown }>['abTest'], data: Frame): Promise<{ frame: Frame; split: Column; last: string }> {
    const models = [ab.champion, ...ab.challengers.map((c) => c.model)];
    const weights = [ab.championWeight ?? 1, ...ab.challengers.map((c) => c.weight)];
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new JoeyError('invalid_pipeline', 'A/B test weights must add up to more than 0', { status: 400 });
    const pick = (x: number): number => {
      let acc = 0;
      for (let i = 0; i < weights.length; i++) {
        acc += weights[i]! / total;
        if (x < acc) return i;
      }
      return weights.length - 1;
    };
    const n = data.numRows;
    if (!ab.hashKey) {
      const i = pick((this.opts.random ?? Math.random)());
      const frame = await this.session(models[i]!).run(data);
      return { frame, split: { kind: 'values', data: new Array(n).fill([this.modelRef(models[i]!)]), constant: true }, last: models[i]! };
    }
    const keyCol = data.columns.get(ab.hashKey);
    if (!keyCol) throw badInput(`the A/B test hashes column "${ab.hashKey}", which the input does not have (columns: ${[...data.columns.keys()].join(', ')})`);
    const choice = new Int32Array(n);
    for (let r = 0; r < n; r++) choice[r] = pick(hashUnit(cellOf(keyCol, r)));
    const parts = await Promise.all(
      models.map(async (m, i) => {
        const idx = Int32Array.from(indicesOf(choice, i));
        return idx.length ? { idx, frame: await this.session(m).run(takeFrame(data, idx)) } : undefined;
      }),
    );
    const refs = models.map((m) => [this.modelRef(m)]);
    const split: Column = { kind: 'values', data: Array.from(choice, (i) => refs[i]) };
    const used = parts.flatMap((p, i) => (p ? [i] : []));
    return { frame: scatter(parts, n), split, last: models[used[used.length - 1]!]! };
  }
}

function* indicesOf(choice: Int32Array, i: number): Generator<number> {
  for (let r = 0; r < choice.length; r++) if (choice[r] === i) yield r;
}

/**
 * Maps a hash key value to [0, 1): numbers already in [0, 1) are used as they are (the platform's rule),
 * anything else by FNV-1a of its JSON text. The same key always lands on the same model.
 */
export function hashUnit(v: unknown): number {
  if (typeof v === 'number' && v >= 0 && v < 1) return v;
  const s = typeof v === 'string' ? v : JSON.stringify(v ?? null);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

/** Puts each model's rows back in request order; models with different outputs leave nulls. */
function scatter(parts: ({ idx: Int32Array; frame: Frame } | undefined)[], n: number): Frame {
  const present = parts.filter((p): p is { idx: Int32Array; frame: Frame } => !!p);
  const names = [...new Set(present.flatMap((p) => [...p.frame.columns.keys()]))];
  const columns = new Map<string, Column>();
  for (const name of names) {
    const cols = present.map((p) => p.frame.columns.get(name));
    const c0 = cols[0];
    const same = c0?.kind === 'tensor' && cols.every((c) => c?.kind === 'tensor' && c.type === c0.type && c.shape.join() === c0.shape.join());
    if (same && c0.kind === 'tensor') {
      const w = rowWidth(c0.shape);
      const out = new (c0.data.constructor as new (k: number) => NumericArray)(n * w);
      present.forEach((p, k) => {
        const src = (cols[k] as Extract<Column, { kind: 'tensor' }>).data as Float32Array;
        p.idx.forEach((row, j) => (out as Float32Array).set(src.subarray(j * w, j * w + w), row * w));
      });
      columns.set(name, { kind: 'tensor', type: c0.type, data: out, shape: c0.shape });
    } else {
      const out = new Array<unknown>(n).fill(null);
      present.forEach((p, k) => {
        const c = cols[k];
        if (c) p.idx.forEach((row, j) => (out[row] = cellOf(c, j)));
      });
      columns.set(name, { kind: 'values', data: out });
    }
  }
  return { numRows: n, columns };
}

function modelNames(steps: PipelineStep[]): string[] {
  const out = new Set<string>();
  for (const s of steps) {
    if ('model' in s) out.add(s.model);
    else if ('abTest' in s) [s.abTest.champion, ...s.abTest.challengers.map((c) => c.model)].forEach((m) => out.add(m));
    else if ('shadow' in s) [s.shadow.champion, ...s.shadow.challengers].forEach((m) => out.add(m));
  }
  return [...out];
}

/**
 * The platform's `dataset` selection: `*` = time, in, out (incl. shadow `out_<model>.*`), anomaly; `metadata`
 * (or `meta`) adds metadata.*; any other entry names a column or a column prefix (`out.dense_1`, `metadata.elapsed`).
 */
export function selectDataset(full: ResultFrame, dataset: string[] = ['*'], exclude: string[] = []): ResultFrame {
  const wants = (name: string): boolean => {
    const top = name.startsWith('out_') ? 'out' : name.split('.')[0]!;
    for (const d of dataset) {
      if (d === '*' && (top === 'in' || top === 'out' || top === 'anomaly')) return true;
      if (d === 'meta' && top === 'metadata') return true;
      if (d === name || d === top || (d === 'out_' && name.startsWith('out_'))) return true;
      if (name.startsWith(d + '.')) return true;
    }
    return false;
  };
  const excluded = (name: string) => exclude.some((d) => d === name || name.startsWith(d + '.') || (d === 'out_' && name.startsWith('out_')));
  const columns = new Map<string, Column>();
  for (const [k, c] of full.columns) if (wants(k) && !excluded(k)) columns.set(k, c);
  const omitTime = !dataset.some((d) => d === '*' || d === 'time');
  return { numRows: full.numRows, time: full.time, columns, ...(omitTime ? { omitTime } : {}) };
}
