/**
 * 5-field cron schedules (minute hour day-of-month month day-of-week, as the cron utility and Kubernetes
 * CronJobs read them) in an IANA time zone, via cron-parser.
 */
import { CronExpressionParser } from 'cron-parser';
import { invalid } from '../../model/index.js';

/** Throws a JoeyError unless `schedule` is a valid 5-field cron expression and `timezone` a known zone. */
export function validateSchedule(schedule: string, timezone = 'UTC'): void {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || schedule.trim().startsWith('@')) {
    throw invalid(`schedule "${schedule}" must have 5 fields: minute hour day-of-month month day-of-week (e.g. "42 * * * *")`);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw invalid(`timezone "${timezone}" is not a known IANA time zone (e.g. "UTC", "Europe/Paris")`);
  }
  try {
    CronExpressionParser.parse(schedule, { tz: timezone, currentDate: 0 }).next();
  } catch (err) {
    throw invalid(`schedule "${schedule}" is not a valid cron expression: ${(err as Error).message}`);
  }
}

/** The first fire time strictly after `afterMs`. */
export function nextFire(schedule: string, timezone: string | undefined, afterMs: number): number {
  return CronExpressionParser.parse(schedule.trim(), { tz: timezone ?? 'UTC', currentDate: afterMs }).next().getTime();
}

/**
 * Fire times in (afterMs, untilMs]: the first `max` of them, the last two, and how many there were (counted up
 * to `countCap`; `capped` says there were more — the last two are still exact, found backwards from untilMs).
 */
export function firesBetween(
  schedule: string,
  timezone: string | undefined,
  afterMs: number,
  untilMs: number,
  max = 1,
  countCap = 100_000,
): { first: number[]; count: number; last: number | null; beforeLast: number | null; capped: boolean } {
  const tz = timezone ?? 'UTC';
  const it = CronExpressionParser.parse(schedule.trim(), { tz, currentDate: afterMs });
  const first: number[] = [];
  let count = 0;
  let last: number | null = null;
  let beforeLast: number | null = null;
  while (count < countCap) {
    const t = it.next().getTime();
    if (t > untilMs) return { first, count, last, beforeLast, capped: false };
    if (first.length < max) first.push(t);
    beforeLast = last;
    last = t;
    count++;
  }
  // More than countCap fires: find the last two by walking back from untilMs.
  const back = CronExpressionParser.parse(schedule.trim(), { tz, currentDate: untilMs + 1 });
  last = back.prev().getTime();
  beforeLast = back.prev().getTime();
  return { first, count, last, beforeLast, capped: true };
}
