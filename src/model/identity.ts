import type { Kind } from './kinds.js';

/** Identity of an object: (kind, workspace, name). Workspaces have no workspace. */
export interface ResourceKey {
  kind: Kind;
  workspace?: string;
  name: string;
}

/** `Pipeline/fraud/ccfraud`, `Workspace/fraud`: stable, sortable, used as map keys and in output. */
export function keyOf(r: { kind: Kind; workspace?: string; name: string } | { kind: Kind; metadata: { name: string; workspace?: string } }): string {
  const k = 'metadata' in r ? { kind: r.kind, workspace: r.metadata.workspace, name: r.metadata.name } : r;
  return k.workspace ? `${k.kind}/${k.workspace}/${k.name}` : `${k.kind}/${k.name}`;
}

export function parseKey(key: string): ResourceKey {
  const parts = key.split('/');
  if (parts.length === 2) return { kind: parts[0] as Kind, name: parts[1] };
  return { kind: parts[0] as Kind, workspace: parts[1], name: parts[2] };
}
