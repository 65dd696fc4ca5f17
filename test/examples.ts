import { cpSync } from 'node:fs';
import path from 'node:path';

const EXAMPLES = path.join(import.meta.dirname, '..', 'examples');

/**
 * Copies examples/ into `dest` as git has it: without the engine state that the README's `joey apply examples`
 * leaves in examples/.joey (git-ignored), so tests start from the manifests alone on a machine where it ran.
 */
export function copyExamples(dest: string): string {
  cpSync(EXAMPLES, dest, { recursive: true, filter: (src) => path.basename(src) !== '.joey' });
  return dest;
}
