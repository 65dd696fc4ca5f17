/**
 * Checks an orchestration zip before anything is written: safe entry names, no links or devices, entry and
 * size limits, an entrypoint, at most one requirements.txt. Pure: reads the central directory only.
 */
import { posix } from 'node:path';
import { readZipEntries, rejected, type ZipEntry } from './zip-reader.js';

export interface ZipLimits {
  maxEntries: number;
  /** Total unpacked bytes, declared and actually inflated. */
  maxUnpackedBytes: number;
}

export const DEFAULT_LIMITS: ZipLimits = { maxEntries: 10_000, maxUnpackedBytes: 1024 ** 3 };

export interface SafeEntry extends ZipEntry {
  /** Normalized relative path (no `.` or empty segments, no trailing slash). */
  path: string;
  isDir: boolean;
}

export interface OrchestrationLayout {
  entries: SafeEntry[];
  /** Relative path of the entrypoint: `main.py`, or the first `main.py` in a subfolder. */
  entrypoint: string;
  /** Relative path of the single requirements.txt, if any. */
  requirements: string | null;
  fileCount: number;
  /** Sum of the declared unpacked sizes. */
  unpackedBytes: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Normalizes an entry name, rejecting anything that could land outside the extraction folder. */
export function safeEntryPath(name: string): string {
  if (name.length === 0) throw rejected('an entry has an empty name');
  if (name.includes('\0')) throw rejected(`entry ${JSON.stringify(name)} has a NUL byte in its name`);
  if (name.includes('\\')) throw rejected(`entry "${name}" uses backslashes; zip entry names must use "/"`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw rejected(`entry "${name}" has an absolute path`);
  const parts = name.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) throw rejected(`entry "${name}" escapes the orchestration folder ("..")`);
  if (parts.length === 0) throw rejected(`entry "${name}" names no file`);
  return parts.join('/');
}

function entryKind(e: ZipEntry): 'file' | 'dir' {
  const type = e.unixMode & S_IFMT;
  if (type === S_IFLNK) throw rejected(`entry "${e.name}" is a symbolic link; links are not allowed`);
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw rejected(`entry "${e.name}" is not a regular file or folder (mode ${(e.unixMode >>> 0).toString(8)})`);
  }
  const isDir = e.name.endsWith('/') || type === S_IFDIR || (e.dosAttrs & 0x10) !== 0;
  if (isDir && e.size > 0) throw rejected(`folder entry "${e.name}" has content`);
  return isDir ? 'dir' : 'file';
}

/** Picks `main.py` at the root, else the shallowest `main.py` in a subfolder (ties by name). */
function findEntrypoint(files: string[]): string | null {
  const mains = files.filter((f) => posix.basename(f) === 'main.py');
  if (mains.length === 0) return null;
  mains.sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0));
  return mains[0];
}

export function inspectOrchestrationZip(bytes: Uint8Array, limits: ZipLimits = DEFAULT_LIMITS): OrchestrationLayout {
  const raw = readZipEntries(bytes, limits.maxEntries);
  const seen = new Set<string>();
  const entries: SafeEntry[] = [];
  let unpackedBytes = 0;
  for (const e of raw) {
    const path = safeEntryPath(e.name);
    const isDir = entryKind(e) === 'dir';
    if ((e.flags & 0x1) !== 0) throw rejected(`entry "${e.name}" is encrypted`);
    if (e.method !== 0 && e.method !== 8) throw rejected(`entry "${e.name}" uses compression method ${e.method}; only stored and deflate are supported`);
    if (!isDir) {
      if (seen.has(path)) throw rejected(`entry "${path}" appears more than once`);
      seen.add(path);
    }
    unpackedBytes += e.size;
    if (unpackedBytes > limits.maxUnpackedBytes) {
      throw rejected(`unpacks to more than ${formatBytes(limits.maxUnpackedBytes)} (declared sizes)`);
    }
    entries.push({ ...e, path, isDir });
  }
  const files = entries.filter((e) => !e.isDir).map((e) => e.path);
  for (const d of entries.filter((e) => e.isDir)) {
    if (seen.has(d.path)) throw rejected(`entry "${d.name}" is both a file and a folder`);
  }
  for (const f of files) {
    // A file may not also be the parent folder of another entry ("a" and "a/b").
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (seen.has(parts.slice(0, i).join('/'))) throw rejected(`entry "${f}" sits under a file of the same name`);
    }
  }
  const entrypoint = findEntrypoint(files);
  if (!entrypoint) throw rejected('no main.py found (at the root or in any subfolder)');
  const reqs = files.filter((f) => posix.basename(f) === 'requirements.txt');
  if (reqs.length > 1) throw rejected(`more than one requirements.txt (${reqs.join(', ')}); only one is allowed`);
  return { entries, entrypoint, requirements: reqs[0] ?? null, fileCount: files.length, unpackedBytes };
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2} MiB`;
  return `${n} bytes`;
}
