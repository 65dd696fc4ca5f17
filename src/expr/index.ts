/**
 * Safe parser for polars expression strings as users write them in Python (validations), compiled to
 * nodejs-polars expressions. No eval, Function or vm anywhere: tokens → AST → Expr.
 */
export { parseExpression } from './parse.js';
export { compileExpression } from './compile.js';
export { columnsOf, formatExpression, EXPR_METHODS, LIST_METHODS } from './ast.js';
export type { ExprNode, BinaryOp, UnaryOp, Literal } from './ast.js';
export { ExpressionError } from './error.js';
