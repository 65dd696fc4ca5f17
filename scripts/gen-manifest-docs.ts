/**
 * Generates `docs/manifests.md` (the reference for every kind and field) from `schemas/*.schema.json`, so the
 * reference cannot drift from what `joey validate` enforces. A test compares the committed file with this output.
 * Run: `npx tsx scripts/gen-manifest-docs.ts` (writes the file) or `--check` (exit 1 if it differs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KINDS, type Kind } from '../src/model/kinds.js';
import { loadSchema, schemaFileName } from '../src/manifest/schemas.js';

type Schema = Record<string, unknown>;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const EXAMPLE_FILES: Partial<Record<Kind, string>> = {
  Workspace: 'examples/workspaces/fraud.yaml',
  Model: 'examples/models/ccfraud.yaml',
  DeploymentConfig: 'examples/deployment-configs/small.yaml',
  Pipeline: 'examples/pipelines/ccfraud-ab.yaml',
  Orchestration: 'examples/orchestrations/nightly-report.yaml',
  Task: 'examples/tasks/nightly-report.yaml',
  Assay: 'examples/assays/ccfraud-drift.yaml',
  Connection: 'examples/environments/prod/connections/alerts.yaml',
};

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: Schema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (Array.isArray(s.enum)) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const t = s.type;
  const types = Array.isArray(t) ? t : t ? [t] : [];
  const parts = types.map((x) => {
    if (x === 'array') {
      const items = (s.items as Schema | undefined) ?? {};
      return `list of ${typeOf(items)}`;
    }
    if (x === 'object') return isMap(s) ? `map of ${typeOf(s.additionalProperties as Schema)}` : 'object';
    return String(x);
  });
  return parts.join(' \\| ') || 'any';
}

const isMap = (s: Schema) => typeof s.additionalProperties === 'object' && s.additionalProperties !== null;

function constraints(s: Schema): string {
  const out: string[] = [];
  if (typeof s['x-message'] === 'string') out.push(String(s['x-message']));
  else if (typeof s.pattern === 'string') out.push(`matches \`${s.pattern}\``);
  if (typeof s.minimum === 'number') out.push(`≥ ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') out.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number') out.push(`≤ ${s.maximum}`);
  if (typeof s.minItems === 'number' && s.minItems > 0) out.push(`at least ${s.minItems} item(s)`);
  if (s.uniqueItems) out.push('no duplicates');
  return out.join('; ');
}

interface Row {
  path: string;
  type: string;
  required: boolean;
  description: string;
}

function rows(s: Schema, prefix: string, out: Row[]): void {
  const props = (s.properties as Record<string, Schema> | undefined) ?? {};
  const required = new Set((s.required as string[] | undefined) ?? []);
  for (const [name, p] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const c = constraints(p);
    const desc = [p.description as string | undefined, c ? `(${c})` : ''].filter(Boolean).join(' ');
    out.push({ path, type: typeOf(p), required: required.has(name), description: desc });
    if (p.properties) rows(p, path, out);
    const items = p.items as Schema | undefined;
    if (items?.properties) rows(items, `${path}[]`, out);
    if (isMap(p) && (p.additionalProperties as Schema).properties) rows(p.additionalProperties as Schema, `${path}.<name>`, out);
  }
}

/** Cross-field rules (if/then, dependentRequired, oneOf, not) with the message joey prints. */
function rules(s: Schema, prefix: string, out: string[]): void {
  const at = prefix || 'the document';
  const dr = s.dependentRequired as Record<string, string[]> | undefined;
  for (const [k, v] of Object.entries(dr ?? {})) out.push(`\`${prefix ? prefix + '.' : ''}${k}\` requires ${v.map((x) => `\`${x}\``).join(', ')}.`);
  if (Array.isArray(s.oneOf) && typeof s['x-message'] === 'string') out.push(`\`${at}\`: ${s['x-message']}.`);
  const conds = [...((s.allOf as Schema[] | undefined) ?? []), ...(s.if ? [s] : [])];
  for (const c of conds) {
    for (const branch of [c.then, c.else, c] as (Schema | undefined)[]) {
      if (branch && typeof branch['x-message'] === 'string' && branch !== s) out.push(`\`${at}\`: ${branch['x-message']}.`);
    }
    const elseProps = (c.else as Schema | undefined)?.properties as Record<string, Schema> | undefined;
    for (const p of Object.values(elseProps ?? {})) if (typeof p['x-message'] === 'string') out.push(`\`${at}\`: ${p['x-message']}.`);
  }
  const propNames = s.propertyNames as Schema | undefined;
  for (const pn of [propNames, ...((propNames?.allOf as Schema[] | undefined) ?? [])]) {
    if (pn && typeof pn['x-message'] === 'string') out.push(`\`${at}\` keys: ${pn['x-message']}.`);
  }
  for (const [name, p] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {})) {
    rules(p, prefix ? `${prefix}.${name}` : name, out);
  }
}

function section(kind: Kind): string {
  const schema = loadSchema(kind);
  const lines: string[] = [];
  const spec = (schema.properties as Record<string, Schema>).spec!;
  lines.push(`## ${kind}`, '', String(spec.description ?? ''), '');
  lines.push(`Schema: [\`schemas/${schemaFileName(kind)}\`](../schemas/${schemaFileName(kind)})`, '');
  const ex = EXAMPLE_FILES[kind];
  if (ex && existsSync(join(ROOT, ex))) {
    lines.push(`Example (\`${ex}\`):`, '', '```yaml', readFileSync(join(ROOT, ex), 'utf8').trimEnd(), '```', '');
  }
  const r: Row[] = [];
  rows(schema, '', r);
  lines.push('| field | type | required | description |', '|---|---|---|---|');
  for (const row of r) lines.push(`| \`${row.path}\` | ${row.type} | ${row.required ? 'yes' : ''} | ${esc(row.description)} |`);
  const rl: string[] = [];
  rules(schema, '', rl);
  if (rl.length) lines.push('', 'Rules:', '', ...[...new Set(rl)].map((x) => `- ${x}`));
  lines.push('');
  return lines.join('\n');
}

export function renderManifestDocs(): string {
  const head = [
    '# Manifest reference',
    '',
    '<!-- Generated by `npx tsx scripts/gen-manifest-docs.ts` from `schemas/*.schema.json`; do not edit by hand. -->',
    '',
    'Every joey manifest is a YAML document with `apiVersion: joey.dev/v1`, a `kind`, `metadata` and a `spec`.',
    'Many documents may share a file (separated by `---`), in any layout under the repo root: every `*.yaml`/`*.yml`',
    'is read, except under hidden folders, `node_modules/` and the top-level `environments/`.',
    '',
    '## joey validate',
    '',
    '```',
    'joey validate [ROOT] [--env NAME] [--json]',
    '```',
    '',
    'Loads every manifest under ROOT (default `.`) and checks YAML syntax, apiVersion/kind, the schema of each kind',
    '(unknown fields and wrong types are errors), the rules below, duplicates of `(kind, workspace, name)`, that',
    'references and artifacts exist, reference cycles, polars validation expressions and cron schedules. It prints',
    '*every* problem, one per line, then a summary line, and exits 1 if there is any error (0 otherwise):',
    '',
    '```',
    'examples/pipelines/fraud.yaml:12:5: error: spec.steps[0].model: model "ccfraud" not found in workspace "fraud"',
    '```',
    '',
    'Positions point at the offending key or value (or at the enclosing field when a required field is missing;',
    'inside an expression, at the character where the problem starts). `--json` prints the same problems as a list',
    'of `{file, line, col, path, message, severity}`. On success it prints one line such as',
    '`examples: 9 documents valid (1 workspace, 2 models, ...)`. Secrets are never echoed: a Connection detail whose',
    'key looks like a secret (`password`, `token`, `api_key`, ...) must be a reference (`env:NAME` or `file:PATH`).',
    '',
    'Programs use the same loader: `loadRepo(root, {env})` from `src/manifest` returns canonical resources (with',
    'sources and artifact sha256s) and the diagnostics.',
    '',
    '## Conventions',
    '',
    '- Identity is `(kind, workspace, name)`; names are DNS-1123 labels (lowercase a-z, 0-9, `-`; no `.` or `_`).',
    '- Every kind but Workspace has `metadata.workspace`, and that Workspace must be declared in the repo.',
    '- References (a pipeline step\'s model, a pipeline\'s deployment config, a task\'s orchestration, an assay\'s',
    '  pipeline, a sidekick\'s model) are names in the same workspace; they must exist.',
    '- Unknown fields are errors. Paths (`spec.path`, `spec.baseline.file`) are relative to the manifest file.',
    '- Editors: start a file with `# yaml-language-server: $schema=<relative path to schemas/<kind>.schema.json>`.',
    '- Environments: `environments/<env>/` holds overlay documents, applied with `--env <env>`. A document with',
    '  the identity of a base document patches it (maps merge, lists and scalars replace, `null` deletes a key;',
    '  relative paths stay relative to the overlay file); any other document is added for that environment only.',
    '- Defaults are filled in the canonical form (what `plan` compares): see each kind\'s descriptions.',
    '',
    'Common `metadata` fields:',
    '',
  ];
  const md: Row[] = [];
  rows({ properties: { metadata: (loadSchema('Pipeline').properties as Record<string, Schema>).metadata } }, '', md);
  head.push('| field | type | required | description |', '|---|---|---|---|');
  for (const row of md) head.push(`| \`${row.path}\` | ${row.type} | ${row.path === 'metadata.name' ? 'yes' : row.path === 'metadata.workspace' ? 'yes (not on Workspace)' : ''} | ${esc(row.description)} |`);
  head.push('', `Kinds: ${KINDS.map((k) => `[${k}](#${k.toLowerCase()})`).join(', ')}.`, '');
  head.push(
    'Artifacts: a Model\'s `path` is a file (a folder is hashed as its deterministic zip); an Orchestration\'s `path`',
    'is a folder or a `.zip` holding `main.py` (at the root or in a subfolder) and at most one `requirements.txt`.',
    'Folders are zipped deterministically (sorted entries, fixed timestamps; `.git`, `__pycache__`, `.DS_Store`,',
    '`node_modules`, `.venv` left out; symlinks not followed). The sha256 is the version identity, and a `sha256`',
    'written in the spec pins it: a mismatch is an error.',
    '',
  );
  return [...head, ...KINDS.map(section)].join('\n').trimEnd() + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = join(ROOT, 'docs/manifests.md');
  const text = renderManifestDocs();
  if (process.argv.includes('--check')) {
    const same = existsSync(target) && readFileSync(target, 'utf8') === text;
    process.stdout.write(same ? 'docs/manifests.md is up to date\n' : 'docs/manifests.md is stale: run npx tsx scripts/gen-manifest-docs.ts\n');
    process.exitCode = same ? 0 : 1;
  } else {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${target}\n`);
  }
}
