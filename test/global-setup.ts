import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// End-to-end tests drive the real `joey` binary (bin/run.js → dist/). Build once so they see the current source.
// tsc emits even when some file has a type error; the typecheck itself is `npm run typecheck`.
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  spawnSync(process.execPath, ['scripts/oclif-manifest.mjs'], { cwd: root, stdio: 'ignore' });
}
