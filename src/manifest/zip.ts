import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

/** Entries never put in an orchestration zip (editor/OS/Python droppings that would change the hash). */
const SKIP = new Set(['.git', '__pycache__', '.DS_Store', 'node_modules', '.venv']);

/** Regular files under `dir`, as sorted '/'-separated relative paths. Symlinks are not followed. */
export function listFilesSorted(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      if (SKIP.has(name)) continue;
      const a = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(a);
      if (st.isDirectory()) visit(a, r);
      else if (st.isFile()) out.push(r);
    }
  };
  visit(dir, '');
  return out.sort();
}

/**
 * Zips a folder so that the same content always gives the same bytes (and so the same sha256):
 * entries sorted by path, one fixed timestamp, fixed compression level, no directory entries.
 * The DOS timestamp is built from local-time fields, so it is constructed from local fields too.
 */
export function zipFolderDeterministic(dir: string): Uint8Array {
  const mtime = new Date(1980, 0, 1, 0, 0, 0);
  const files = listFilesSorted(dir);
  // fflate writes entries in the object's key order: insertion order, except that integer-like names
  // come first — still the same order for the same set of files, which is all determinism needs.
  const tree: Zippable = {};
  for (const f of files) tree[f] = [readFileSync(join(dir, f)), { mtime, level: 6 }];
  return zipSync(tree, { mtime, level: 6 });
}
