/**
 * What a sync does with a checked-out commit: the Kubernetes target renders and server-side applies; the engine
 * target plans and applies through the reconciler library against the embedded engine (or a joey server).
 */
import { join } from 'node:path';
import { JoeyError } from '../../src/model/index.js';
import { applyToKubernetes, renderRepo, type KubeTarget } from '../../src/providers/kubernetes/index.js';

export type DriftPolicy = 'correct' | 'warn';

export interface ReconcileReport {
  /** Objects created, updated or deleted. */
  changed: number;
  /** Objects found drifted (running state changed outside git). */
  drift: number;
  /** Drifted objects left alone (driftPolicy warn). */
  driftKept: number;
  /** One line for logs. */
  summary: string;
}

export interface ReconcileContext {
  commit: string;
  driftPolicy: DriftPolicy;
}

/** Plans and applies the manifests under `root` (a checkout of `commit`); throws on invalid manifests before touching anything. */
export type Reconciler = (root: string, ctx: ReconcileContext) => Promise<ReconcileReport>;

export interface KubernetesReconcilerOptions extends KubeTarget {
  env?: string;
  image?: string;
  instance?: string;
  prune?: boolean;
  wait?: boolean;
  timeoutMs?: number;
}

export function kubernetesReconciler(opts: KubernetesReconcilerOptions = {}): Reconciler {
  return async (root, ctx) => {
    const rendered = await renderRepo(root, { env: opts.env, image: opts.image, instance: opts.instance, namespace: opts.namespace, commit: ctx.commit });
    const r = await applyToKubernetes(rendered.objects, { ...opts, prune: opts.prune ?? true, driftPolicy: ctx.driftPolicy });
    const drift = r.changes.filter((c) => c.drift).length;
    return {
      changed: r.applied.length + r.pruned.length,
      drift,
      driftKept: r.driftKept.length,
      summary: `${r.applied.length} applied, ${r.pruned.length} pruned, ${r.summary.unchanged} unchanged${drift ? `, ${drift} drifted${r.driftKept.length ? ' (left: driftPolicy warn)' : ' (corrected)'}` : ''}`,
    };
  };
}

export interface EngineReconcilerOptions {
  /** Engine state directory (embedded engine). */
  stateDir: string;
  endpoint?: string;
  token?: string;
  env?: string;
  prune?: boolean;
}

type EngineProviderModule = {
  openEngineProvider?: (o: { stateDir: string; endpoint?: string; token?: string }) => Promise<import('../../src/apply/provider.js').Provider>;
};

/**
 * Plan + apply through the reconciler library under its state lock. With driftPolicy warn, updates of objects
 * whose manifests did not change (pure drift) are dropped from the plan and only reported.
 */
export function engineReconciler(opts: EngineReconcilerOptions): Reconciler {
  return async (root, ctx) => {
    // Loaded at run time: the engine provider belongs to the reconciler area and may be built after this file.
    const providerPath = '../../src/providers/engine/provider.js';
    const mod = (await import(providerPath).catch(() => ({}))) as EngineProviderModule;
    if (!mod.openEngineProvider) throw new JoeyError('unavailable', 'the engine provider is not available in this build; use --target kubernetes');
    const { loadDesiredRepo, planAgainst } = await import('../../src/apply/reconcile.js');
    const { detectDrift } = await import('../../src/apply/drift.js');
    const { executePlan } = await import('../../src/apply/execute.js');
    const { acquireLock } = await import('../../src/apply/lock.js');

    const repo = await loadDesiredRepo(root, { env: opts.env, stateDir: opts.stateDir });
    const provider = await mod.openEngineProvider({ stateDir: opts.stateDir, endpoint: opts.endpoint, token: opts.token });
    const lock = await acquireLock(opts.stateDir, { operation: 'controller sync', timeoutMs: 30_000 });
    try {
      const { plan, actual } = await planAgainst(repo, provider, { prune: opts.prune ?? false, env: opts.env });
      const drifted = detectDrift(actual, repo.desired).filter((d) => !d.manifestsChanged && !d.orphan);
      const driftOnly = new Set(drifted.map((d) => d.key));
      const kept = ctx.driftPolicy === 'warn' ? plan.changes.filter((c) => driftOnly.has(c.key) && c.actions[0] !== 'no-op') : [];
      const todo = { ...plan, changes: plan.changes.filter((c) => !kept.includes(c)) };
      const result = await executePlan(todo, provider, {});
      if (result.failed.length) {
        throw new JoeyError('apply_failed', `${result.failed.length} change(s) failed: ${result.failed.map((f) => `${f.key}: ${f.error}`).join('; ')}`);
      }
      return {
        changed: result.succeeded.length,
        drift: drifted.length,
        driftKept: kept.length,
        summary: `${result.succeeded.length} changed${drifted.length ? `, ${drifted.length} drifted${kept.length ? ' (left: driftPolicy warn)' : ' (corrected)'}` : ''}`,
      };
    } finally {
      lock.release();
      await provider.close?.();
    }
  };
}

export const defaultEngineState = (stateDir: string) => join(stateDir, 'engine');
