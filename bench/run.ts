/**
 * `npm run bench`: runs every benchmark under bench/ one after another (each in its own process, so one
 * benchmark's heap and native sessions don't skew the next). Each prints its figures as ratios against a
 * baseline measured in the same run. `npm run bench -- inference` runs only the named ones.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n=== bench/${name} ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${name}.ts`], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`bench/${name} failed (exit ${r.status})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
