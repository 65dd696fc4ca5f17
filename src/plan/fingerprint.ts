import { createHash } from 'node:crypto';
import { stableStringify } from '../model/canonical.js';
import type { ActualObject } from './types.js';

/**
 * A fingerprint of the actual state: identity, spec, labels and tags of every object. A saved plan records it;
 * applying the plan refuses when the state no longer has the same fingerprint.
 */
export function stateFingerprint(actual: ActualObject[]): string {
  const h = createHash('sha256');
  const sorted = [...actual].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const a of sorted) h.update(stableStringify({ k: a.key, s: a.spec, l: a.labels, t: a.tags ?? [] }) + '\n');
  return h.digest('hex');
}
