import { CronExpressionParser } from 'cron-parser';
import type { Kind } from '../model/index.js';
import type { Anchor, Segment } from './schemas.js';

/**
 * Rules a JSON Schema cannot express (or expresses badly): cron fields that parse, real time zones,
 * ordered ranges, bin edges that match the bin count. Run only on schema-valid documents.
 */
export interface SemanticIssue {
  path: Segment[];
  anchor: Anchor;
  message: string;
  severity?: 'error' | 'warning';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const zones = new Map<string, boolean>();
/** Whether `tz` is an IANA zone this runtime knows (memoized: building a DateTimeFormat costs ~1 ms). */
export function isTimeZone(tz: string): boolean {
  let ok = zones.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    if (zones.size < 1000) zones.set(tz, ok);
  }
  return ok;
}

function deploymentIssues(dc: Obj, at: Segment[]): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const a = dc.autoscale;
  if (isObj(a) && typeof a.min === 'number' && typeof a.max === 'number' && a.min > a.max) {
    out.push({ path: [...at, 'autoscale', 'min'], anchor: 'value', message: `autoscale min (${a.min}) is greater than max (${a.max})` });
  }
  return out;
}

const crons = new Map<string, string>();
/** Why a 5-field cron expression does not parse ('' when it does); memoized, since tz handling is slow. */
function cronProblem(expr: string): string {
  const key = expr;
  let p = crons.get(key);
  if (p === undefined) {
    try {
      // Validity doesn't depend on the zone (checked separately); a fixed date skips the costly "now in tz".
      CronExpressionParser.parse(expr, { currentDate: 0 });
      p = '';
    } catch (e) {
      p = (e as Error).message;
    }
    if (crons.size < 10_000) crons.set(key, p);
  }
  return p;
}

/** Connection detail keys whose values are secrets, so they may only be given by reference. */
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential|auth)/i;
const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

export function semanticIssues(kind: Kind, spec: Obj): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  switch (kind) {
    case 'Connection':
      for (const [k, v] of Object.entries(isObj(spec.details) ? spec.details : {})) {
        if (SECRET_KEY.test(k) && typeof v === 'string' && !SECRET_REF.test(v)) {
          // Never echo the value: it is a secret committed by mistake.
          out.push({ path: ['spec', 'details', k], anchor: 'value', message: 'secret values must be references: env:NAME or file:PATH (never inline)' });
        }
      }
      break;
    case 'DeploymentConfig':
      out.push(...deploymentIssues(spec, ['spec']));
      break;
    case 'Pipeline':
      if (isObj(spec.deployment)) out.push(...deploymentIssues(spec.deployment, ['spec', 'deployment']));
      break;
    case 'Task': {
      const tz = typeof spec.timezone === 'string' ? spec.timezone : 'UTC';
      if (!isTimeZone(tz)) out.push({ path: ['spec', 'timezone'], anchor: 'value', message: `unknown time zone "${tz}" (use an IANA name such as UTC or Europe/Paris)` });
      else if (typeof spec.schedule === 'string') {
        const problem = cronProblem(spec.schedule.trim());
        if (problem) out.push({ path: ['spec', 'schedule'], anchor: 'value', message: `invalid cron expression: ${problem}` });
      }
      break;
    }
    case 'Assay': {
      const b = spec.baseline;
      if (isObj(b) && typeof b.start === 'string' && typeof b.end === 'string') {
        const s = Date.parse(b.start);
        const e = Date.parse(b.end);
        if (Number.isNaN(s)) out.push({ path: ['spec', 'baseline', 'start'], anchor: 'value', message: 'is not a valid date' });
        else if (Number.isNaN(e)) out.push({ path: ['spec', 'baseline', 'end'], anchor: 'value', message: 'is not a valid date' });
        else if (s >= e) out.push({ path: ['spec', 'baseline', 'end'], anchor: 'value', message: 'baseline end must be after its start' });
      }
      const bin = spec.binning;
      if (isObj(bin) && Array.isArray(bin.edges)) {
        const bins = typeof bin.bins === 'number' ? bin.bins : 5;
        if (bin.mode !== 'provided') {
          out.push({ path: ['spec', 'binning', 'edges'], anchor: 'key', message: 'edges are only used with mode: provided', severity: 'warning' });
        } else if (bin.edges.length !== bins && bin.edges.length !== bins + 1) {
          out.push({
            path: ['spec', 'binning', 'edges'],
            anchor: 'value',
            message: `${bin.edges.length} edges for ${bins} bins: give one upper edge per bin (${bins}), optionally preceded by the lowest edge (${bins + 1})`,
          });
        } else if (bin.edges.some((v, i) => i > 0 && (v as number) <= (bin.edges as number[])[i - 1]!)) {
          out.push({ path: ['spec', 'binning', 'edges'], anchor: 'value', message: 'edges must be strictly increasing' });
        }
      }
      const t = spec.thresholds;
      if (isObj(t) && typeof t.warning === 'number' && typeof t.alert === 'number' && t.warning > t.alert) {
        out.push({ path: ['spec', 'thresholds', 'warning'], anchor: 'value', message: `warning threshold (${t.warning}) is above the alert threshold (${t.alert})` });
      }
      const w = spec.window;
      if (isObj(w) && typeof w.start === 'string' && Number.isNaN(Date.parse(w.start))) {
        out.push({ path: ['spec', 'window', 'start'], anchor: 'value', message: 'is not a valid date' });
      }
      break;
    }
  }
  return out;
}
