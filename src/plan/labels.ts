/** Labels joey stamps on every object it applies; user labels live beside them. */
export const LABEL_PREFIX = 'joey.dev/';
export const MANAGED_BY = 'joey.dev/managed-by';
export const SOURCE = 'joey.dev/source';
export const COMMIT = 'joey.dev/commit';
export const SPEC_HASH = 'joey.dev/spec-hash';
/** Hash of the spec hashes of what a pipeline/task is built from; a change means redeploy. */
export const DEPS_HASH = 'joey.dev/deps-hash';
export const MANAGER = 'joey';

export const isManaged = (labels: Record<string, string> | undefined) => labels?.[MANAGED_BY] === MANAGER;

/** Labels the user wrote (everything not under `joey.dev/`), keys sorted. */
export function userLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels ?? {}).sort()) if (!k.startsWith(LABEL_PREFIX)) out[k] = labels![k]!;
  return out;
}

export function stampLabels(
  user: Record<string, string>,
  stamp: { source?: string; commit: string; specHash: string; depsHash?: string },
): Record<string, string> {
  const out: Record<string, string> = { ...userLabels(user), [MANAGED_BY]: MANAGER, [COMMIT]: stamp.commit, [SPEC_HASH]: stamp.specHash };
  if (stamp.source) out[SOURCE] = stamp.source;
  if (stamp.depsHash) out[DEPS_HASH] = stamp.depsHash;
  return out;
}
