import type { AnyResource, Kind, SourceRef, Diagnostic } from '../model/index.js';

/**
 * The two sides of a diff share one generic shape: identity, labels, and a spec.
 * `ActualObject` is what a provider reports; `DesiredObject` is what the manifests ask for.
 */
export interface ObjectShape {
  key: string;
  kind: Kind;
  workspace?: string;
  name: string;
  spec: unknown;
  labels: Record<string, string>;
  /** Platform tags (pipelines and models). */
  tags?: string[];
}

/** An object as a provider reads it back. `id` is the provider's own handle (optional). */
export interface ActualObject extends ObjectShape {
  id?: string;
}

/** An object as the manifests declare it, ready to diff and to apply. */
export interface DesiredObject extends ObjectShape {
  /** Canonical spec as written (secret references unresolved): what the provider is given. */
  spec: unknown;
  /** Normalized form used for the diff (defaults, quantities, no artifact path, secrets digested). */
  normalized: unknown;
  /** sha256 of `normalized`: stamped as `joey.dev/spec-hash`. */
  specHash: string;
  /** Keys of the objects this one refers to (workspace, models, deployment config, orchestration, pipeline). */
  refs: string[];
  /** Hash over the spec hashes of the objects a pipeline/task is built from (models, config, orchestration). */
  depsHash?: string;
  source?: SourceRef;
  /** Absolute path of a Model's / Orchestration's artifact. */
  artifactPath?: string;
  /** Directory of the manifest file (resolves `file:` secret references). */
  baseDir?: string;
  resource?: AnyResource;
}

export type Action = 'create' | 'update' | 'delete' | 'no-op';

/** One field that differs, by JSON path (`spec.replicas`, `spec.validations.high_fraud`). */
export interface FieldDiff {
  path: string;
  before?: unknown;
  after?: unknown;
  /** Value is a secret: rendered as (sensitive). */
  sensitive?: boolean;
  /** This field cannot change in place: it forces a replace. */
  forcesReplace?: boolean;
}

/** What the apply step needs to execute a create/update/replace without the manifests. */
export interface ChangePayload {
  spec: unknown;
  labels: Record<string, string>;
  tags?: string[];
  artifactPath?: string;
  baseDir?: string;
  specHash: string;
}

export interface Change {
  key: string;
  kind: Kind;
  workspace?: string;
  name: string;
  /** Terraform's vocabulary: ["create"], ["update"], ["delete","create"] (replace), ["delete"], ["no-op"]. */
  actions: Action[];
  /** Normalized views (metadata + spec), secrets masked; null when absent. */
  before: unknown | null;
  after: unknown | null;
  diffs: FieldDiff[];
  /** `file:line` of the manifest. */
  source?: string;
  reason?: string;
  /** Keys of changes that must finish before this one starts. */
  dependsOn: string[];
  /** Provider handle of the actual object (updates, replaces, deletes). */
  actualId?: string;
  payload?: ChangePayload;
}

export interface LeftAlone {
  key: string;
  reason: string;
}

export interface PlanSummary {
  add: number;
  change: number;
  replace: number;
  destroy: number;
  unchanged: number;
  leftAlone: number;
}

export interface Plan {
  formatVersion: '1.0';
  createdAt: string;
  root?: string;
  env?: string;
  /** The git commit the manifests came from (`none` outside git, `-dirty` suffix with local changes). */
  commit: string;
  /** Fingerprint of the actual state the plan was computed against. */
  stateFingerprint: string;
  changes: Change[];
  leftAlone: LeftAlone[];
  summary: PlanSummary;
  diagnostics: Diagnostic[];
  /** Optional predictive section (`--replay N`). */
  replay?: unknown;
}

export const kindOf = (c: Change) => c.kind;
export const isReplace = (a: Action[]) => a.length === 2 && a[0] === 'delete' && a[1] === 'create';
