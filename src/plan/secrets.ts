/**
 * Connection details hold secrets, by reference (`env:NAME`, `file:PATH`) or in plain text. joey never prints them:
 * diffs compare one digest of the details as written (the engine resolves references when they are used), and
 * every rendered value is masked.
 */
export const SENSITIVE = '(sensitive)';

export const isSecretRef = (v: unknown): v is string => typeof v === 'string' && /^(env|file):/.test(v);

/** Replace every value under the sensitive paths of a view with the mask. */
export function maskView(kind: string, view: unknown): unknown {
  if (kind !== 'Connection' || !view || typeof view !== 'object') return view;
  const v = structuredClone(view) as { spec?: { details?: Record<string, unknown>; detailsSha256?: string } };
  if (v.spec?.details) for (const k of Object.keys(v.spec.details)) v.spec.details[k] = SENSITIVE;
  if (v.spec?.detailsSha256) v.spec.detailsSha256 = SENSITIVE;
  return v;
}

/** `spec.details.*` and `spec.detailsSha256` of a Connection. */
export const isSensitivePath = (kind: string, path: string) => kind === 'Connection' && path.startsWith('spec.details');
