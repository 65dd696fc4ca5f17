import type { ActualObject, ChangePayload } from '../plan/types.js';
import type { Kind } from '../model/index.js';

/** One object to write: its identity, the provider's handle of the existing object, and what to write. */
export interface WriteOp {
  key: string;
  kind: Kind;
  workspace?: string;
  name: string;
  /** Handle of the existing object (update, replace). */
  actualId?: string;
  payload: ChangePayload;
}

export interface DeleteOp {
  key: string;
  kind: Kind;
  workspace?: string;
  name: string;
  actualId?: string;
}

export interface ReadScope {
  workspaces?: string[];
}

/**
 * A provider is where objects live (the engine, in-process or over HTTP; Kubernetes). The reconciler reads
 * everything once, diffs, then calls these per object in dependency order. Every write carries the full label set
 * (user labels plus joey's stamps) so an object is never left unlabelled by a crash between two calls.
 */
export interface Provider {
  readonly name: string;
  /**
   * Every object, managed or not, with its labels. `scope.workspaces` names the workspaces the manifests declare
   * or use: a provider that only sees what its caller may see (a remote server) checks those it cannot see, so a
   * caller without access fails with the server's 403 instead of planning to create them.
   */
  read(scope?: ReadScope): Promise<ActualObject[]>;
  create(op: WriteOp): Promise<void>;
  update(op: WriteOp): Promise<void>;
  /** Replace an object whose immutable fields changed (delete + create, or a new version, as the provider sees fit). */
  replace(op: WriteOp): Promise<void>;
  delete(op: DeleteOp): Promise<void>;
  /** Set the labels of an existing object, leaving its spec alone (`joey import`). */
  setLabels(obj: ActualObject, labels: Record<string, string>): Promise<void>;
  /** Write a Model's / Orchestration's artifact to a file (`joey import --generate`); optional. */
  exportArtifact?(obj: ActualObject, dest: string): Promise<boolean>;
  close?(): Promise<void>;
}
