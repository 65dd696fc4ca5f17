/**
 * Where the Python task runtime (`joey_task`, `wallaroo`) lives. tsc doesn't copy .py files into dist/, so
 * the folder is found from the package root, which works from src/ (vitest, tsx) and dist/src/ (the CLI).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JoeyError } from '../../model/index.js';

let cached: string | undefined;

export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'joey') return dir;
      } catch {
        /* not ours; keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new JoeyError('internal', `cannot find joey's package root above ${from}`, { status: 500 });
    dir = up;
  }
}

/** Absolute path of the folder to put on PYTHONPATH for task code. */
export function taskShimDir(): string {
  if (cached) return cached;
  const dir = join(packageRoot(), 'src', 'engine', 'tasks', 'python');
  if (!existsSync(join(dir, 'joey_task.py'))) {
    throw new JoeyError('internal', `joey's Python task runtime is missing (${dir}/joey_task.py)`, { status: 500 });
  }
  cached = dir;
  return dir;
}
