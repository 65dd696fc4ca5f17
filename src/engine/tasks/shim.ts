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

/**
 * Absolute path of the folder to put on PYTHONPATH for task code: `$JOEY_TASK_SHIM_DIR`, else
 * `<package>/src/engine/tasks/python` (a checkout), else `<package>/python` (the container image's layout).
 */
export function taskShimDir(): string {
  if (cached) return cached;
  const root = packageRoot();
  const candidates = [process.env.JOEY_TASK_SHIM_DIR, join(root, 'src', 'engine', 'tasks', 'python'), join(root, 'python')].filter((d): d is string => !!d);
  const dir = candidates.find((d) => existsSync(join(d, 'joey_task.py')));
  if (!dir) throw new JoeyError('internal', `joey's Python task runtime (joey_task.py) is missing; looked in ${candidates.join(', ')}`, { status: 500 });
  cached = dir;
  return dir;
}
