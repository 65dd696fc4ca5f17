/**
 * The AST of a polars expression as users write it in Python (`pl.col("out.dense_1").list.get(0) > 0.9`).
 * `pos` is the 1-based column in the source where the node starts.
 */
export type Literal = number | string | boolean | null;

export type BinaryOp =
  | '|' | '^' | '&'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '//' | '%' | '**';

export type UnaryOp = '-' | '+' | '~';

/** Methods callable on an expression; `list.*` are the list namespace (nodejs-polars calls it `.lst`). */
export const EXPR_METHODS = [
  'abs', 'is_null', 'is_not_null', 'is_nan', 'is_between', 'alias', 'not_',
  'mean', 'sum', 'min', 'max', 'first', 'last', 'len',
] as const;
export const LIST_METHODS = ['get', 'first', 'last', 'min', 'max', 'mean', 'sum', 'len'] as const;
export type ExprMethod = (typeof EXPR_METHODS)[number];
export type ListMethod = (typeof LIST_METHODS)[number];

export type ExprNode =
  | { type: 'col'; name: string; pos: number }
  /** `int` marks a Python int literal (`1`, not `1.0`): polars treats those as Int64. */
  | { type: 'lit'; value: Literal; pos: number; int?: boolean }
  | { type: 'binary'; op: BinaryOp; left: ExprNode; right: ExprNode; pos: number }
  | { type: 'unary'; op: UnaryOp; operand: ExprNode; pos: number }
  | { type: 'method'; method: ExprMethod; target: ExprNode; args: ExprNode[]; kwargs: Record<string, ExprNode>; pos: number }
  | { type: 'list'; method: ListMethod; target: ExprNode; args: ExprNode[]; pos: number };

/** The columns an expression reads, in first-use order, without duplicates. */
export function columnsOf(node: ExprNode): string[] {
  const out: string[] = [];
  const walk = (n: ExprNode): void => {
    switch (n.type) {
      case 'col':
        if (!out.includes(n.name)) out.push(n.name);
        return;
      case 'lit':
        return;
      case 'binary':
        walk(n.left);
        walk(n.right);
        return;
      case 'unary':
        walk(n.operand);
        return;
      case 'method':
        walk(n.target);
        n.args.forEach(walk);
        Object.values(n.kwargs).forEach(walk);
        return;
      case 'list':
        walk(n.target);
        n.args.forEach(walk);
        return;
    }
  };
  walk(node);
  return out;
}

/** Python-like rendering of an AST (fully parenthesized binary operations), for messages and tests. */
export function formatExpression(n: ExprNode): string {
  switch (n.type) {
    case 'col':
      return `pl.col(${JSON.stringify(n.name)})`;
    case 'lit':
      return n.value === null ? 'None' : n.value === true ? 'True' : n.value === false ? 'False' : typeof n.value === 'string' ? JSON.stringify(n.value) : String(n.value);
    case 'binary':
      return `(${formatExpression(n.left)} ${n.op} ${formatExpression(n.right)})`;
    case 'unary':
      return `${n.op}${formatExpression(n.operand)}`;
    case 'method': {
      const args = n.args.map(formatExpression).concat(Object.entries(n.kwargs).map(([k, v]) => `${k}=${formatExpression(v)}`));
      return `${formatExpression(n.target)}.${n.method}(${args.join(', ')})`;
    }
    case 'list':
      return `${formatExpression(n.target)}.list.${n.method}(${n.args.map(formatExpression).join(', ')})`;
  }
}
