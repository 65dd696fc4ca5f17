/** The inference runtime: decode → ONNX steps (A/B, shadow) → polars validations → encode, and the DeploymentRuntime. */
export { PipelineExecutor, hashUnit, selectDataset } from './executor.js';
export type { RuntimePipeline, InferenceSink, ExecutorOptions, InferOptions } from './executor.js';
export { ModelSession } from './session.js';
export type { RuntimeModel } from './session.js';
export { decodeInput, decodeArrow, decodePandasRecords } from './decode.js';
export type { InputFormat } from './decode.js';
export { encodeArrow, encodePandasRecords, toArrowTable, f32String } from './encode.js';
export type { ResultFrame } from './encode.js';
export { Validations } from './validations.js';
export type { Frame, Column } from './frame.js';
export { EngineRuntime, pipelineLogKey, CONTENT_TYPES } from './engine-runtime.js';
export type { InferRequest, InferResponse } from './engine-runtime.js';
