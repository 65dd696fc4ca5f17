import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { JoeyError, type Kind, KINDS, keyOf, API_VERSION } from '../model/index.js';
import { canonicalSpec } from '../model/canonical.js';
import type { ActualObject, DesiredObject } from '../plan/types.js';
import { isManaged, stampLabels, userLabels } from '../plan/labels.js';
import { hashNormalized, normalizeSpec } from '../plan/normalize.js';
import type { Provider } from './provider.js';

/** Normalize a user-typed kind (`pipeline`, `Pipeline`, `deploymentconfig`). */
export function parseKind(s: string): Kind {
  const k = KINDS.find((x) => x.toLowerCase() === s.toLowerCase().replace(/[-_]/g, ''));
  if (!k) throw new JoeyError('invalid', `unknown kind "${s}" (one of ${KINDS.join(', ')})`);
  return k;
}

/**
 * Adopt an existing object: stamp it as managed by joey, with the spec hash of what runs now (so `drift` is quiet
 * and the next `plan` shows only what the manifests would change).
 */
export async function importObject(
  provider: Provider,
  kind: Kind,
  ref: string,
  opts: { commit: string; desired?: DesiredObject[] },
): Promise<{ key: string; alreadyManaged: boolean; labels: Record<string, string> }> {
  const [ws, name] = kind === 'Workspace' ? [undefined, ref] : ref.split('/');
  if (!name) throw new JoeyError('invalid', `name ${kind} objects as WORKSPACE/NAME (got "${ref}")`);
  const key = keyOf({ kind, workspace: ws, name });
  const obj = (await provider.read()).find((o) => o.key === key);
  if (!obj) throw new JoeyError('not_found', `${key} does not exist in the running state`, { status: 404 });
  const d = opts.desired?.find((x) => x.key === key);
  const specHash = hashNormalized(normalizeSpec(kind, obj.spec, { resolve: false }));
  const labels = stampLabels(obj.labels, {
    commit: opts.commit,
    specHash,
    source: d?.source ? `${d.source.file}:${d.source.line}` : undefined,
  });
  await provider.setLabels(obj, labels);
  return { key, alreadyManaged: isManaged(obj.labels), labels };
}

const FILE_DIR: Record<Kind, string> = {
  Workspace: 'workspaces',
  Connection: 'connections',
  Model: 'models',
  DeploymentConfig: 'deployment-configs',
  Pipeline: 'pipelines',
  Orchestration: 'orchestrations',
  Task: 'tasks',
  Assay: 'assays',
};

/** A manifest for a running object (the spec as it runs; secrets become `env:` references to fill in). */
export function manifestFor(o: ActualObject, artifactFile?: string): Record<string, unknown> {
  const spec = canonicalSpec(o.kind, o.spec as never) as unknown as Record<string, unknown>;
  delete spec.sha256;
  if (artifactFile) spec.path = artifactFile;
  if (o.kind === 'Connection' && spec.details && typeof spec.details === 'object') {
    const d: Record<string, string> = {};
    for (const k of Object.keys(spec.details)) d[k] = `env:${`${o.name}_${k}`.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    spec.details = d;
  }
  const labels = userLabels(o.labels);
  const metadata: Record<string, unknown> = { name: o.name };
  if (o.workspace) metadata.workspace = o.workspace;
  if (Object.keys(labels).length) metadata.labels = labels;
  if (o.tags?.length) metadata.tags = o.tags;
  return { apiVersion: API_VERSION, kind: o.kind, metadata, spec };
}

/**
 * Write manifests for every object joey does not manage into `dir` (`<kind>/<workspace>-<name>.yaml`), with
 * model/orchestration artifacts beside them when the provider can export them. Existing files are not overwritten.
 */
export async function generateManifests(provider: Provider, dir: string): Promise<{ written: string[]; skipped: string[] }> {
  const written: string[] = [];
  const skipped: string[] = [];
  for (const o of await provider.read()) {
    if (isManaged(o.labels)) continue;
    const sub = join(dir, FILE_DIR[o.kind]);
    mkdirSync(sub, { recursive: true });
    const base = o.workspace ? `${o.workspace}-${o.name}` : o.name;
    const file = join(sub, `${base}.yaml`);
    if (existsSync(file)) {
      skipped.push(file);
      continue;
    }
    let artifact: string | undefined;
    if ((o.kind === 'Model' || o.kind === 'Orchestration') && provider.exportArtifact) {
      const ext = o.kind === 'Model' ? ((o.spec as { framework?: string }).framework === 'onnx' ? '.onnx' : '.bin') : '.zip';
      if (await provider.exportArtifact(o, join(sub, base + ext))) artifact = base + ext;
    }
    const header = o.kind === 'Connection' ? '# Secret values are not exported: set the env variables named below.\n' : '';
    writeFileSync(file, header + stringify(manifestFor(o, artifact)));
    written.push(file);
  }
  return { written, skipped };
}
