import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// End-to-end tests drive the real `joey` binary (bin/run.js → dist/). Build once so they see the current source.
// tsc emits even when some file has a type error; the typecheck itself is `npm run typecheck`.
// Every temporary directory of the run (tests' own, engines', git repos', Chromium's, spawned joey processes')
// goes under one directory, removed when the run ends: repeated runs leave nothing behind in the system's tmp.
export default function setup(): () => void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  spawnSync(process.execPath, ['scripts/oclif-manifest.mjs'], { cwd: root, stdio: 'ignore' });
  const previous = process.env.TMPDIR;
  const runTmp = mkdtempSync(path.join(tmpdir(), 'joey-tests-'));
  process.env.TMPDIR = runTmp; // forks inherit it; os.tmpdir() reads it on every call
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(runTmp, { recursive: true, force: true });
  };
}
