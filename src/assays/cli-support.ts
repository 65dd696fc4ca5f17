import { dirname, join } from 'node:path';
import { JoeyError, type AssaySpec, type Resource } from '../model/index.js';

/** `WORKSPACE/ASSAY` → its parts. */
export function parseAssayTarget(target: string): { workspace: string; name: string } {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(target);
  if (!m) throw new JoeyError('invalid', `expected WORKSPACE/ASSAY, got "${target}"`);
  return { workspace: m[1]!, name: m[2]! };
}

/** An ISO 8601 time (or epoch milliseconds) from a flag. */
export function parseTimeFlag(s: string, flag: string): number {
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t)) throw new JoeyError('invalid', `--${flag}: "${s}" is not a time (ISO 8601 like 2024-02-15T16:20:00Z)`);
  return t;
}

/** The Assay resource named by WORKSPACE/ASSAY among loaded manifests, and the directory its relative paths start from. */
export function findAssay(
  resources: { kind: string; metadata: { name: string; workspace?: string }; spec: unknown; source?: { file: string } }[],
  root: string,
  workspace: string,
  name: string,
): { spec: AssaySpec; dir: string } {
  const r = resources.find((x) => x.kind === 'Assay' && x.metadata.name === name && x.metadata.workspace === workspace) as Resource<'Assay'> | undefined;
  if (!r) {
    const have = resources.filter((x) => x.kind === 'Assay').map((x) => `${x.metadata.workspace}/${x.metadata.name}`);
    throw new JoeyError('not_found', `no Assay ${workspace}/${name} in the manifests under ${root}${have.length ? ` (assays: ${have.join(', ')})` : ''}`, { status: 404 });
  }
  return { spec: r.spec, dir: r.source ? dirname(join(root, r.source.file)) : root };
}
