import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Folders never searched for manifests: tooling, state, and the environments overlays (loaded only with --env). */
const SKIP_DIRS = new Set(['node_modules', '.git', '.joey']);

/**
 * Every `*.yaml` / `*.yml` under `dir`, as sorted '/'-separated paths relative to it. Hidden folders
 * (`.github`, `.joey`, ...) and `node_modules` are skipped; `skipTopLevel` names folders skipped only at the top.
 */
export function findManifestFiles(dir: string, skipTopLevel: string[] = []): string[] {
  const out: string[] = [];
  const visit = (abs: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || e.name.startsWith('.')) continue;
        if (!rel && skipTopLevel.includes(e.name)) continue;
        visit(join(abs, e.name), r);
      } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(r);
    }
  };
  visit(dir, '');
  return out.sort();
}
