import pl from 'nodejs-polars';
import type { ExprNode } from './ast.js';
import { ExpressionError } from './error.js';

type Expr = pl.Expr;

function lit(n: Extract<ExprNode, { type: 'lit' }>): Expr {
  // JS numbers become Float64 in polars; Python ints are Int64 (matters for `&`, `|`, `//`).
  return n.int ? pl.lit(n.value).cast(pl.Int64) : pl.lit(n.value);
}

/** A literal index/argument that must be a plain number (e.g. `.list.get(0)`). */
function intArg(n: ExprNode, what: string): number {
  const v = n.type === 'lit' ? n.value : n.type === 'unary' && n.op === '-' && n.operand.type === 'lit' ? -(n.operand.value as number) : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ExpressionError(`${what} takes an integer`, n.pos);
  return v;
}

function intArgOrFloat(n: ExprNode): number {
  const v = n.type === 'lit' ? n.value : n.type === 'unary' && n.op === '-' && n.operand.type === 'lit' ? -(n.operand.value as number) : undefined;
  if (typeof v !== 'number') throw new ExpressionError('the exponent of "**" must be a number', n.pos);
  return v;
}

/**
 * Turns a parsed expression into a nodejs-polars `Expr`, with Python polars semantics:
 * `/` is true division, `//` floor division, `%` floored modulo, `&`/`|`/`~` logical (bitwise on ints),
 * `is_between` is closed on both ends unless `closed=` says otherwise.
 */
export function compileExpression(node: ExprNode): Expr {
  switch (node.type) {
    case 'col':
      return pl.col(node.name);
    case 'lit':
      return lit(node);
    case 'unary': {
      if (node.op === '+') return compileExpression(node.operand);
      if (node.op === '-') {
        if (node.operand.type === 'lit' && typeof node.operand.value === 'number') {
          return lit({ ...node.operand, value: -node.operand.value });
        }
        return compileExpression(node.operand).mul(-1);
      }
      return compileExpression(node.operand).not();
    }
    case 'binary': {
      const l = compileExpression(node.left);
      const r = compileExpression(node.right);
      switch (node.op) {
        case '&':
          return l.and(r);
        case '|':
          return l.or(r);
        case '^':
          return l.or(r).and(l.and(r).not());
        case '==':
          return l.eq(r);
        case '!=':
          return l.neq(r);
        case '<':
          return l.lt(r);
        case '<=':
          return l.ltEq(r);
        case '>':
          return l.gt(r);
        case '>=':
          return l.gtEq(r);
        case '+':
          return l.plus(r);
        case '-':
          return l.minus(r);
        case '*':
          return l.mul(r);
        case '/':
          return l.cast(pl.Float64).div(r.cast(pl.Float64));
        case '//':
          return l.cast(pl.Float64).div(r.cast(pl.Float64)).floor();
        case '%':
          return l.modulo(r);
        case '**':
          return l.pow(intArgOrFloat(node.right));
      }
      break;
    }
    case 'method': {
      const t = compileExpression(node.target);
      switch (node.method) {
        case 'abs':
          return t.abs();
        case 'is_null':
          return t.isNull();
        case 'is_not_null':
          return t.isNotNull();
        case 'is_nan':
          return t.isNan();
        case 'not_':
          return t.not();
        case 'alias':
          return t.alias((node.args[0] as { value: string }).value);
        case 'is_between': {
          const [a, b] = node.args.map(compileExpression) as [Expr, Expr];
          const closed = (node.kwargs.closed as { value?: string } | undefined)?.value ?? 'both';
          const lo = closed === 'both' || closed === 'left' ? t.gtEq(a) : t.gt(a);
          const hi = closed === 'both' || closed === 'right' ? t.ltEq(b) : t.lt(b);
          return lo.and(hi);
        }
        case 'mean':
          return t.mean();
        case 'sum':
          return t.sum();
        case 'min':
          return t.min();
        case 'max':
          return t.max();
        case 'first':
          return t.first();
        case 'last':
          return t.last();
        case 'len':
          return t.count();
      }
      break;
    }
    case 'list': {
      const l = compileExpression(node.target).lst;
      switch (node.method) {
        case 'get':
          return l.get(intArg(node.args[0]!, '.list.get()'));
        case 'first':
          return l.first();
        case 'last':
          return l.last();
        case 'min':
          return l.min();
        case 'max':
          return l.max();
        case 'mean':
          return l.mean();
        case 'sum':
          return l.sum();
        case 'len':
          return l.lengths();
      }
    }
  }
  throw new ExpressionError('unsupported expression', (node as ExprNode).pos);
}
