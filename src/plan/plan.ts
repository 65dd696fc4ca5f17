import type { Diagnostic } from '../model/index.js';
import { parseKey, keyOf } from '../model/index.js';
import type { ActualObject, Change, DesiredObject, LeftAlone, Plan, PlanSummary } from './types.js';
import { isReplace } from './types.js';
import { DEPS_HASH, isManaged, stampLabels } from './labels.js';
import { hashNormalized, normalizeSpec, viewOf } from './normalize.js';
import { fieldDiffs } from './diff.js';
import { forcesReplace, replaceReason } from './immutable.js';
import { isSensitivePath, maskView } from './secrets.js';
import { KIND_ORDER, refsOf } from './refs.js';
import { depsHashOf } from './desired.js';
import { stateFingerprint } from './fingerprint.js';

export interface PlanInput {
  desired: DesiredObject[];
  actual: ActualObject[];
  /** The git commit stamped on applied objects. */
  commit: string;
  /** `--prune`: delete managed objects gone from the manifests in every workspace. */
  prune?: boolean;
  /** `--allow-empty`: an empty manifest set may delete (with prune). */
  allowEmpty?: boolean;
  /** `destroy`: delete every object joey manages. */
  destroy?: boolean;
  root?: string;
  env?: string;
  diagnostics?: Diagnostic[];
}

const srcOf = (d: DesiredObject) => (d.source ? `${d.source.file}:${d.source.line}` : undefined);
const rank = (c: { kind: Change['kind'] }) => KIND_ORDER[c.kind];
const byOrder = (a: Change, b: Change) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Actual objects with their normal forms, computed once. */
interface ActualN extends ActualObject {
  normalized: Record<string, unknown>;
}

/** Diff the desired objects against the actual ones: the plan, with dependency order and guard rails. */
export function computePlan(input: PlanInput): Plan {
  const actual = new Map<string, ActualN>();
  for (const a of input.actual) actual.set(a.key, { ...a, normalized: normalizeSpec(a.kind, a.spec, { resolve: false }) });
  const desired = new Map<string, DesiredObject>();
  for (const d of input.destroy ? [] : input.desired) desired.set(d.key, d);

  const hashOf = (key: string) => desired.get(key)?.specHash ?? (actual.has(key) ? hashNormalized(actual.get(key)!.normalized) : undefined);
  const changes = new Map<string, Change>();
  const leftAlone: LeftAlone[] = [];

  // Creates, updates, replaces, no-ops.
  for (const d of desired.values()) {
    d.depsHash = depsHashOf(d, hashOf);
    const a = actual.get(d.key);
    const after = viewOf(d);
    const base = { key: d.key, kind: d.kind, workspace: d.workspace, name: d.name, source: srcOf(d), dependsOn: [] as string[] };
    const payload = {
      spec: d.spec,
      labels: stampLabels(d.labels, { source: srcOf(d), commit: input.commit, specHash: d.specHash, depsHash: d.depsHash }),
      tags: d.tags,
      artifactPath: d.artifactPath,
      baseDir: d.baseDir,
      specHash: d.specHash,
    };
    if (!a) {
      const diffs = fieldDiffs({ metadata: {}, spec: {} }, after).map((x) => ({ ...x, sensitive: isSensitivePath(d.kind, x.path) || undefined }));
      changes.set(d.key, { ...base, actions: ['create'], before: null, after, diffs, payload });
      continue;
    }
    const before = viewOf(a);
    const diffs = fieldDiffs(before, after).map((x) => {
      const fr = forcesReplace(d.kind, x);
      return { ...x, ...(isSensitivePath(d.kind, x.path) ? { sensitive: true } : {}), ...(fr ? { forcesReplace: true } : {}) };
    });
    const managed = isManaged(a.labels);
    const depsChanged = d.depsHash !== undefined && a.labels[DEPS_HASH] !== d.depsHash;
    if (!diffs.length && !depsChanged && managed) {
      changes.set(d.key, { ...base, actions: ['no-op'], before, after, diffs, actualId: a.id });
      continue;
    }
    const why = replaceReason(d.kind, diffs);
    const reasons: string[] = [];
    if (!managed) reasons.push('exists but is not labelled as managed by joey: it is adopted');
    if (why) reasons.push(why);
    changes.set(d.key, {
      ...base,
      actions: why ? ['delete', 'create'] : ['update'],
      before,
      after,
      diffs,
      reason: reasons.join('; ') || undefined,
      actualId: a.id,
      payload,
    });
    if (depsChanged && !why) (changes.get(d.key) as Change & { _deps?: boolean })._deps = true;
  }

  // Objects gone from the manifests: delete only what joey manages, only with prune, never on an empty set.
  const emptySet = !input.destroy && input.desired.length === 0;
  const workspacePrune = (ws: string | undefined) => {
    if (!ws) return false;
    const w = desired.get(keyOf({ kind: 'Workspace', name: ws }));
    return Boolean(w && (w.spec as { prune?: boolean }).prune);
  };
  const deleting = new Set<string>();
  for (const a of actual.values()) {
    if (desired.has(a.key) || !isManaged(a.labels)) continue;
    let reason: string | undefined;
    if (input.destroy) reason = undefined;
    else if (emptySet && !input.allowEmpty) reason = 'the manifest set is empty: nothing is deleted without --allow-empty';
    else if (!input.prune && !workspacePrune(a.kind === 'Workspace' ? a.name : a.workspace)) {
      reason =
        a.kind === 'Workspace'
          ? 'not in the manifests; prune is off (pass --prune)'
          : `not in the manifests; prune is off (set \`prune: true\` on Workspace ${a.workspace} or pass --prune)`;
    }
    if (reason) leftAlone.push({ key: a.key, reason });
    else deleting.add(a.key);
  }
  // A workspace is deleted only when everything in it goes too.
  for (const key of [...deleting]) {
    const k = parseKey(key);
    if (k.kind !== 'Workspace') continue;
    const stays = [...actual.values()].filter((a) => a.workspace === k.name && !deleting.has(a.key));
    if (stays.length) {
      deleting.delete(key);
      leftAlone.push({ key, reason: `still holds ${stays.length} object(s) joey does not delete (${stays.slice(0, 3).map((s) => s.key).join(', ')})` });
    }
  }
  for (const key of deleting) {
    const a = actual.get(key)!;
    changes.set(key, {
      key,
      kind: a.kind,
      workspace: a.workspace,
      name: a.name,
      actions: ['delete'],
      before: viewOf(a),
      after: null,
      diffs: [],
      source: a.labels['joey.dev/source'],
      reason: input.destroy ? 'destroy' : 'not in the manifests; prune is on',
      dependsOn: [],
      actualId: a.id,
    });
  }

  // Dependency edges between changes: creates/updates after what they refer to; deletes after what refers to them.
  const active = (k: string) => {
    const c = changes.get(k);
    return c && c.actions[0] !== 'no-op' ? c : undefined;
  };
  for (const c of changes.values()) {
    if (c.actions[0] === 'no-op' || c.actions[0] === 'delete' && c.actions.length === 1) continue;
    const d = desired.get(c.key)!;
    c.dependsOn = d.refs.filter((r) => {
      const x = active(r);
      return x !== undefined && !(x.actions.length === 1 && x.actions[0] === 'delete');
    });
  }
  const referrers = new Map<string, string[]>();
  for (const a of actual.values()) {
    for (const r of refsOf(a.kind, a.workspace, a.spec).all) {
      if (!referrers.has(r)) referrers.set(r, []);
      referrers.get(r)!.push(a.key);
    }
  }
  for (const key of deleting) {
    const c = changes.get(key)!;
    c.dependsOn = (referrers.get(key) ?? []).filter((r) => active(r));
  }
  // Reason for a rebuild caused by a dependency (a replaced model, a changed deployment config).
  for (const c of changes.values() as Iterable<Change & { _deps?: boolean }>) {
    if (!c._deps) continue;
    delete c._deps;
    const changed = refsOf(c.kind, c.workspace, desired.get(c.key)!.spec).build.filter((r) => active(r));
    const why = changed.length ? `rebuilt because ${changed.join(', ')} changes` : 'rebuilt because an object it uses changed since the last apply';
    c.reason = c.reason ? `${c.reason}; ${why}` : why;
  }

  // Secrets never leave the plan unmasked.
  const list = [...changes.values()].sort(byOrder);
  for (const c of list) {
    c.before = maskView(c.kind, c.before);
    c.after = maskView(c.kind, c.after);
    for (const d of c.diffs) if (d.sensitive) {
      if ('before' in d) d.before = '(sensitive)';
      if ('after' in d) d.after = '(sensitive)';
    }
  }
  return {
    formatVersion: '1.0',
    createdAt: new Date().toISOString(),
    root: input.root,
    env: input.env,
    commit: input.commit,
    stateFingerprint: stateFingerprint(input.actual),
    changes: list,
    leftAlone: leftAlone.sort((a, b) => (a.key < b.key ? -1 : 1)),
    summary: summarize(list, leftAlone.length),
    diagnostics: input.diagnostics ?? [],
  };
}

export function summarize(changes: Change[], leftAlone = 0): PlanSummary {
  const s: PlanSummary = { add: 0, change: 0, replace: 0, destroy: 0, unchanged: 0, leftAlone };
  for (const c of changes) {
    if (isReplace(c.actions)) s.replace++;
    else if (c.actions[0] === 'create') s.add++;
    else if (c.actions[0] === 'update') s.change++;
    else if (c.actions[0] === 'delete') s.destroy++;
    else s.unchanged++;
  }
  return s;
}

export const hasChanges = (p: Plan) => p.changes.some((c) => c.actions[0] !== 'no-op');
