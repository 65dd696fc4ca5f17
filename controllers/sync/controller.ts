/**
 * The sync controller: keeps the running state at the tip of a git branch. It fetches on an interval (and at
 * once on a push webhook), and on a new commit — or on every interval, to correct drift — plans and applies.
 * A commit that fails (invalid manifests, apply errors) marks the controller Stalled with the error; the
 * running state stays as the last good commit left it, and the next commit (or interval) tries again.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JoeyError, formatDiagnostic } from '../../src/model/index.js';
import { GitSource } from './git-source.js';
import { SyncMetrics } from './metrics.js';
import { setCondition, type SyncStatus } from './status.js';
import type { DriftPolicy, ReconcileReport, Reconciler } from './reconcilers.js';

export interface SyncControllerOptions {
  repo: string;
  branch?: string;
  /** Poll interval in ms (default 60 000). */
  intervalMs?: number;
  /** Controller state: the checkout and status.json live here. */
  stateDir: string;
  target: string;
  driftPolicy?: DriftPolicy;
  reconcile: Reconciler;
}

export interface SyncEvent {
  type: 'synced' | 'failed' | 'skipped';
  commit?: string;
  reason: string;
  ms: number;
  report?: ReconcileReport;
  error?: string;
  /** When the sync finished (ms since epoch). */
  at: number;
}

export class SyncController extends EventEmitter {
  readonly source: GitSource;
  readonly metrics: SyncMetrics;
  readonly status: SyncStatus;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again?: string;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(private readonly opts: SyncControllerOptions) {
    super();
    const branch = opts.branch ?? 'main';
    this.intervalMs = opts.intervalMs ?? 60_000;
    this.source = new GitSource(opts.repo, branch, join(opts.stateDir, 'checkout'));
    this.metrics = new SyncMetrics({ repo: opts.repo, branch, target: opts.target });
    this.status = { repo: opts.repo, branch, target: opts.target, driftPolicy: opts.driftPolicy ?? 'correct', driftObjects: 0, conditions: [] };
    setCondition(this.status.conditions, 'Ready', 'Unknown', 'Initializing', 'no sync yet');
    setCondition(this.status.conditions, 'Reconciling', 'False', 'Initializing', '');
    setCondition(this.status.conditions, 'Stalled', 'False', 'Initializing', '');
    mkdirSync(opts.stateDir, { recursive: true });
  }

  /** First sync now, then one every interval. Resolves after the first sync finished (successfully or not). */
  async start(): Promise<void> {
    await this.trigger('startup');
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.trigger('interval').finally(tick), this.intervalMs);
      this.timer.unref?.();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Sync as soon as possible. Syncs never overlap: a trigger during a sync makes exactly one more run after it,
   * so a burst of pushes costs at most two syncs. Resolves when the run that covers this trigger is done.
   */
  trigger(reason: string): Promise<void> {
    if (this.running) {
      this.again = reason; // picked up by the loop below before the running promise settles
      return this.running;
    }
    this.running = (async () => {
      let next: string | undefined = reason;
      while (next && !this.stopped) {
        this.again = undefined;
        await this.syncOnce(next);
        next = this.again;
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async syncOnce(reason: string): Promise<void> {
    const t0 = Date.now();
    this.metrics.syncs++;
    setCondition(this.status.conditions, 'Reconciling', 'True', 'Progressing', `sync (${reason})`);
    let commit: string | undefined;
    try {
      commit = await this.source.update();
      this.status.lastAttemptedCommit = commit;
      const report = await this.opts.reconcile(this.source.dir, { commit, driftPolicy: this.status.driftPolicy });
      const ms = Date.now() - t0;
      this.metrics.observeApply(ms / 1000);
      this.metrics.lastCommit = commit;
      this.metrics.drift = report.drift;
      Object.assign(this.status, { lastAppliedCommit: commit, lastSyncTime: new Date().toISOString(), lastSyncDurationMs: ms, driftObjects: report.drift, lastError: undefined });
      setCondition(this.status.conditions, 'Ready', 'True', 'ReconciliationSucceeded', `applied revision ${this.status.branch}@${commit}: ${report.summary}`);
      setCondition(this.status.conditions, 'Stalled', 'False', 'ReconciliationSucceeded', '');
      setCondition(this.status.conditions, 'Reconciling', 'False', 'ReconciliationSucceeded', '');
      this.persist();
      this.emit('sync', { type: 'synced', commit, reason, ms, report, at: Date.now() } satisfies SyncEvent);
    } catch (e) {
      const ms = Date.now() - t0;
      this.metrics.failures++;
      const err = describe(e);
      const stalledReason = e instanceof JoeyError ? reasonFor(e.code) : 'ReconciliationFailed';
      Object.assign(this.status, { lastSyncTime: new Date().toISOString(), lastSyncDurationMs: ms, lastError: err });
      const at = commit ? `revision ${this.status.branch}@${commit}` : `branch ${this.status.branch}`;
      setCondition(this.status.conditions, 'Ready', 'False', stalledReason, `${at} not applied: ${err}`);
      setCondition(this.status.conditions, 'Stalled', 'True', stalledReason, err);
      setCondition(this.status.conditions, 'Reconciling', 'False', stalledReason, '');
      this.persist();
      this.emit('sync', { type: 'failed', commit, reason, ms, error: err, at: Date.now() } satisfies SyncEvent);
    }
  }

  /** status.json beside the checkout, written atomically, for `joey controller status` readers and humans. */
  private persist(): void {
    const file = join(this.opts.stateDir, 'status.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.status, null, 2) + '\n');
    renameSync(`${file}.tmp`, file);
  }
}

function describe(e: unknown): string {
  if (e instanceof JoeyError) {
    const diags = (e.opts.diagnostics ?? []).filter((d) => d.severity === 'error').map(formatDiagnostic);
    return diags.length ? `${e.message}: ${diags.join('; ')}` : e.message;
  }
  return (e as Error)?.message ?? String(e);
}

function reasonFor(code: string): string {
  return (
    {
      invalid_manifests: 'InvalidManifests',
      git: 'ArtifactFailed',
      timeout: 'HealthCheckFailed',
      kubernetes_unreachable: 'ClusterUnreachable',
      apply_failed: 'ApplyFailed',
    }[code] ?? 'ReconciliationFailed'
  );
}
