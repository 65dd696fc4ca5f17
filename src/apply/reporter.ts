import type { Action } from '../plan/types.js';
import type { LockInfo } from './lock.js';

/** Progress of an apply, one event at a time; a reporter turns them into text lines or JSON. */
export type ApplyEvent =
  | { type: 'lock-wait'; holder: LockInfo }
  | { type: 'lock-takeover'; holder: LockInfo }
  | { type: 'start'; key: string; actions: Action[] }
  | { type: 'done'; key: string; actions: Action[]; ms: number }
  | { type: 'failed'; key: string; actions: Action[]; error: string }
  | { type: 'skipped'; key: string; actions: Action[]; blockedBy: string }
  | { type: 'summary'; result: ApplyResult };

export interface ApplyResult {
  succeeded: { key: string; actions: Action[] }[];
  failed: { key: string; actions: Action[]; error: string }[];
  skipped: { key: string; actions: Action[]; blockedBy: string }[];
  ms: number;
}

export interface Reporter {
  event(e: ApplyEvent): void;
}

const verb = (a: Action[]) => (a.length === 2 ? 'replac' : { create: 'creat', update: 'updat', delete: 'destroy', 'no-op': 'check' }[a[0]!]);

export function describeEvent(e: ApplyEvent): string | undefined {
  switch (e.type) {
    case 'lock-wait':
      return `waiting for the state lock held by ${e.holder.Who} (pid ${e.holder.Pid}, ${e.holder.Operation}, lock ID ${e.holder.ID})...`;
    case 'lock-takeover':
      return `took over the state lock of a process that is gone (${e.holder.Who}, pid ${e.holder.Pid}, lock ID ${e.holder.ID})`;
    case 'start':
      return `${e.key}: ${verb(e.actions)}ing...`;
    case 'done':
      return `${e.key}: ${verb(e.actions)}ed (${e.ms} ms)`;
    case 'failed':
      return `${e.key}: failed: ${e.error}`;
    case 'skipped':
      return `${e.key}: not attempted (depends on ${e.blockedBy}, which failed)`;
    case 'summary': {
      const r = e.result;
      const lines = [`Apply ${r.failed.length ? 'failed' : 'complete'}! ${r.succeeded.length} succeeded, ${r.failed.length} failed, ${r.skipped.length} not attempted.`];
      if (r.failed.length) {
        lines.push(`Succeeded: ${r.succeeded.map((s) => s.key).join(', ') || '(none)'}`);
        lines.push('Run `joey apply` again after fixing the failure: it picks up where this one stopped.');
      }
      return lines.join('\n');
    }
  }
}

/** Text lines as the events arrive. */
export function textReporter(write: (line: string) => void): Reporter {
  return { event: (e) => { const s = describeEvent(e); if (s) write(s); } };
}

/** Collects the events (for `--json`, printed as one document at the end). */
export function collectingReporter(): Reporter & { events: ApplyEvent[] } {
  const events: ApplyEvent[] = [];
  return { events, event: (e) => events.push(e) };
}

export const silentReporter: Reporter = { event: () => {} };
