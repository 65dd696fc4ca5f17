import { JoeyError } from '../model/index.js';

/**
 * A problem in a polars expression string. `column` is 1-based within the expression, so a caller that
 * knows where the expression sits in a manifest can point at the exact character.
 */
export class ExpressionError extends JoeyError {
  constructor(
    readonly detail: string,
    readonly column: number,
  ) {
    super('invalid_expression', `column ${column}: ${detail}`, { status: 400 });
  }
}
