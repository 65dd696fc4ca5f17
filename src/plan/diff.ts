import { stableStringify } from '../model/canonical.js';
import type { FieldDiff } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (IDENT.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

export const deepEqual = (a: unknown, b: unknown) => a === b || stableStringify(a) === stableStringify(b);

/**
 * Field-level differences between two normalized documents, as JSON paths. Objects are compared key by key,
 * arrays of equal length element by element; anything else is reported whole at its path.
 */
export function fieldDiffs(before: unknown, after: unknown, path = ''): FieldDiff[] {
  if (deepEqual(before, after)) return [];
  if (isObj(before) && isObj(after)) {
    const out: FieldDiff[] = [];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) out.push(...fieldDiffs(before[k], after[k], joinPath(path, k)));
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    const out: FieldDiff[] = [];
    before.forEach((b, i) => out.push(...fieldDiffs(b, after[i], joinPath(path, i))));
    return out;
  }
  const d: FieldDiff = { path };
  if (before !== undefined) d.before = before;
  if (after !== undefined) d.after = after;
  return [d];
}
