import { resolve } from 'node:path';
import { JoeyError, type Diagnostic } from '../model/index.js';
import { artifactPath, loadRepo } from '../manifest/index.js';
import { buildDesired } from '../plan/desired.js';
import { computePlan } from '../plan/plan.js';
import { stateFingerprint } from '../plan/fingerprint.js';
import type { ActualObject, DesiredObject, Plan } from '../plan/types.js';
import type { Provider, ReadScope } from './provider.js';
import { acquireLock } from './lock.js';
import { executePlan } from './execute.js';
import type { ApplyResult, Reporter } from './reporter.js';
import { silentReporter } from './reporter.js';
import { gitCommit } from './commit.js';
import { verifyArtifacts } from './planfile.js';

export interface DesiredRepo {
  root: string;
  desired: DesiredObject[];
  /** Warnings (errors abort). */
  diagnostics: Diagnostic[];
  commit: string;
}

/**
 * Load and validate the manifests. Any error diagnostic aborts with all of them, before anything is read or
 * touched: an unreadable repo is never taken to mean "delete everything".
 */
export async function loadDesiredRepo(root: string, opts: { env?: string; stateDir?: string } = {}): Promise<DesiredRepo> {
  const abs = resolve(root);
  const loaded = await loadRepo(abs, { env: opts.env });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    throw new JoeyError('invalid_manifests', `${errors.length} error(s) in the manifests under ${abs}: nothing was planned or changed`, {
      diagnostics: loaded.diagnostics,
    });
  }
  const desired = buildDesired(loaded.root, loaded.resources, { artifactPath: (r, res) => artifactPath(r, res) });
  return { root: loaded.root, desired, diagnostics: loaded.diagnostics, commit: await gitCommit(loaded.root, opts.stateDir) };
}

export interface PlanOptions {
  prune?: boolean;
  allowEmpty?: boolean;
  destroy?: boolean;
  env?: string;
}

/** The workspaces the manifests declare or put objects in (what a remote provider must be able to see). */
export function scopeOf(desired: { kind: string; name: string; workspace?: string }[]): ReadScope {
  return { workspaces: [...new Set(desired.map((d) => (d.kind === 'Workspace' ? d.name : d.workspace)).filter((w): w is string => !!w))] };
}

/** Read the actual state and diff the desired objects against it. */
export async function planAgainst(repo: DesiredRepo, provider: Provider, opts: PlanOptions = {}): Promise<{ plan: Plan; actual: ActualObject[] }> {
  const actual = await provider.read(scopeOf(repo.desired));
  const plan = computePlan({ desired: repo.desired, actual, commit: repo.commit, root: repo.root, env: opts.env, diagnostics: repo.diagnostics, ...opts });
  return { plan, actual };
}

export interface ApplyOptions extends PlanOptions {
  stateDir: string;
  parallelism?: number;
  lockTimeoutMs?: number;
  reporter?: Reporter;
  /** Asked once the plan is known (TTY prompt); false aborts without touching anything. */
  confirm?: (plan: Plan) => Promise<boolean>;
  operation?: string;
}

export interface ApplyOutcome {
  plan: Plan;
  /** Undefined when there was nothing to do or the user declined. */
  result?: ApplyResult;
  declined?: boolean;
}

/**
 * Plan and apply under the state lock (held for the whole run): a repo's manifests, or a saved plan that must
 * match the current state exactly.
 */
export async function applyRepo(source: { repo: DesiredRepo } | { plan: Plan }, provider: Provider, opts: ApplyOptions): Promise<ApplyOutcome> {
  const reporter = opts.reporter ?? silentReporter;
  const lock = await acquireLock(opts.stateDir, {
    operation: opts.operation ?? 'apply',
    timeoutMs: opts.lockTimeoutMs ?? 0,
    onWait: (holder) => reporter.event({ type: 'lock-wait', holder }),
  });
  if (lock.tookOverFrom) reporter.event({ type: 'lock-takeover', holder: lock.tookOverFrom });
  try {
    let plan: Plan;
    if ('plan' in source) {
      plan = source.plan;
      const now = stateFingerprint(await provider.read(scopeOf(plan.changes)));
      if (now !== plan.stateFingerprint) {
        throw new JoeyError('stale_plan', 'the actual state changed since this plan was made; nothing was applied. Run `joey plan --out` again');
      }
      verifyArtifacts(plan);
    } else {
      plan = (await planAgainst(source.repo, provider, opts)).plan;
    }
    if (!plan.changes.some((c) => c.actions[0] !== 'no-op')) return { plan };
    if (opts.confirm && !(await opts.confirm(plan))) return { plan, declined: true };
    const result = await executePlan(plan, provider, { parallelism: opts.parallelism, reporter });
    return { plan, result };
  } finally {
    lock.release();
  }
}
