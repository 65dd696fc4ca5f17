/**
 * The resource kinds joey manages: the one vocabulary every module speaks.
 * Field names are camelCase; the platform's own names (seeds) map 1:1.
 */
export const API_VERSION = 'joey.dev/v1';

export const KINDS = [
  'Workspace',
  'Connection',
  'Model',
  'DeploymentConfig',
  'Pipeline',
  'Orchestration',
  'Task',
  'Assay',
] as const;
export type Kind = (typeof KINDS)[number];

export interface SourceRef {
  file: string; // path relative to the repo root
  line: number; // 1-based
  col: number; // 1-based
}

export interface Metadata {
  name: string;
  /** Every kind but Workspace lives in a workspace. */
  workspace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Platform tags (pipelines and models). */
  tags?: string[];
}

export interface Resource<K extends Kind = Kind, S = KindSpec[K]> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: Metadata;
  spec: S;
  /** Where the document came from (set by the loader, never part of the spec hash). */
  source?: SourceRef;
}

// ---------------------------------------------------------------- Workspace
export type WorkspaceRole = 'owner' | 'collaborator';
export interface WorkspaceMember {
  user: string;
  role: WorkspaceRole;
}
export interface WorkspaceSpec {
  members: WorkspaceMember[];
  /** Delete objects joey created that are gone from the manifests (off by default). */
  prune: boolean;
}

// ---------------------------------------------------------------- Connection
export interface ConnectionSpec {
  type: string;
  /** Values are plain strings or secret references `env:NAME` / `file:PATH`; secrets are never printed. */
  details: Record<string, string>;
}

// ---------------------------------------------------------------- Model
export type Framework =
  | 'onnx'
  | 'tensorflow'
  | 'python'
  | 'keras'
  | 'sklearn'
  | 'pytorch'
  | 'xgboost'
  | 'hugging-face'
  | 'custom'
  | 'mlflow';

export interface ModelSpec {
  framework: Framework;
  /** Artifact path, relative to the manifest file; its sha256 is the version identity. */
  path: string;
  /** Data columns mapped to the model's inputs, in order. */
  tensorFields?: string[];
  /** `single` = one row per call (the platform's batch_config="single"); absent = batches. */
  batchConfig?: 'single';
  /** Arrow types by field name, for frameworks that need them (non-ONNX). */
  inputSchema?: Record<string, string>;
  outputSchema?: Record<string, string>;
  /** Resolved by the loader: sha256 of the artifact bytes. */
  sha256?: string;
}

// ---------------------------------------------------------------- DeploymentConfig
export interface Resources {
  cpus?: number;
  memory?: string; // Kubernetes quantity
  gpus?: number;
}
export interface Sidekick extends Resources {
  env?: Record<string, string>;
}
export interface DeploymentConfigSpec extends Resources {
  replicas?: number;
  autoscale?: { min: number; max: number; cpuUtilization?: number };
  deploymentLabel?: string;
  arch?: 'x86' | 'arm';
  lb?: { cpus?: number; memory?: string };
  sidekicks?: Record<string, Sidekick>;
}

// ---------------------------------------------------------------- Pipeline
export interface ModelStep {
  model: string;
}
export interface AbTestStep {
  abTest: {
    champion: string;
    championWeight?: number;
    challengers: { model: string; weight: number }[];
    hashKey?: string;
  };
}
export interface ShadowStep {
  shadow: { champion: string; challengers: string[] };
}
export type PipelineStep = ModelStep | AbTestStep | ShadowStep;

export interface PipelineSpec {
  steps: PipelineStep[];
  /** name → polars expression; True = anomaly. `count` is reserved. */
  validations: Record<string, string>;
  /** A DeploymentConfig name, inline config, or `false` = not deployed. */
  deployment: string | DeploymentConfigSpec | false;
}

// ---------------------------------------------------------------- Orchestration / Task
export interface OrchestrationSpec {
  /** Folder or .zip relative to the manifest, with main.py. */
  path: string;
  /** Resolved by the loader: sha256 of the deterministic zip. */
  sha256?: string;
}

export type TaskRun = 'once' | 'scheduled' | 'continuous';
export interface TaskSpec {
  orchestration: string;
  run: TaskRun;
  schedule?: string; // 5-field cron, required when run = scheduled
  timezone?: string; // IANA name, default UTC
  timeout?: number; // seconds
  args: Record<string, unknown>;
}

// ---------------------------------------------------------------- Assay
export type BinMode = 'quantile' | 'equal' | 'provided';
export type Aggregation = 'density' | 'cumulative';
export type Metric = 'psi' | 'maxdiff' | 'sumdiff';
export type AssayBaseline = { start: string; end: string } | { values: number[] } | { file: string };
export interface AssaySpec {
  pipeline: string;
  iopath: string; // "output dense_1 0"
  baseline: AssayBaseline;
  window: { width: string; interval?: string; start?: string };
  binning: { mode: BinMode; bins: number; edges?: number[]; weights?: number[] };
  aggregation: Aggregation;
  metric: Metric;
  thresholds: { warning?: number; alert: number };
  active: boolean;
}

export interface KindSpec {
  Workspace: WorkspaceSpec;
  Connection: ConnectionSpec;
  Model: ModelSpec;
  DeploymentConfig: DeploymentConfigSpec;
  Pipeline: PipelineSpec;
  Orchestration: OrchestrationSpec;
  Task: TaskSpec;
  Assay: AssaySpec;
}

export type AnyResource = { [K in Kind]: Resource<K> }[Kind];
