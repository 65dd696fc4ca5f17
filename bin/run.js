#!/usr/bin/env node
import { readdirSync, rmSync, statSync } from 'node:fs';
import { execute } from '@oclif/core';

// oclif.manifest.json is written by `npm run build`. If commands were compiled after it (a bare `tsc`), it is stale:
// drop it and let oclif read the commands themselves, so a new command is never "not found".
const root = new URL('..', import.meta.url);
try {
  const manifest = statSync(new URL('oclif.manifest.json', root)).mtimeMs;
  const commands = new URL('dist/src/commands/', root);
  const dirs = [commands, ...readdirSync(commands, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => new URL(`${d.name}/`, commands))];
  if (dirs.some((d) => statSync(d).mtimeMs > manifest)) rmSync(new URL('oclif.manifest.json', root));
} catch {
  // no manifest or no dist yet: nothing to check
}

await execute({ dir: import.meta.url });
