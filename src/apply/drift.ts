import type { ActualObject, DesiredObject, FieldDiff } from '../plan/types.js';
import { isManaged, SOURCE, SPEC_HASH, COMMIT } from '../plan/labels.js';
import { hashNormalized, normalizeSpec, viewOf } from '../plan/normalize.js';
import { fieldDiffs } from '../plan/diff.js';
import { isSensitivePath } from '../plan/secrets.js';

/** An object joey manages whose running spec is no longer the one joey applied (changed outside git). */
export interface DriftItem {
  key: string;
  source?: string;
  commit?: string;
  /** The spec hash joey stamped when it applied the object. */
  appliedHash: string;
  actualHash: string;
  /** Running spec vs the manifests (when the manifests still say what was applied, this is exactly the drift). */
  diffs: FieldDiff[];
  /** The manifests changed since the last apply too: `diffs` mixes both changes. */
  manifestsChanged: boolean;
  /** The object is no longer in the manifests. */
  orphan: boolean;
}

/** Read-only: compare each managed object's running spec with the spec hash joey stamped on it. */
export function detectDrift(actual: ActualObject[], desired: DesiredObject[]): DriftItem[] {
  const want = new Map(desired.map((d) => [d.key, d]));
  const out: DriftItem[] = [];
  for (const a of actual) {
    if (!isManaged(a.labels) || !a.labels[SPEC_HASH]) continue;
    const normalized = normalizeSpec(a.kind, a.spec, { resolve: false });
    const actualHash = hashNormalized(normalized);
    if (actualHash === a.labels[SPEC_HASH]) continue;
    const d = want.get(a.key);
    const diffs = d
      ? fieldDiffs({ spec: normalized }, { spec: d.normalized }).map((x) =>
          isSensitivePath(a.kind, x.path) ? { path: x.path, before: '(sensitive)', after: '(sensitive)', sensitive: true } : x,
        )
      : [];
    out.push({
      key: a.key,
      source: a.labels[SOURCE],
      commit: a.labels[COMMIT],
      appliedHash: a.labels[SPEC_HASH]!,
      actualHash,
      diffs,
      manifestsChanged: Boolean(d && d.specHash !== a.labels[SPEC_HASH]),
      orphan: !d,
    });
  }
  return out.sort((x, y) => (x.key < y.key ? -1 : 1));
}

export function renderDriftText(items: DriftItem[]): string {
  if (!items.length) return 'No drift: every object joey manages runs the spec it applied.';
  const lines: string[] = [];
  for (const i of items) {
    lines.push(`~ ${i.key} changed outside git${i.source ? `  (${i.source})` : ''}`);
    if (i.orphan) lines.push('    # no longer in the manifests');
    if (i.manifestsChanged) lines.push('    # the manifests changed since the last apply too');
    for (const d of i.diffs) lines.push(`    ~ ${d.path}: running ${JSON.stringify(d.before) ?? '(none)'}, manifests say ${JSON.stringify(d.after) ?? '(none)'}`);
  }
  lines.push('', `Drift: ${items.length} object(s) changed outside git. \`joey apply\` puts them back.`);
  return lines.join('\n');
}

export { viewOf };
