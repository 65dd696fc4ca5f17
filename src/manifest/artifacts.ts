import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { JoeyError, type AnyResource } from '../model/index.js';
import { listFilesSorted, zipFolderDeterministic } from './zip.js';

/**
 * Absolute path of a Model's or Orchestration's `spec.path` (relative to the manifest file it came from),
 * or of an Assay's `spec.baseline.file`.
 */
export function artifactPath(root: string, resource: AnyResource | { kind: string; spec: unknown; source?: { file: string } }): string {
  const spec = resource.spec as { path?: string; baseline?: { file?: string } };
  const rel = spec.path ?? spec.baseline?.file;
  if (typeof rel !== 'string') throw new JoeyError('invalid', `${resource.kind} has no artifact path (spec.path or spec.baseline.file)`);
  const manifestDir = resource.source ? dirname(resolve(root, resource.source.file)) : resolve(root);
  return resolve(manifestDir, rel);
}

export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export type ArtifactResult = { sha256: string } | { problem: string };

/** sha256 of a model file (a folder is hashed as its deterministic zip). */
export function hashModelArtifact(abs: string): ArtifactResult {
  return readable(() => memoized('model', abs, hashModel));
}

function hashModel(abs: string): ArtifactResult {
  const st = statOrNull(abs);
  if (!st) return { problem: `artifact not found: ${abs}` };
  if (st.isDirectory()) return { sha256: sha256Hex(zipFolderDeterministic(abs)) };
  return { sha256: sha256Hex(readFileSync(abs)) };
}

/**
 * sha256 of an orchestration: a folder is zipped deterministically, a `.zip` is hashed as is. Either must
 * hold a `main.py` (at the root, else in a subfolder) and at most one `requirements.txt`.
 */
export function hashOrchestration(abs: string): ArtifactResult {
  return readable(() => memoized('orchestration', abs, hashOrch));
}

function hashOrch(abs: string): ArtifactResult {
  const st = statOrNull(abs);
  if (!st) return { problem: `orchestration not found: ${abs}` };
  let names: string[];
  let bytes: Uint8Array;
  if (st.isDirectory()) {
    names = listFilesSorted(abs);
    bytes = zipFolderDeterministic(abs);
  } else if (extname(abs).toLowerCase() === '.zip') {
    bytes = readFileSync(abs);
    names = [];
    try {
      unzipSync(bytes, {
        filter: (f) => {
          names.push(f.name);
          return false; // list only, never inflate here
        },
      });
    } catch (e) {
      return { problem: `not a readable zip file (${(e as Error).message})` };
    }
  } else {
    return { problem: 'an orchestration path must be a folder or a .zip file' };
  }
  const base = (n: string) => n.split('/').pop();
  if (!names.some((n) => base(n) === 'main.py')) return { problem: 'orchestration has no main.py' };
  if (names.filter((n) => base(n) === 'requirements.txt').length > 1) return { problem: 'orchestration has more than one requirements.txt' };
  return { sha256: sha256Hex(bytes) };
}

/**
 * Hashes are memoized per process, keyed by the artifact's file signatures (inode, size, mtime and ctime in
 * nanoseconds, for every file of a folder): `plan`, controllers and tests load the same repo again and again,
 * and re-zipping unchanged folders would dominate. Any write changes ctime, so a stale hash cannot be served.
 */
const memo = new Map<string, { sig: string; sha256: string }>();

function fileSig(abs: string): string {
  const st = statSync(abs, { bigint: true });
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.isDirectory() ? 'd' : 'f'}`;
}

function signature(abs: string): string | undefined {
  const st = statOrNull(abs);
  if (!st) return undefined;
  if (!st.isDirectory()) return fileSig(abs);
  return listFilesSorted(abs)
    .map((f) => `${f}=${fileSig(join(abs, f))}`)
    .join('|');
}

function memoized(kind: string, abs: string, compute: (abs: string) => ArtifactResult): ArtifactResult {
  const key = `${kind}:${abs}`;
  const sig = signature(abs);
  const hit = memo.get(key);
  if (sig !== undefined && hit && hit.sig === sig) return { sha256: hit.sha256 };
  const result = compute(abs);
  if (sig !== undefined && 'sha256' in result) {
    if (memo.size >= 1000) memo.delete(memo.keys().next().value!);
    memo.set(key, { sig, sha256: result.sha256 });
  }
  return result;
}

/** File-system errors (permissions, a file vanishing mid-read) become a problem to report, not an exception. */
function readable(fn: () => ArtifactResult): ArtifactResult {
  try {
    return fn();
  } catch (e) {
    return { problem: `cannot read artifact: ${(e as Error).message}` };
  }
}

function statOrNull(abs: string) {
  try {
    return statSync(abs);
  } catch {
    return null;
  }
}
