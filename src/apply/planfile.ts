import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { JoeyError } from '../model/index.js';
import type { Plan } from '../plan/types.js';
import { hashModelArtifact, hashOrchestration } from '../manifest/index.js';

/** A saved plan: the plan with its payloads (what to write), for `joey apply plan.json`. */
export const PLAN_FILE_KIND = 'joey-plan';

export function savePlanFile(path: string, plan: Plan): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ kind: PLAN_FILE_KIND, ...plan }, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Is this path a saved plan rather than a repo root? */
export function looksLikePlanFile(path: string): boolean {
  if (!/\.json$/i.test(path)) return false;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { kind?: string }).kind === PLAN_FILE_KIND;
  } catch {
    return false;
  }
}

export function loadPlanFile(path: string): Plan {
  let doc: Plan & { kind?: string };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new JoeyError('invalid_plan', `cannot read plan file ${path}: ${(e as Error).message}`);
  }
  if (doc.kind !== PLAN_FILE_KIND || !Array.isArray(doc.changes)) throw new JoeyError('invalid_plan', `${path} is not a joey plan file (make one with \`joey plan --out ${path}\`)`);
  if (!String(doc.formatVersion).startsWith('1.')) throw new JoeyError('invalid_plan', `${path} has plan format ${doc.formatVersion}; this joey reads 1.x`);
  delete doc.kind;
  return doc;
}

/** A saved plan's artifacts must still have the bytes the plan was made from. */
export function verifyArtifacts(plan: Plan): void {
  for (const c of plan.changes) {
    const p = c.payload;
    if (!p?.artifactPath || (c.kind !== 'Model' && c.kind !== 'Orchestration')) continue;
    const want = (p.spec as { sha256?: string }).sha256;
    const got = c.kind === 'Model' ? hashModelArtifact(p.artifactPath) : hashOrchestration(p.artifactPath);
    if ('problem' in got) throw new JoeyError('stale_plan', `${c.key}: ${got.problem}; make a new plan`);
    if (want && got.sha256 !== want) throw new JoeyError('stale_plan', `${c.key}: ${p.artifactPath} changed since the plan was made; make a new plan`);
  }
}

/** The plan as printed by `--json`: payloads (what to write) stay in plan files only. */
export function publicPlan(plan: Plan): Plan {
  return { ...plan, changes: plan.changes.map(({ payload: _p, ...c }) => c) };
}
