/**
 * Orchestrations: uploaded zips (or folders, zipped deterministically) checked and stored by sha256.
 * One orchestration per (workspace, name); uploading different bytes under the same name makes a new
 * version (same id, new `sha`, new `updated_at`). Tasks pin the sha they were created with.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { JoeyError } from '../../model/index.js';
import { zipFolderDeterministic } from '../../manifest/zip.js';
import type { Store } from '../store/index.js';
import type { OrchestrationRecord } from '../tasks/types.js';
import { inspectOrchestrationZip } from './inspect.js';

export const ORCHESTRATIONS = 'orchestrations';

export interface UploadInput {
  workspaceId: number;
  /** The orchestration's name (default: the file name without `.zip`). */
  name?: string;
  /** File name to show; `-` when bytes come without one (as the platform does). */
  fileName?: string;
  bytes: Uint8Array;
  owner?: string;
  labels?: Record<string, string>;
}

export class OrchestrationService {
  constructor(private readonly store: Store) {}

  /**
   * Stores and checks a zip. The record is `ready`, or `error` with the reason — in which case the record is kept
   * (the platform lists failed uploads) and a JoeyError `orchestration_rejected` is thrown. The zip is checked
   * before the record is written, in one write, so a process killed mid-upload never leaves a record stuck in
   * `packaging` that a task could not run from (the next upload simply writes it).
   */
  async upload(input: UploadInput): Promise<OrchestrationRecord> {
    const fileName = input.fileName ?? '-';
    const name = input.name ?? (fileName !== '-' ? fileName.replace(/\.zip$/i, '') : undefined);
    if (!name) throw new JoeyError('invalid', 'an orchestration uploaded as bytes needs a name', { status: 400 });
    const sha = this.store.putBlob(input.bytes);
    let checked: Pick<OrchestrationRecord, 'status' | 'error' | 'entrypoint' | 'requirements'>;
    try {
      const layout = inspectOrchestrationZip(input.bytes);
      checked = { status: 'ready', error: null, entrypoint: layout.entrypoint, requirements: layout.requirements };
    } catch (err) {
      checked = { status: 'error', error: (err as Error).message, entrypoint: null, requirements: null };
    }
    const t = new Date().toISOString();
    const final = await this.store.withLock(() => {
      const prev = this.byName(input.workspaceId, name);
      const next: OrchestrationRecord = {
        id: prev?.id ?? randomUUID(),
        name,
        workspace_id: input.workspaceId,
        sha,
        file_name: fileName,
        ...checked,
        owner_id: input.owner ?? prev?.owner_id ?? 'local',
        task_id: null,
        created_at: prev?.created_at ?? t,
        updated_at: prev && prev.sha === sha ? prev.updated_at : t,
        labels: input.labels ?? prev?.labels ?? {},
      };
      this.store.putUnlocked(ORCHESTRATIONS, next.id, next);
      return next;
    });
    if (final.status === 'error') throw new JoeyError('orchestration_rejected', `orchestration "${name}": ${final.error}`, { status: 400 });
    return final;
  }

  /** Uploads a folder (zipped deterministically) or a `.zip` file from disk. */
  async uploadPath(path: string, opts: Omit<UploadInput, 'bytes' | 'fileName'> & { fileName?: string }): Promise<OrchestrationRecord> {
    const isDir = statSync(path).isDirectory();
    const bytes = isDir ? zipFolderDeterministic(path) : readFileSync(path);
    const fileName = opts.fileName ?? (isDir ? `${basename(path)}.zip` : basename(path));
    return this.upload({ ...opts, bytes, fileName });
  }

  get(id: string): OrchestrationRecord {
    const o = this.store.get<OrchestrationRecord>(ORCHESTRATIONS, id);
    if (!o) throw new JoeyError('not_found', `orchestration ${id} not found`, { status: 404 });
    return o;
  }

  byName(workspaceId: number, name: string): OrchestrationRecord | undefined {
    return this.store.list<OrchestrationRecord>(ORCHESTRATIONS, (o) => o.workspace_id === workspaceId && o.name === name)[0];
  }

  /** A workspace's orchestrations (all when omitted), newest `updated_at` first. */
  list(workspaceId?: number): OrchestrationRecord[] {
    return this.store
      .list<OrchestrationRecord>(ORCHESTRATIONS, (o) => workspaceId === undefined || o.workspace_id === workspaceId)
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }

  /** The zip bytes of a version. */
  zip(sha: string): Buffer {
    return this.store.readBlob(sha);
  }

  async delete(id: string): Promise<boolean> {
    return this.store.delete(ORCHESTRATIONS, id);
  }
}
