/**
 * Kubernetes resource quantities (`1Gi`, `1024Mi`, `500M`, `0.5Gi`, `250m`, `1e3`) parsed to a number and
 * printed in one canonical form, so `1Gi` and `1024Mi` compare equal.
 */

/** The Kubernetes quantity grammar (non-negative): number, then a binary suffix, a decimal suffix or an exponent. */
export const QUANTITY_PATTERN = '^\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$';
const QUANTITY_RE = new RegExp(QUANTITY_PATTERN);

const BINARY: [string, number][] = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];
const DECIMAL: [string, number][] = [
  ['E', 1e18],
  ['P', 1e15],
  ['T', 1e12],
  ['G', 1e9],
  ['M', 1e6],
  ['k', 1e3],
];
const FACTOR: Record<string, number> = Object.fromEntries([...BINARY, ...DECIMAL, ['m', 1e-3]]);

export function isQuantity(s: string): boolean {
  return QUANTITY_RE.test(s);
}

/** The quantity's value in base units (bytes for memory, cores for cpu); throws on a malformed string. */
export function parseQuantity(s: string): number {
  const m = QUANTITY_RE.exec(s);
  if (!m) throw new Error(`"${s}" is not a Kubernetes quantity (e.g. 512Mi, 1Gi, 2G)`);
  const num = Number(m[1]);
  const suffix = m[3];
  if (!suffix) return num;
  if (suffix[0] === 'e' || suffix[0] === 'E') {
    if (suffix.length > 1) return Number(`${m[1]}${suffix}`);
  }
  return num * FACTOR[suffix]!;
}

const isWhole = (x: number) => Math.abs(x - Math.round(x)) < 1e-9 * Math.max(1, Math.abs(x));

/**
 * Canonical spelling: the largest binary suffix that divides the value exactly (`1024Mi` → `1Gi`,
 * `0.5Gi` → `512Mi`), else the largest decimal one (`1000M` → `1G`), else the plain number.
 * Strings that are not quantities are returned unchanged (the schema reports them).
 */
export function normalizeQuantity(s: string): string {
  if (!isQuantity(s)) return s;
  const v = parseQuantity(s);
  if (v === 0) return '0';
  for (const [suffix, f] of BINARY) if (v >= f && isWhole(v / f)) return `${Math.round(v / f)}${suffix}`;
  for (const [suffix, f] of DECIMAL) if (v >= f && isWhole(v / f)) return `${Math.round(v / f)}${suffix}`;
  if (isWhole(v)) return String(Math.round(v));
  if (isWhole(v * 1000)) return `${Math.round(v * 1000)}m`;
  return String(v);
}
