import { copyFileSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyResource } from '../../model/index.js';
import { JoeyError } from '../../model/index.js';
import { artifactPath, zipFolderDeterministic } from '../../manifest/index.js';

export interface ExportedArtifact {
  kind: 'Model' | 'Orchestration';
  key: string;
  sha256: string;
  /** File name inside the output directory: `<sha256>` for models, `<sha256>.zip` for orchestrations. */
  file: string;
  written: boolean;
}

/**
 * Copy every model and orchestration artifact into `outDir` under its content address, the layout the rendered
 * pods expect on the artifacts volume (`<sha256>` for models, `<sha256>.zip` for orchestrations; folders are
 * zipped deterministically, so the name is the loader's sha256). Existing files are left alone (same name, same bytes).
 */
export function exportArtifacts(root: string, resources: AnyResource[], outDir: string): ExportedArtifact[] {
  mkdirSync(outDir, { recursive: true });
  const out: ExportedArtifact[] = [];
  for (const r of resources) {
    if (r.kind !== 'Model' && r.kind !== 'Orchestration') continue;
    const sha = r.spec.sha256;
    if (!sha) throw new JoeyError('artifact', `${r.kind}/${r.metadata.workspace}/${r.metadata.name} has no sha256 (was it loaded with loadRepo?)`);
    const file = r.kind === 'Model' ? sha : `${sha}.zip`;
    const dest = join(outDir, file);
    const key = `${r.kind}/${r.metadata.workspace}/${r.metadata.name}`;
    if (existsSync(dest)) {
      out.push({ kind: r.kind, key, sha256: sha, file, written: false });
      continue;
    }
    const src = artifactPath(root, r);
    const tmp = `${dest}.tmp-${process.pid}`;
    if (statSync(src).isDirectory()) writeFileSync(tmp, zipFolderDeterministic(src));
    else copyFileSync(src, tmp);
    renameSync(tmp, dest);
    out.push({ kind: r.kind, key, sha256: sha, file, written: true });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}
