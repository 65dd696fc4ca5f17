/** Durations as written in manifests (`24h`, `1h30m`, `90s`, `1w`), used by assay windows. */

export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h|d|w))+$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+)(ms|s|m|h|d|w)/g;
const UNIT_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

export function isDuration(s: string): boolean {
  return DURATION_RE.test(s);
}

/** Milliseconds in a duration string; throws on a malformed one. */
export function parseDuration(s: string): number {
  if (!DURATION_RE.test(s)) throw new Error(`"${s}" is not a duration (e.g. 24h, 5m, 1h30m)`);
  let ms = 0;
  for (const m of s.matchAll(PART_RE)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Canonical spelling in h/m/s/ms, largest first: `60m` → `1h`, `90m` → `1h30m`, `1d` → `24h`, `0s` → `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let out = '';
  let rest = ms;
  for (const unit of ['h', 'm', 's', 'ms']) {
    const f = UNIT_MS[unit]!;
    const n = Math.floor(rest / f);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * f;
    }
  }
  return out;
}

export function normalizeDuration(s: string): string {
  return isDuration(s) ? formatDuration(parseDuration(s)) : s;
}
