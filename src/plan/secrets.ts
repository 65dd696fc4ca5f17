import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { JoeyError } from '../model/index.js';

/**
 * Connection details hold secrets, by reference (`env:NAME`, `file:PATH`) or in plain text. joey never prints them:
 * diffs compare digests of the resolved values, and every rendered value is masked.
 */
export const SENSITIVE = '(sensitive)';
const DIGEST = 'sha256:';

export const isSecretRef = (v: unknown): v is string => typeof v === 'string' && /^(env|file):/.test(v);

/** The value a reference points at; plain values pass through. Throws an actionable error when unresolvable. */
export function resolveSecret(value: string, baseDir = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    const v = env[name];
    if (v === undefined) throw new JoeyError('secret_unresolved', `environment variable ${name} is not set (referenced as env:${name})`);
    return v;
  }
  if (value.startsWith('file:')) {
    const p = value.slice(5);
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    try {
      return readFileSync(abs, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new JoeyError('secret_unresolved', `cannot read secret file ${p} (referenced as file:${p})`);
    }
  }
  return value;
}

export function digestSecret(value: string): string {
  if (value.startsWith(DIGEST)) return value;
  return DIGEST + createHash('sha256').update(value).digest('hex');
}

/** Resolve every detail value (refs included) of a connection spec. */
export function resolveDetails(details: Record<string, string> | undefined, baseDir?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(details ?? {})) out[k] = resolveSecret(String(v), baseDir);
  return out;
}

/** Replace every value under the sensitive paths of a view with the mask. */
export function maskView(kind: string, view: unknown): unknown {
  if (kind !== 'Connection' || !view || typeof view !== 'object') return view;
  const v = structuredClone(view) as { spec?: { details?: Record<string, unknown> } };
  if (v.spec?.details) for (const k of Object.keys(v.spec.details)) v.spec.details[k] = SENSITIVE;
  return v;
}

export const isSensitivePath = (kind: string, path: string) => kind === 'Connection' && path.startsWith('spec.details');

/** The spec a provider writes: a connection's secret references resolved to their values (never printed). */
export function resolveSpecSecrets<T>(kind: string, spec: T, baseDir?: string): T {
  if (kind !== 'Connection' || !spec || typeof spec !== 'object') return spec;
  const s = structuredClone(spec) as { details?: Record<string, string> };
  s.details = resolveDetails(s.details, baseDir);
  return s as T;
}
