import { EXPR_METHODS, LIST_METHODS, type BinaryOp, type ExprMethod, type ExprNode, type ListMethod } from './ast.js';
import { ExpressionError } from './error.js';
import { tokenize, type Token } from './tokenize.js';

const MAX_DEPTH = 64;
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
/** Arity (min, max positional) of each method; `is_between` also takes `closed=`. */
const METHOD_ARITY: Record<ExprMethod, [number, number]> = {
  abs: [0, 0], is_null: [0, 0], is_not_null: [0, 0], is_nan: [0, 0], is_between: [2, 2], alias: [1, 1], not_: [0, 0],
  mean: [0, 0], sum: [0, 0], min: [0, 0], max: [0, 0], first: [0, 0], last: [0, 0], len: [0, 0],
};
const LIST_ARITY: Record<ListMethod, [number, number]> = {
  get: [1, 1], first: [0, 0], last: [0, 0], min: [0, 0], max: [0, 0], mean: [0, 0], sum: [0, 0], len: [0, 0],
};

/**
 * Parses a polars expression as written in Python into an AST, following Python's operator precedence
 * (lowest first): comparisons, `|`, `^`, `&`, `+ -`, `* / // %`, unary `- + ~`, `**`, then calls/attributes.
 * So `a > 1 & b` is `a > (1 & b)`, exactly as Python reads it. Nothing is ever evaluated: only `pl.col`,
 * `pl.lit`, literals, operators and a fixed set of methods are accepted; anything else (`__import__`,
 * `process`, `os.system`, …) is rejected with the 1-based column where it starts.
 */
export function parseExpression(src: string): ExprNode {
  if (typeof src !== 'string' || src.trim() === '') throw new ExpressionError('expression is empty', 1);
  const p = new Parser(tokenize(src));
  const node = p.expression();
  const t = p.peek();
  if (t.kind !== 'eof') throw new ExpressionError(`unexpected ${describe(t)} after the end of the expression`, t.pos);
  return node;
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of expression';
  if (t.kind === 'str') return `string ${t.text}`;
  if (t.kind === 'num') return `number ${t.text}`;
  return `"${t.text}"`;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  peek(): Token {
    const t = this.toks[this.i]!;
    if (t.kind === 'bad') throw new ExpressionError(`unexpected character ${JSON.stringify(t.text)}`, t.pos);
    return t;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === v;
  }
  private expectOp(v: string, what?: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.value !== v) throw new ExpressionError(`expected "${v}"${what ? ` ${what}` : ''}, found ${describe(t)}`, t.pos);
    return this.next();
  }
  private expectName(v: string): Token {
    const t = this.peek();
    if (t.kind !== 'name' || t.value !== v) throw new ExpressionError(`expected "${v}", found ${describe(t)}`, t.pos);
    return this.next();
  }
  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError(`expression is nested more than ${MAX_DEPTH} levels deep`, pos);
  }

  expression(): ExprNode {
    this.enter(this.peek().pos);
    try {
      const node = this.comparison();
      const t = this.peek();
      if (t.kind === 'name' && (t.value === 'and' || t.value === 'or')) {
        throw new ExpressionError(`"${t.value}" does not work on polars expressions; use "${t.value === 'and' ? '&' : '|'}" with parentheses`, t.pos);
      }
      if (t.kind === 'name' && (t.value === 'if' || t.value === 'for' || t.value === 'in' || t.value === 'is')) {
        throw new ExpressionError(`"${t.value}" is not supported in validation expressions`, t.pos);
      }
      return node;
    } finally {
      this.depth--;
    }
  }

  private comparison(): ExprNode {
    const left = this.bitOr();
    const t = this.peek();
    if (t.kind === 'op' && COMPARISONS.has(t.value as string)) {
      this.next();
      const right = this.bitOr();
      const u = this.peek();
      if (u.kind === 'op' && COMPARISONS.has(u.value as string)) {
        throw new ExpressionError('chained comparisons do not work on polars expressions; combine them with "&" and parentheses', u.pos);
      }
      return { type: 'binary', op: t.value as BinaryOp, left, right, pos: t.pos };
    }
    if (t.kind === 'op' && t.value === '=') throw new ExpressionError('"=" is assignment; use "==" to compare', t.pos);
    return left;
  }

  private leftAssoc(ops: string[], sub: () => ExprNode): ExprNode {
    let left = sub();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !ops.includes(t.value as string)) return left;
      this.next();
      const right = sub();
      left = { type: 'binary', op: t.value as BinaryOp, left, right, pos: t.pos };
    }
  }
  private bitOr = (): ExprNode => this.leftAssoc(['|'], this.bitXor);
  private bitXor = (): ExprNode => this.leftAssoc(['^'], this.bitAnd);
  private bitAnd = (): ExprNode => this.leftAssoc(['&'], this.arith);
  private arith = (): ExprNode => this.leftAssoc(['+', '-'], this.term);
  private term = (): ExprNode => this.leftAssoc(['*', '/', '//', '%'], this.factor);

  private factor = (): ExprNode => {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+' || t.value === '~')) {
      this.next();
      this.enter(t.pos);
      try {
        const operand = this.factor();
        return { type: 'unary', op: t.value, operand, pos: t.pos };
      } finally {
        this.depth--;
      }
    }
    if (t.kind === 'name' && t.value === 'not') {
      throw new ExpressionError('"not" does not work on polars expressions; use "~"', t.pos);
    }
    return this.power();
  };

  private power(): ExprNode {
    const base = this.postfix();
    const t = this.peek();
    if (t.kind === 'op' && t.value === '**') {
      this.next();
      const exp = this.factor(); // right-associative, binds tighter than unary on its left only
      const num = exp.type === 'lit' ? exp.value : exp.type === 'unary' && exp.op === '-' && exp.operand.type === 'lit' ? exp.operand.value : undefined;
      if (typeof num !== 'number') throw new ExpressionError('the exponent of "**" must be a number', exp.pos);
      return { type: 'binary', op: '**', left: base, right: exp, pos: t.pos };
    }
    return base;
  }

  private postfix(): ExprNode {
    let node = this.atom();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && t.value === '[') throw new ExpressionError('indexing is not supported; use .list.get(i)', t.pos);
      if (!(t.kind === 'op' && t.value === '.')) return node;
      this.next();
      const name = this.peek();
      if (name.kind !== 'name') throw new ExpressionError(`expected a method name after ".", found ${describe(name)}`, name.pos);
      this.next();
      if (name.value === 'list' || name.value === 'arr' || name.value === 'lst') {
        this.expectOp('.', `after ".${name.value}"`);
        const m = this.peek();
        if (m.kind !== 'name' || !(LIST_METHODS as readonly string[]).includes(m.value as string)) {
          throw new ExpressionError(
            `unknown list method ${m.kind === 'name' ? `".list.${m.value}"` : describe(m)}; supported: ${LIST_METHODS.map((x) => `.list.${x}()`).join(', ')}`,
            m.pos,
          );
        }
        this.next();
        const { args, kwargs } = this.callArgs(`.list.${m.value}`, LIST_ARITY[m.value as ListMethod], []);
        void kwargs;
        node = { type: 'list', method: m.value as ListMethod, target: node, args, pos: name.pos };
        continue;
      }
      if (!(EXPR_METHODS as readonly string[]).includes(name.value as string)) {
        throw new ExpressionError(
          `unknown method ".${name.value}"; supported: ${EXPR_METHODS.map((x) => `.${x}()`).join(', ')} and .list.*`,
          name.pos,
        );
      }
      const method = name.value as ExprMethod;
      const { args, kwargs } = this.callArgs(`.${method}`, METHOD_ARITY[method], method === 'is_between' ? ['closed'] : []);
      if (method === 'alias' && args[0]!.type !== 'lit') throw new ExpressionError('.alias() takes a string', args[0]!.pos);
      if (method === 'alias' && typeof (args[0] as { value: unknown }).value !== 'string') throw new ExpressionError('.alias() takes a string', args[0]!.pos);
      const closed = kwargs.closed;
      if (closed && !(closed.type === 'lit' && ['both', 'left', 'right', 'none'].includes(closed.value as string))) {
        throw new ExpressionError('closed= must be "both", "left", "right" or "none"', closed.pos);
      }
      node = { type: 'method', method, target: node, args, kwargs, pos: name.pos };
    }
  }

  private callArgs(what: string, [min, max]: [number, number], kwNames: string[]): { args: ExprNode[]; kwargs: Record<string, ExprNode> } {
    const open = this.expectOp('(', `to call ${what}`);
    const args: ExprNode[] = [];
    const kwargs: Record<string, ExprNode> = {};
    while (!this.isOp(')')) {
      const t = this.peek();
      if (t.kind === 'name' && this.toks[this.i + 1]?.kind === 'op' && this.toks[this.i + 1]?.value === '=') {
        if (!kwNames.includes(t.value as string)) throw new ExpressionError(`${what}() has no argument "${t.value}"`, t.pos);
        this.next();
        this.next();
        kwargs[t.value as string] = this.expression();
      } else {
        if (Object.keys(kwargs).length) throw new ExpressionError('positional argument after keyword argument', t.pos);
        args.push(this.expression());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    const close = this.expectOp(')', `to close ${what}(`);
    if (args.length < min || args.length > max) {
      const want = min === max ? `${min}` : `${min} to ${max}`;
      throw new ExpressionError(`${what}() takes ${want} argument${max === 1 ? '' : 's'}, got ${args.length}`, args.length > max ? args[max]!.pos : close.pos);
    }
    void open;
    return { args, kwargs };
  }

  private atom(): ExprNode {
    const t = this.peek();
    if (t.kind === 'num') {
      this.next();
      return /^[\d_]+$/.test(t.text) ? { type: 'lit', value: t.value as number, pos: t.pos, int: true } : { type: 'lit', value: t.value as number, pos: t.pos };
    }
    if (t.kind === 'str') {
      this.next();
      return { type: 'lit', value: t.value as string, pos: t.pos };
    }
    if (t.kind === 'op' && t.value === '(') {
      this.next();
      const inner = this.expression();
      if (this.isOp(',')) throw new ExpressionError('tuples are not supported', this.peek().pos);
      this.expectOp(')', 'to close "("');
      return inner;
    }
    if (t.kind === 'name') {
      switch (t.value) {
        case 'True':
          this.next();
          return { type: 'lit', value: true, pos: t.pos };
        case 'False':
          this.next();
          return { type: 'lit', value: false, pos: t.pos };
        case 'None':
          this.next();
          return { type: 'lit', value: null, pos: t.pos };
        case 'pl':
        case 'polars':
          return this.plCall();
      }
      throw new ExpressionError(`unknown name "${t.value}"; expressions start from pl.col("…"), pl.lit(…) or a literal`, t.pos);
    }
    throw new ExpressionError(`unexpected ${describe(t)}`, t.pos);
  }

  private plCall(): ExprNode {
    const pl = this.next();
    this.expectOp('.', `after "${pl.value}"`);
    const fn = this.peek();
    if (fn.kind !== 'name' || (fn.value !== 'col' && fn.value !== 'lit')) {
      throw new ExpressionError(`unknown function ${fn.kind === 'name' ? `"${pl.value}.${fn.value}"` : describe(fn)}; supported: pl.col, pl.lit`, fn.pos);
    }
    this.next();
    this.expectOp('(', `to call ${pl.value}.${fn.value}`);
    const arg = this.peek();
    if (fn.value === 'col') {
      if (arg.kind !== 'str') throw new ExpressionError(`pl.col() takes one column name as a string, found ${describe(arg)}`, arg.pos);
      this.next();
      if ((arg.value as string) === '') throw new ExpressionError('column name is empty', arg.pos);
      if (this.isOp(',')) throw new ExpressionError('pl.col() takes exactly one column name', this.peek().pos);
      this.expectOp(')', 'to close pl.col(');
      return { type: 'col', name: arg.value as string, pos: pl.pos };
    }
    const value = this.expression();
    if (value.type !== 'lit' && !(value.type === 'unary' && value.op === '-' && value.operand.type === 'lit' && typeof value.operand.value === 'number')) {
      throw new ExpressionError('pl.lit() takes a literal number, string, True, False or None', arg.pos);
    }
    this.expectOp(')', 'to close pl.lit(');
    const lit = value.type === 'lit' ? value : (value.operand as Extract<ExprNode, { type: 'lit' }>);
    const v = value.type === 'lit' ? value.value : -(lit.value as number);
    return lit.int ? { type: 'lit', value: v, pos: pl.pos, int: true } : { type: 'lit', value: v, pos: pl.pos };
  }
}
