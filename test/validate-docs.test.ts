import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderManifestDocs } from '../scripts/gen-manifest-docs.js';
import { renderSchema } from '../scripts/gen-schemas.js';
import { ALL_SCHEMAS } from '../scripts/schema-source.js';
import { findManifestFiles, schemaFileName } from '../src/manifest/index.js';
import { KINDS } from '../src/model/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('generated files cannot drift', () => {
  it('schemas/*.schema.json equal what scripts/schema-source.ts generates (npx tsx scripts/gen-schemas.ts)', () => {
    expect(readdirSync(join(ROOT, 'schemas')).sort()).toEqual(ALL_SCHEMAS.map((s) => s.file).sort());
    for (const { file, schema } of ALL_SCHEMAS) {
      expect(readFileSync(join(ROOT, 'schemas', file), 'utf8'), file).toBe(renderSchema(schema));
    }
  });

  it('docs/manifests.md equals what scripts/gen-manifest-docs.ts generates', () => {
    const doc = renderManifestDocs();
    expect(readFileSync(join(ROOT, 'docs/manifests.md'), 'utf8')).toBe(doc);
    for (const kind of KINDS) expect(doc).toContain(`## ${kind}\n`);
  });

  it('every example document names the schema of its kind by a relative path that exists', () => {
    const examples = join(ROOT, 'examples');
    const files = [...findManifestFiles(examples, ['environments']), ...findManifestFiles(join(examples, 'environments/prod')).map((f) => `environments/prod/${f}`)];
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const text = readFileSync(join(examples, f), 'utf8');
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(text.split('\n')[0]!);
      expect(m, `${f} starts with a yaml-language-server line`).not.toBeNull();
      const target = resolve(dirname(join(examples, f)), m![1]!);
      const kind = /^kind: (\w+)$/m.exec(text)![1]!;
      expect(target, f).toBe(join(ROOT, 'schemas', schemaFileName(kind as never)));
    }
  });
});
