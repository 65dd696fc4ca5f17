import { createHash } from 'node:crypto';
import { canonicalSpec, stableStringify } from '../model/canonical.js';
import type { Kind } from '../model/index.js';
import { SENSITIVE } from './secrets.js';
import { userLabels } from './labels.js';

type Obj = Record<string, unknown>;

/**
 * The one normal form both sides of a diff go through, so a fresh apply followed by a plan shows nothing:
 * canonicalSpec (defaults, sorted keys, quantities/durations), no artifact path (the sha256 is the identity),
 * connection details as one digest of the details as written (never their values).
 */
export function normalizeSpec(kind: Kind, spec: unknown, _opts: { baseDir?: string; resolve?: boolean } = {}): Obj {
  const s = canonicalSpec(kind, (spec ?? {}) as Obj) as unknown as Obj;
  if (kind === 'Model' || kind === 'Orchestration') delete s.path;
  if (kind === 'Connection') {
    // Details as written (references stay references; the engine resolves them when they are used), compared by
    // one digest (the engine's `details_sha256`), keys kept so added/removed keys show (values masked).
    const details = (s.details && typeof s.details === 'object' ? s.details : {}) as Obj;
    const given = typeof s.detailsSha256 === 'string' ? s.detailsSha256 : undefined;
    s.detailsSha256 = given ?? createHash('sha256').update(stableStringify(details)).digest('hex');
    s.details = Object.fromEntries(Object.keys(details).sort().map((k) => [k, SENSITIVE]));
  }
  return s;
}

/** sha256 of a normalized spec; for every kind but Connection this equals `specHash` of the canonical model. */
export function hashNormalized(normalized: unknown): string {
  return createHash('sha256').update(stableStringify(normalized)).digest('hex');
}

/** What the diff compares: user labels, tags and the normalized spec. */
export function viewOf(o: { labels?: Record<string, string>; tags?: string[]; normalized: unknown }): Obj {
  const metadata: Obj = {};
  const labels = userLabels(o.labels);
  if (Object.keys(labels).length) metadata.labels = labels;
  if (o.tags?.length) metadata.tags = [...o.tags].sort();
  return { metadata, spec: o.normalized };
}
