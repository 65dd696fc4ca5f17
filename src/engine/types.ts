/**
 * The engine's stored objects. Field names follow the platform's API (snake_case, as in the seeds), so
 * the HTTP routes can return them unchanged. Every object has integer `id`, `labels`, `created_at`, `updated_at`.
 */
import type { DeploymentConfigSpec, Framework, WorkspaceRole } from '../model/index.js';

export type Labels = Record<string, string>;

export interface Stamped {
  id: number;
  labels: Labels;
  created_at: string;
  updated_at: string;
}

// ---------------------------------------------------------------- workspaces
export interface WorkspaceRecord extends Stamped {
  name: string;
  archived: boolean;
  created_by: string;
  members: { user: string; role: WorkspaceRole }[];
}

// ---------------------------------------------------------------- models
/** One tensor of an ONNX model as onnxruntime reports it (dims: numbers, or strings for symbolic axes). */
export interface TensorInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

export type ModelStatus = 'ready' | 'error' | 'pending_conversion';
/** `onnx` runs in joey's embedded engine; `containerized` is recorded for Kubernetes (sidekick) runtimes. */
export type ModelRuntime = 'onnx' | 'containerized';

/** A named model in a workspace; its artifacts are versions. */
export interface ModelRecord extends Stamped {
  name: string;
  workspace_id: number;
  tags: string[];
}

/** One uploaded artifact of a model. Identity: (model, sha). The same bytes again = the same version. */
export interface ModelVersionRecord extends Stamped {
  model_id: number;
  name: string;
  workspace_id: number;
  /** UUID, as the platform's model `version`. */
  version: string;
  sha: string;
  file_name: string;
  size: number;
  framework: Framework;
  runtime: ModelRuntime;
  status: ModelStatus;
  error?: string;
  arch: 'x86' | 'arm';
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  tensor_fields?: string[];
  batch_config?: 'single';
  input_schema?: Record<string, string>;
  output_schema?: Record<string, string>;
}

/** A model pinned by a pipeline version: the seeds' `{name, version, sha}`. */
export interface ModelRef {
  name: string;
  version: string;
  sha: string;
}

// ---------------------------------------------------------------- pipelines
export type PipelineStepDef =
  | { model: ModelRef }
  | { abTest: { champion: ModelRef; championWeight: number; challengers: { model: ModelRef; weight: number }[]; hashKey?: string } }
  | { shadow: { champion: ModelRef; challengers: ModelRef[] } };

export interface PipelineDefinition {
  steps: PipelineStepDef[];
  /** name → polars expression; True = anomaly. */
  validations: Record<string, string>;
}

export interface PipelineRecord extends Stamped {
  name: string;
  workspace_id: number;
  tags: string[];
  /** Newest version's id (pipeline_variant_pk_id). */
  current_version_id: number;
}

export interface PipelineVersionRecord {
  /** pipeline_variant_pk_id */
  id: number;
  pipeline_id: number;
  /** UUID (pipeline_variant_version) */
  version: string;
  definition: PipelineDefinition;
  /** sha256 of the canonical definition: a new version is made only when this changes. */
  definition_hash: string;
  created_at: string;
}

// ---------------------------------------------------------------- deployment configs, deployments
export interface DeploymentConfigRecord extends Stamped {
  name: string;
  workspace_id: number;
  spec: DeploymentConfigSpec;
}

export type DeploymentStatus = 'Starting' | 'Running' | 'Error';

export interface ModelStatusEntry extends ModelRef {
  status: 'Running' | 'Error' | 'Pending';
  reason?: string;
}

export interface DeploymentRecord extends Stamped {
  /** deploy_id: the pipeline's name. */
  name: string;
  workspace_id: number;
  pipeline_id: number;
  pipeline_version_id: number;
  /** The DeploymentConfig's name when one was used, and the effective spec. */
  config_name?: string;
  engine_config: DeploymentConfigSpec;
  deployed: boolean;
  status: DeploymentStatus;
  reason?: string;
  model_statuses: ModelStatusEntry[];
}

// ---------------------------------------------------------------- connections
export interface ConnectionRecord extends Stamped {
  name: string;
  workspace_id?: number;
  type: string;
  /** Plain values or secret references `env:NAME` / `file:PATH`. Never returned unmasked. */
  details: Record<string, string>;
}

// ---------------------------------------------------------------- auth
export interface TokenRecord {
  /** sha256 of the token; the token itself is never stored. */
  id: string;
  user: string;
  admin: boolean;
  name?: string;
  created_at: string;
}

/** Who is calling. `admin` bypasses workspace membership (the local CLI user, admin tokens). */
export interface Actor {
  user: string;
  admin: boolean;
}

export const LOCAL_ADMIN: Actor = { user: 'admin', admin: true };
