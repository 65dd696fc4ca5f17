import type { SourceRef } from './kinds.js';

export type Severity = 'error' | 'warning';

/** One problem with the user's input, with where it is. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** JSON path inside the document, e.g. `spec.steps[0].model`. */
  path: string;
  message: string;
  severity: Severity;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.path ? `${d.path}: ` : ''}${d.message}`;
}

/**
 * Errors are values with a code, a message a user can act on, and a source position when one exists.
 * `status` is the HTTP status the engine's API answers with.
 */
export class JoeyError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly opts: { status?: number; source?: SourceRef; diagnostics?: Diagnostic[]; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'JoeyError';
  }
  get status(): number {
    return this.opts.status ?? 400;
  }
}

export const notFound = (what: string) => new JoeyError('not_found', `${what} not found`, { status: 404 });
export const conflict = (msg: string) => new JoeyError('conflict', msg, { status: 409 });
export const invalid = (msg: string) => new JoeyError('invalid', msg, { status: 400 });
