import ort from 'onnxruntime-node';
import { JoeyError } from '../../model/index.js';
import { badInput, type ValuesColumn } from './decode.js';
import { describeShape, rowWidth, takeFrame, type Column, type Frame, type NumericArray, type TensorType } from './frame.js';

/** What the runtime needs to know about one model version. */
export interface RuntimeModel {
  name: string;
  /** Model version id (UUID) as the engine knows it. */
  version: string;
  sha: string;
  /** Absolute path of the artifact. */
  path: string;
  framework?: string;
  /** Data columns mapped to the model's inputs, in order. */
  tensorFields?: string[];
  batchConfig?: 'single';
}

interface IoSpec {
  name: string;
  type: string;
  /** Declared dims after the batch dimension; strings are symbolic. */
  rowDims: (number | string)[];
}

const TYPED: Partial<Record<TensorType, new (n: ArrayLike<number> | number) => NumericArray>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

/** One onnxruntime session per model version, created once when a pipeline is deployed. */
export class ModelSession {
  private constructor(
    readonly model: RuntimeModel,
    private readonly session: ort.InferenceSession,
    readonly inputs: IoSpec[],
    readonly outputs: IoSpec[],
  ) {}

  static async load(model: RuntimeModel): Promise<ModelSession> {
    if (model.framework && model.framework !== 'onnx') {
      throw new JoeyError('unsupported_framework', `model "${model.name}": the local runtime serves onnx models; "${model.framework}" needs a containerized runtime`, {
        status: 400,
      });
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model.path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (e) {
      throw new JoeyError('model_load_failed', `model "${model.name}" (${model.path}) could not be loaded by onnxruntime: ${(e as Error).message}`, {
        status: 400,
        cause: e,
      });
    }
    const io = (names: readonly string[], meta: readonly ort.InferenceSession.ValueMetadata[] | undefined): IoSpec[] =>
      names.map((name, i) => {
        const m = meta?.[i] as { type?: string; shape?: (number | string)[] } | undefined;
        return { name, type: m?.type ?? 'float32', rowDims: (m?.shape ?? []).slice(1) };
      });
    const s = session as ort.InferenceSession & { inputMetadata?: ort.InferenceSession.ValueMetadata[]; outputMetadata?: ort.InferenceSession.ValueMetadata[] };
    const inputs = io(session.inputNames, s.inputMetadata);
    if (model.tensorFields && model.tensorFields.length > inputs.length) {
      throw new JoeyError('invalid_model', `model "${model.name}" has ${inputs.length} input(s) but tensorFields lists ${model.tensorFields.length}`, { status: 400 });
    }
    return new ModelSession(model, session, inputs, io(session.outputNames, s.outputMetadata));
  }

  /** The data column feeding each model input. */
  private fieldFor(i: number): string {
    return this.model.tensorFields?.[i] ?? this.inputs[i]!.name;
  }

  /** Runs the model on every row of `frame`; the answer has one column per model output, named as the output. */
  async run(frame: Frame): Promise<Frame> {
    if (this.model.batchConfig === 'single' && frame.numRows > 1) {
      const parts: Frame[] = [];
      for (let r = 0; r < frame.numRows; r++) parts.push(await this.runBatch(takeFrame(frame, Int32Array.of(r))));
      return concatFrames(parts);
    }
    return this.runBatch(frame);
  }

  private async runBatch(frame: Frame): Promise<Frame> {
    const feeds: Record<string, ort.Tensor> = {};
    this.inputs.forEach((input, i) => {
      feeds[input.name] = this.tensorFor(input, this.fieldFor(i), frame);
    });
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(feeds);
    } catch (e) {
      throw new JoeyError('inference_failed', `model "${this.model.name}" failed: ${(e as Error).message}`, { status: 400, cause: e });
    }
    const columns = new Map<string, Column>();
    for (const name of this.session.outputNames) {
      const t = out[name] as ort.Tensor;
      const dims = t.dims.map(Number);
      if (dims[0] !== frame.numRows) {
        throw new JoeyError('inference_failed', `model "${this.model.name}" returned ${dims[0]} rows for output "${name}" where the input has ${frame.numRows}`, {
          status: 500,
        });
      }
      if (t.type === 'string') columns.set(name, { kind: 'values', data: Array.from(t.data as string[]) });
      else columns.set(name, { kind: 'tensor', type: t.type as TensorType, data: t.data as NumericArray, shape: dims.slice(1) });
    }
    return { numRows: frame.numRows, columns };
  }

  private tensorFor(input: IoSpec, field: string, frame: Frame): ort.Tensor {
    const col = frame.columns.get(field);
    const where = `model "${this.model.name}" input "${input.name}"`;
    if (!col) {
      const have = [...frame.columns.keys()].map((k) => `"${k}"`).join(', ');
      const hint = this.model.tensorFields ? '' : '; map a column to it with the model\'s tensorFields';
      throw badInput(`${where} reads column "${field}", which the input does not have (columns: ${have})${hint}`);
    }
    const expected = input.rowDims.map((d) => (typeof d === 'number' && d >= 0 ? d : undefined));
    const want = `${input.type} [N${input.rowDims.map((d) => `, ${typeof d === 'number' && d >= 0 ? d : '?'}`).join('')}]`;
    if (col.kind === 'values') {
      const problem = (col as ValuesColumn).problem;
      throw badInput(`column "${field}" cannot feed ${where} (expects ${want})${problem ? `: ${problem}` : ''}`);
    }
    let shape = col.shape;
    const known = expected.every((d) => d !== undefined);
    if (expected.length !== shape.length || expected.some((d, i) => d !== undefined && d !== shape[i])) {
      // A [N] column can feed [N, 1], a [N, 2, 3] column [N, 6]: same number of values per row, reshaped.
      if (known && rowWidth(expected as number[]) === rowWidth(shape) && rowWidth(shape) > 0) shape = expected as number[];
      else throw badInput(`column "${field}" has shape ${describeShape(col.shape)} but ${where} expects ${want}`);
    }
    const data = convert(col.data, col.type, input.type, field, where);
    return new ort.Tensor(input.type as 'float32', data as Float32Array, [frame.numRows, ...shape]);
  }
}

function convert(data: NumericArray, from: TensorType, to: string, field: string, where: string): NumericArray {
  if (from === to) return data;
  if (to === 'int64' || to === 'uint64') {
    const Ctor = to === 'int64' ? BigInt64Array : BigUint64Array;
    const out = new Ctor(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (typeof v === 'number' && !Number.isInteger(v)) throw badInput(`column "${field}" holds ${v}, but ${where} takes integers`);
      out[i] = BigInt(v);
    }
    return out;
  }
  if (to === 'bool') return Uint8Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0));
  const Ctor = TYPED[to as TensorType];
  if (!Ctor) throw badInput(`${where} takes ${to} tensors, which joey cannot build from column "${field}"`);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return new Ctor(Array.from(data, Number));
  return new Ctor(data as ArrayLike<number>);
}

export function concatFrames(parts: Frame[]): Frame {
  const first = parts[0]!;
  const columns = new Map<string, Column>();
  for (const [name, c0] of first.columns) {
    const cols = parts.map((p) => p.columns.get(name)!);
    if (c0.kind === 'tensor' && cols.every((c) => c.kind === 'tensor' && c.shape.join() === c0.shape.join())) {
      const arrs = cols.map((c) => c.data as NumericArray);
      const Ctor = c0.data.constructor as new (n: number) => NumericArray;
      const out = new Ctor(arrs.reduce((a, x) => a + x.length, 0));
      let at = 0;
      for (const a of arrs) ((out as Float32Array).set(a as Float32Array, at), (at += a.length));
      columns.set(name, { kind: 'tensor', type: c0.type, data: out, shape: c0.shape });
    } else {
      columns.set(name, { kind: 'values', data: parts.flatMap((p) => valuesOf(p.columns.get(name), p.numRows)) });
    }
  }
  return { numRows: parts.reduce((a, p) => a + p.numRows, 0), columns };
}

function valuesOf(col: Column | undefined, n: number): unknown[] {
  if (!col) return new Array(n).fill(null);
  if (col.kind === 'values') return col.data;
  const w = rowWidth(col.shape);
  const out: unknown[] = [];
  for (let r = 0; r < n; r++) out.push(col.shape.length ? Array.from(col.data.subarray(r * w, r * w + w) as ArrayLike<number>) : col.data[r]);
  return out;
}
