import type { Kind } from '../model/index.js';
import type { FieldDiff } from './types.js';

/**
 * Fields that cannot change in place. A change to one of them replaces the object (delete, then create),
 * with the reason shown in the plan.
 */
const RULES: Record<Kind, { paths?: string[]; allBut?: string[]; why: string }> = {
  Workspace: { paths: [], why: '' },
  Connection: { paths: ['spec.type'], why: 'a connection type cannot change' },
  Model: { paths: ['spec.sha256', 'spec.framework'], why: 'a model version is identified by its artifact and framework' },
  Orchestration: { paths: ['spec.sha256'], why: 'an orchestration is identified by the sha256 of its code' },
  DeploymentConfig: { paths: [], why: '' },
  Pipeline: { paths: [], why: '' },
  // The platform has no task update: a task is killed and started again.
  Task: { allBut: ['metadata'], why: 'tasks cannot be changed in place; the task is killed and started again' },
  // Assays can only be paused/resumed in place.
  Assay: { allBut: ['metadata', 'spec.active'], why: 'assays cannot be changed in place except `active`' },
};

const under = (path: string, prefix: string) => path === prefix || path.startsWith(prefix + '.') || path.startsWith(prefix + '[');

export function forcesReplace(kind: Kind, d: FieldDiff): boolean {
  const r = RULES[kind];
  if (r.allBut) return !r.allBut.some((p) => under(d.path, p));
  return (r.paths ?? []).some((p) => under(d.path, p));
}

/** The reason for a replace, naming the fields that force it, or undefined when the change is in place. */
export function replaceReason(kind: Kind, diffs: FieldDiff[]): string | undefined {
  const forcing = diffs.filter((d) => d.forcesReplace);
  if (!forcing.length) return undefined;
  return `${forcing.map((d) => d.path).join(', ')} changed: ${RULES[kind].why}`;
}
