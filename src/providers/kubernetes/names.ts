import { createHash } from 'node:crypto';

/**
 * Kubernetes naming rules. Object names here are DNS-1123 labels (lowercase alphanumerics and '-', at most 63,
 * starting and ending alphanumeric); a name that would be longer is cut and given a hash suffix of the full name,
 * so it stays unique and stable across renders.
 */
export const MAX_LABEL = 63;
/** CronJob names are capped at 52: the controller appends an 11-character suffix for each Job it creates. */
export const MAX_CRONJOB = 52;

const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

/** Lowercase, invalid characters to '-', runs of '-' collapsed, trimmed at both ends. */
function sanitize(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A DNS-1123 label built from parts joined by '-'. With `alphaStart` it is also a DNS-1035 label (Service names):
 * a leading digit gets an `x` in front.
 */
export function k8sName(parts: string[], opts: { max?: number; alphaStart?: boolean } = {}): string {
  const max = opts.max ?? MAX_LABEL;
  const full = parts.filter((p) => p !== '').join('-');
  let name = sanitize(full) || 'x';
  if (opts.alphaStart && /^[0-9]/.test(name)) name = `x${name}`;
  if (name === full && name.length <= max) return name;
  // Anything cleaned or cut carries a hash of the original, so two different inputs never collide.
  const base = name.slice(0, max - 9).replace(/-+$/, '');
  return `${base}-${short(full)}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A valid label value (≤63, alphanumeric ends, `-_.` inside); anything else is cleaned and hash-suffixed. */
export function labelValue(v: string): string {
  if (v.length <= MAX_LABEL && LABEL_VALUE.test(v)) return v;
  let s = v.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (s.length > MAX_LABEL - 9) s = s.slice(0, MAX_LABEL - 9).replace(/[^A-Za-z0-9]+$/, '');
  return s ? `${s}-${short(v)}` : short(v);
}

export const isDnsLabel = (s: string, max = MAX_LABEL) => s.length <= max && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
