/**
 * Environment overlays: `environments/<env>/**.yaml` documents patch base documents with the same identity
 * (kind, workspace, name). Maps merge key by key, lists and scalars replace, and `null` deletes a key.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isObj(base) || !isObj(patch)) return patch === null ? undefined : structuredClone(patch);
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = isObj(v) && isObj(out[k]) ? mergePatch(out[k], v) : structuredClone(v);
  }
  return out;
}
