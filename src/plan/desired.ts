import { dirname, isAbsolute, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { AnyResource } from '../model/index.js';
import { keyOf } from '../model/index.js';
import { canonicalSpec } from '../model/canonical.js';
import type { DesiredObject } from './types.js';
import { hashNormalized, normalizeSpec } from './normalize.js';
import { refsOf } from './refs.js';

export interface DesiredOptions {
  /** Absolute artifact path of a Model/Orchestration (FOUNDATION's `artifactPath`); default: relative to the manifest. */
  artifactPath?: (root: string, r: AnyResource) => string;
}

const defaultArtifactPath = (root: string, r: AnyResource) =>
  resolve(root, dirname(r.source?.file ?? '.'), String((r.spec as { path?: string }).path ?? ''));

/** The desired objects of a loaded repo: canonical specs, normal forms, hashes and references. */
export function buildDesired(root: string, resources: AnyResource[], opts: DesiredOptions = {}): DesiredObject[] {
  const objs: DesiredObject[] = resources.map((r) => {
    const workspace = r.kind === 'Workspace' ? undefined : r.metadata.workspace;
    const baseDir = resolve(root, dirname(r.source?.file ?? '.'));
    const spec = canonicalSpec(r.kind, r.spec as never);
    if (r.kind === 'Connection') absolutizeFileRefs(spec as { details?: Record<string, string> }, baseDir);
    const normalized = normalizeSpec(r.kind, spec, { baseDir });
    const o: DesiredObject = {
      key: keyOf({ kind: r.kind, workspace, name: r.metadata.name }),
      kind: r.kind,
      workspace,
      name: r.metadata.name,
      spec,
      normalized,
      specHash: hashNormalized(normalized),
      labels: { ...(r.metadata.labels ?? {}) },
      tags: r.metadata.tags?.length ? [...r.metadata.tags].sort() : undefined,
      refs: refsOf(r.kind, workspace, spec).all,
      source: r.source,
      baseDir,
      resource: r,
    };
    if (r.kind === 'Model' || r.kind === 'Orchestration') o.artifactPath = (opts.artifactPath ?? defaultArtifactPath)(root, r);
    return o;
  });
  return objs;
}

/** Hash over the spec hashes of the objects `o` is built from; `hashOf(key)` looks one up (desired, else actual). */
export function depsHashOf(o: { kind: DesiredObject['kind']; workspace?: string; spec: unknown }, hashOf: (key: string) => string | undefined): string | undefined {
  const build = refsOf(o.kind, o.workspace, o.spec).build;
  if (!build.length) return undefined;
  const h = createHash('sha256');
  for (const k of build) h.update(`${k}=${hashOf(k) ?? 'missing'}\n`);
  return h.digest('hex').slice(0, 16);
}

/** `file:` secret references are relative to the manifest; the engine resolves them later from anywhere. */
function absolutizeFileRefs(spec: { details?: Record<string, string> }, baseDir: string): void {
  for (const [k, v] of Object.entries(spec.details ?? {})) {
    if (typeof v === 'string' && v.startsWith('file:') && !isAbsolute(v.slice(5))) spec.details![k] = `file:${resolve(baseDir, v.slice(5))}`;
  }
}
