import type { Change, Plan } from '../plan/types.js';
import { isReplace } from '../plan/types.js';
import type { Provider } from './provider.js';
import type { ApplyResult, Reporter } from './reporter.js';
import { silentReporter } from './reporter.js';

export interface ExecuteOptions {
  /** Independent actions run at once (default 8). */
  parallelism?: number;
  reporter?: Reporter;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function run(provider: Provider, c: Change): Promise<void> {
  const id = { key: c.key, kind: c.kind, workspace: c.workspace, name: c.name, actualId: c.actualId };
  if (c.actions[0] === 'delete' && c.actions.length === 1) return provider.delete(id);
  if (!c.payload) throw new Error(`${c.key}: the plan has no payload for ${c.actions.join(',')}`);
  const op = { ...id, payload: c.payload };
  if (isReplace(c.actions)) return provider.replace(op);
  if (c.actions[0] === 'create') return provider.create(op);
  return provider.update(op);
}

/**
 * Run a plan's actions on the dependency graph: an action starts when everything it depends on has succeeded,
 * up to `parallelism` at once. A failed action stops its dependents (reported as not attempted); the others go on.
 */
export async function executePlan(plan: Plan, provider: Provider, opts: ExecuteOptions = {}): Promise<ApplyResult> {
  const t0 = Date.now();
  const reporter = opts.reporter ?? silentReporter;
  const limit = Math.max(1, opts.parallelism ?? 8);
  const todo = plan.changes.filter((c) => c.actions[0] !== 'no-op');
  const byKey = new Map(todo.map((c) => [c.key, c]));
  const deps = new Map(todo.map((c) => [c.key, c.dependsOn.filter((d) => byKey.has(d))]));
  const dependents = new Map<string, string[]>();
  for (const [k, ds] of deps) for (const d of ds) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(k);
  const remaining = new Map([...deps].map(([k, ds]) => [k, ds.length]));

  const result: ApplyResult = { succeeded: [], failed: [], skipped: [], ms: 0 };
  const ready: string[] = todo.filter((c) => remaining.get(c.key) === 0).map((c) => c.key);
  const settled = new Set<string>();
  let running = 0;

  const skip = (key: string, blockedBy: string) => {
    if (settled.has(key)) return;
    settled.add(key);
    const c = byKey.get(key)!;
    result.skipped.push({ key, actions: c.actions, blockedBy });
    reporter.event({ type: 'skipped', key, actions: c.actions, blockedBy });
    for (const d of dependents.get(key) ?? []) skip(d, blockedBy);
  };

  await new Promise<void>((resolveAll) => {
    const pump = () => {
      while (running < limit && ready.length) {
        const key = ready.shift()!;
        if (settled.has(key)) continue;
        const c = byKey.get(key)!;
        running++;
        const started = Date.now();
        reporter.event({ type: 'start', key, actions: c.actions });
        Promise.resolve()
          .then(() => run(provider, c))
          .then(
            () => {
              settled.add(key);
              result.succeeded.push({ key, actions: c.actions });
              reporter.event({ type: 'done', key, actions: c.actions, ms: Date.now() - started });
              for (const d of dependents.get(key) ?? []) {
                const n = remaining.get(d)! - 1;
                remaining.set(d, n);
                if (n === 0) ready.push(d);
              }
            },
            (e) => {
              settled.add(key);
              result.failed.push({ key, actions: c.actions, error: message(e) });
              reporter.event({ type: 'failed', key, actions: c.actions, error: message(e) });
              for (const d of dependents.get(key) ?? []) skip(d, key);
            },
          )
          .finally(() => {
            running--;
            pump();
          });
      }
      if (running === 0 && !ready.length) resolveAll();
    };
    pump();
  });
  // Anything never reached sits behind a cycle: report it rather than hang.
  for (const c of todo) if (!settled.has(c.key)) skip(c.key, 'a dependency cycle');
  result.ms = Date.now() - t0;
  reporter.event({ type: 'summary', result });
  return result;
}
