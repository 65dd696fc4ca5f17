/**
 * The port through which deployments reach an inference runtime. The engine calls `load` when a
 * pipeline version is deployed (or redeployed in place) and `unload` when it is undeployed. The RUNTIME
 * area provides the real executor (src/engine/runtime); the default here only proves each ONNX model
 * loads into onnxruntime-node and releases it again.
 */
import ort from 'onnxruntime-node';
import { JoeyError } from '../model/index.js';
import type { DeploymentRecord, ModelVersionRecord, PipelineVersionRecord } from './types.js';

/** A model version with the absolute path of its artifact in the store's blob area. */
export type LoadableModel = ModelVersionRecord & { path: string };

export interface DeploymentRuntime {
  load(deployment: DeploymentRecord, pipelineVersion: PipelineVersionRecord, models: LoadableModel[]): Promise<void>;
  unload(deploymentId: number): Promise<void>;
}

/** Loads each ONNX model into an InferenceSession and releases it; rejects models it cannot run. */
export class OnnxProbeRuntime implements DeploymentRuntime {
  async load(_d: DeploymentRecord, _v: PipelineVersionRecord, models: LoadableModel[]): Promise<void> {
    for (const m of models) {
      if (m.runtime !== 'onnx')
        throw new JoeyError(
          'runtime_unsupported',
          `model ${m.name} (${m.framework}) needs a containerized runtime; the embedded engine runs ONNX models only — render it to Kubernetes`,
          { status: 422 },
        );
      const session = await ort.InferenceSession.create(m.path);
      await session.release();
    }
  }

  async unload(): Promise<void> {}
}
