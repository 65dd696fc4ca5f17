import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { KINDS, type Kind } from '../model/index.js';

/**
 * JSON Schema validation of one manifest document against `schemas/<kind>.schema.json`, with ajv's raw
 * errors turned into user-facing issues: a JSON path, a message, and which YAML node to point at.
 */

export type Segment = string | number;
/** `key`: point at the field's key; `value`: at its value; `parent`: at the enclosing field (missing fields). */
export type Anchor = 'key' | 'value' | 'parent';
export interface SchemaIssue {
  path: Segment[];
  message: string;
  anchor: Anchor;
  /** Where to point instead of `path` (e.g. at `run` when `schedule` is missing because run is scheduled). */
  at?: Segment[];
}

/** Why a field is needed, appended to dependentRequired messages. */
const DEPENDENCY_HINTS: Record<string, string> = { deploymentLabel: 'the label of the GPU nodepool' };

export const schemaFileName = (kind: Kind): string => `${kind.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}.schema.json`;

/** The `schemas/` folder of this package (works from `src/` under tsx/vitest and from `dist/src/`). */
export function schemasDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, schemaFileName('Workspace')))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('joey schemas/ folder not found next to the installed package');
}

type AjvCtor = typeof Ajv2020Module.default;
const Ajv2020: AjvCtor = (Ajv2020Module as unknown as { default?: AjvCtor }).default ?? (Ajv2020Module as unknown as AjvCtor);

let validators: Map<Kind, ValidateFunction> | undefined;

/** Compiled once per process. */
function getValidators(): Map<Kind, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
  ajv.addKeyword('x-message');
  ajv.addKeyword('x-at');
  const dir = schemasDir();
  validators = new Map();
  for (const kind of KINDS) {
    const schema = JSON.parse(readFileSync(join(dir, schemaFileName(kind)), 'utf8'));
    validators.set(kind, ajv.compile(schema));
  }
  return validators;
}

export function loadSchema(kind: Kind): Record<string, unknown> {
  return JSON.parse(readFileSync(join(schemasDir(), schemaFileName(kind)), 'utf8'));
}

const pointerToPath = (p: string): Segment[] =>
  p === ''
    ? []
    : p
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

type Err = ErrorObject & { propertyName?: string; parentSchema?: Record<string, unknown> };

function xMessage(e: Err): string | undefined {
  const ps = e.parentSchema;
  return ps && typeof ps === 'object' && typeof ps['x-message'] === 'string' ? (ps['x-message'] as string) : undefined;
}

function toIssue(e: Err): SchemaIssue | undefined {
  const base = pointerToPath(e.instancePath);
  if (e.propertyName !== undefined) {
    // A propertyNames failure: the offending map key itself.
    return { path: [...base, e.propertyName], anchor: 'key', message: xMessage(e) ?? `invalid name "${e.propertyName}": ${e.message}` };
  }
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'if':
    case 'propertyNames':
      return undefined; // the specific error is reported by the branch that failed
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema?.properties as object) ?? {});
      const hint = closest(name, known);
      return {
        path: [...base, name],
        anchor: 'key',
        message: `unknown field "${name}"${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (allowed: ${known.join(', ')})` : ''}`,
      };
    }
    case 'required': {
      const at = e.parentSchema?.['x-at'];
      return {
        path: [...base, String(p.missingProperty)],
        anchor: typeof at === 'string' ? 'key' : 'parent',
        ...(typeof at === 'string' ? { at: [...base, at] } : {}),
        message: xMessage(e) ?? `missing required field "${String(p.missingProperty)}"`,
      };
    }
    case 'dependentRequired': {
      const missing = String(p.missingProperty);
      const hint = DEPENDENCY_HINTS[missing];
      return {
        path: [...base, String(p.property)],
        anchor: 'key',
        message: `${String(p.property)} requires ${missing}${hint ? ` (${hint})` : ''}`,
      };
    }
    case 'type':
      return { path: base, anchor: 'value', message: xMessage(e) ?? `must be ${String(p.type).replace(/,/g, ' or ')}, got ${typeName(e.data)}` };
    case 'enum':
      return { path: base, anchor: 'value', message: `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path: base, anchor: 'value', message: `must be ${JSON.stringify(p.allowedValue)}` };
    default:
      return { path: base, anchor: 'value', message: xMessage(e) ?? e.message ?? 'is invalid' };
  }
}

/**
 * ajv reports every failing branch of a `oneOf`; the user wants the one sentence the `oneOf` node carries.
 * Drops errors nested under a failed `oneOf`/`anyOf`/`not`, and duplicates.
 */
function prune(errors: Err[]): Err[] {
  const combos = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.schemaPath + '/');
  const seen = new Set<string>();
  const out: Err[] = [];
  for (const e of errors) {
    if (combos.some((c) => e.schemaPath.startsWith(c))) continue;
    const k = `${e.instancePath}|${e.keyword}|${e.propertyName ?? ''}|${JSON.stringify(e.params)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

/** Validates a whole document (apiVersion, kind, metadata, spec) of a known kind. */
export function validateAgainstSchema(kind: Kind, value: unknown): SchemaIssue[] {
  const v = getValidators().get(kind)!;
  if (v(value)) return [];
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of prune((v.errors ?? []) as Err[])) {
    const issue = toIssue(e);
    if (!issue) continue;
    const k = `${issue.path.join('\0')}|${issue.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    issues.push(issue);
  }
  return issues;
}

/** `spec.steps[0].model`, `spec.validations["a.b"]`. */
export function formatPath(path: Segment[]): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
