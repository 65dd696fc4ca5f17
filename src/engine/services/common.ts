import { JoeyError } from '../../model/index.js';
import type { Store } from '../store/index.js';
import type { Labels, ModelRef, PipelineDefinition } from '../types.js';

export const now = () => new Date().toISOString();

/** Next integer id for a kind (the platform's `*_pk_id`s). Call inside `store.withLock`. */
export function nextId(store: Store, kind: string): number {
  const counters = store.get<Record<string, number>>('counters', 'ids') ?? {};
  const id = (counters[kind] ?? 0) + 1;
  store.putUnlocked('counters', 'ids', { ...counters, [kind]: id });
  return id;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The platform's naming rule: lowercase ASCII alphanumerics and '-', no '.' or '_' (maps onto Kubernetes names). */
export function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || !name) throw new JoeyError('invalid', `${what} name is required`, { status: 400 });
  if (name.length > 63 || !DNS_LABEL.test(name))
    throw new JoeyError('invalid', `${what} name ${JSON.stringify(name)} must be lowercase letters, digits and '-' (no '.' or '_'), at most 63 characters`, { status: 400 });
  return name;
}

export function checkLabels(labels: unknown): Labels {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object' || Array.isArray(labels)) throw new JoeyError('invalid', 'labels must be an object of strings', { status: 400 });
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') throw new JoeyError('invalid', `label ${JSON.stringify(k)} must be a string`, { status: 400 });
    if (!k || k.length > 253) throw new JoeyError('invalid', `bad label key ${JSON.stringify(k)}`, { status: 400 });
  }
  return { ...(labels as Labels) };
}

export function checkTags(tags: unknown): string[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || !t)) throw new JoeyError('invalid', 'tags must be a list of non-empty strings', { status: 400 });
  return [...new Set(tags as string[])].sort();
}

export const notFoundError = (what: string) => new JoeyError('not_found', `${what} not found`, { status: 404 });

/** Every model version a pipeline definition uses, once each, in step order. */
export function modelRefsOf(def: PipelineDefinition): ModelRef[] {
  const seen = new Map<string, ModelRef>();
  const add = (r: ModelRef) => seen.set(`${r.name}@${r.sha}`, r);
  for (const s of def.steps) {
    if ('model' in s) add(s.model);
    else if ('abTest' in s) [s.abTest.champion, ...s.abTest.challengers.map((c) => c.model)].forEach(add);
    else [s.shadow.champion, ...s.shadow.challengers].forEach(add);
  }
  return [...seen.values()];
}
