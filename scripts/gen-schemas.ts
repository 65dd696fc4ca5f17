/** Writes `schemas/<kind>.schema.json` from `scripts/schema-source.ts`. Run: `npx tsx scripts/gen-schemas.ts`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ALL_SCHEMAS } from './schema-source.js';

export function renderSchema(schema: unknown): string {
  return JSON.stringify(schema, null, 2) + '\n';
}

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(dir, { recursive: true });
  for (const { file, schema } of ALL_SCHEMAS) writeFileSync(join(dir, file), renderSchema(schema));
  process.stdout.write(`wrote ${ALL_SCHEMAS.length} schemas to ${dir}\n`);
}
