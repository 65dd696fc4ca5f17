import { Command, Flags } from '@oclif/core';
import { JoeyError, formatDiagnostic } from '../model/index.js';

/**
 * Every joey command extends this: it owns `--json`, and turns any error into a one-line message
 * (plus diagnostics) on stderr — never a stack trace — with exit code 1 unless the command says otherwise.
 */
export abstract class JoeyCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({ description: 'print one JSON document instead of text', default: false }),
  };

  /** Print a JSON document or text; commands call this instead of console.log. */
  protected emit(json: boolean, value: unknown, text: () => string): void {
    if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    else {
      const t = text();
      if (t) process.stdout.write(t.endsWith('\n') ? t : t + '\n');
    }
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif's own flag/argument parse errors and this.exit() carry an exit code; show them plainly.
    if (err.oclif?.exit !== undefined && !(err instanceof JoeyError)) {
      if (err.oclif.exit === 0) return;
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = err.oclif.exit;
      return;
    }
    if (err instanceof JoeyError) {
      for (const d of err.opts.diagnostics ?? []) process.stderr.write(formatDiagnostic(d) + '\n');
      process.stderr.write(`error: ${err.message}\n`);
    } else {
      process.stderr.write(`error: ${err.message}\n`);
      if (process.env.JOEY_DEBUG) process.stderr.write(`${err.stack}\n`);
    }
    process.exitCode = err.exitCode ?? 1;
  }
}
