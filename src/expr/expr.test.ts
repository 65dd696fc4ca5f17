import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { JoeyError } from '../model/index.js';
import { columnsOf, compileExpression, ExpressionError, formatExpression, parseExpression } from './index.js';

const shape = (src: string) => formatExpression(parseExpression(src));
const errorOf = (src: string): ExpressionError => {
  try {
    parseExpression(src);
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    expect(e).toBeInstanceOf(JoeyError);
    return e as ExpressionError;
  }
  throw new Error(`expected ${src} to be rejected`);
};

/** Evaluates an expression string on a real polars frame and returns the values of the result column. */
const run = (df: pl.DataFrame, src: string): unknown[] => df.select(compileExpression(parseExpression(src)).alias('r')).getColumn('r').toArray();

const frame = () =>
  pl.DataFrame({
    'out.dense_1': [[0.95], [0.5], [0.0005], [0.99]],
    'in.tensor': [[1, 2, 3], [4, -5, 6], [-7, 8, 9], [0, 0, 0]],
    a: pl.Series('a', [1, 2, 3, 4], pl.Int64),
    b: pl.Series('b', [0, 1, 2, 3], pl.Int64),
    s: ['x', 'y', null, 'x'],
  });

describe('parseExpression: precedence follows Python', () => {
  it('comparison binds looser than & and |', () => {
    expect(shape('pl.col("a") > 1 & pl.col("b")')).toBe('(pl.col("a") > (1 & pl.col("b")))');
    expect(shape('pl.col("a") == 1 | pl.col("b")')).toBe('(pl.col("a") == (1 | pl.col("b")))');
  });
  it('& binds tighter than ^ than |; arithmetic tighter than &', () => {
    expect(shape('pl.col("a") | pl.col("b") & pl.col("c")')).toBe('(pl.col("a") | (pl.col("b") & pl.col("c")))');
    expect(shape('pl.col("a") ^ pl.col("b") | pl.col("c")')).toBe('((pl.col("a") ^ pl.col("b")) | pl.col("c"))');
    expect(shape('pl.col("a") & pl.col("b") + 1')).toBe('(pl.col("a") & (pl.col("b") + 1))');
  });
  it('* / // % bind tighter than + -, left-associative', () => {
    expect(shape('1 + 2 * 3 - 4 // 2 % 3')).toBe('((1 + (2 * 3)) - ((4 // 2) % 3))');
    expect(shape('8 / 4 / 2')).toBe('((8 / 4) / 2)');
  });
  it('unary minus and ~ bind looser than ** and method calls', () => {
    expect(shape('-2 ** 2')).toBe('-(2 ** 2)');
    expect(shape('~pl.col("a").is_null()')).toBe('~pl.col("a").is_null()');
    expect(shape('-pl.col("a").abs()')).toBe('-pl.col("a").abs()');
  });
  it('parentheses override', () => {
    expect(shape('(pl.col("a") > 1) & (pl.col("b") < 2)')).toBe('((pl.col("a") > 1) & (pl.col("b") < 2))');
  });
  it('accepts the seeds\' forms, polars., single quotes, whitespace and newlines', () => {
    expect(shape(`polars.col('out.dense_1').list.get(0) > 0.9`)).toBe('(pl.col("out.dense_1").list.get(0) > 0.9)');
    expect(shape('(pl.col("out.dense_1").list.get(0) < 0.9)\n  & (pl.col("out.dense_1").list.get(0) > 0.001)')).toBe(
      '((pl.col("out.dense_1").list.get(0) < 0.9) & (pl.col("out.dense_1").list.get(0) > 0.001))',
    );
    expect(shape('pl.lit(None).is_null() | pl.lit(True) != False')).toBe('((None.is_null() | True) != False)');
  });
  it('columnsOf lists the columns read', () => {
    expect(columnsOf(parseExpression('(pl.col("out.x").list.get(0) > 1) & (pl.col("in.y").list.min() < pl.col("out.x").list.max())'))).toEqual([
      'out.x',
      'in.y',
    ]);
    expect(columnsOf(parseExpression('pl.lit(1) > 0'))).toEqual([]);
  });
});

describe('parseExpression: rejects with the 1-based column', () => {
  const cases: [string, number, RegExp][] = [
    ['__import__("os").system("rm -rf /")', 1, /unknown name "__import__"/],
    ['pl.col("a") > process.exit(1)', 15, /unknown name "process"/],
    ['require("child_process")', 1, /unknown name "require"/],
    ['os.system("ls")', 1, /unknown name "os"/],
    ['pl.col("a").__class__', 13, /unknown method "\.__class__"/],
    ['pl.col("a").map_elements(lambda x: x)', 13, /unknown method/],
    ['pl.eval("1")', 4, /unknown function "pl.eval"/],
    ['pl.col("a").list.eval(1)', 18, /unknown list method/],
    ['pl.col("a") > ', 15, /unexpected end of expression/],
    ['pl.col("a") > 1 )', 17, /unexpected "\)"/],
    ['(pl.col("a") > 1', 17, /expected "\)"/],
    ['pl.col("a") < 1 < 2', 17, /chained comparisons/],
    ['pl.col("a") > 1 and pl.col("b") > 2', 17, /use "&"/],
    ['not pl.col("a")', 1, /use "~"/],
    ['pl.col("a") = 1', 13, /use "=="/],
    ['pl.col("a" + "b")', 12, /expected "\)" to close pl.col/],
    ['pl.col("a").list.get()', 22, /takes 1 argument/],
    ['pl.col("a").list.get(0, 1)', 25, /takes 1 argument/],
    ['pl.col("a").is_between(1, 2, open="x")', 30, /no argument "open"/],
    ['pl.col("a").alias(1)', 19, /takes a string/],
    ['pl.col("a")[0]', 12, /indexing is not supported/],
    ['pl.col("a") > f"x"', 15, /string prefix/],
    ['pl.col("a") > "x', 15, /unterminated string/],
    ['pl.col("a") @ 2', 13, /unexpected character "@"/],
    ['pl.col("a") ** pl.col("b")', 16, /exponent/],
    ['lambda: 1', 1, /unknown name "lambda"/],
    ['pl.col("a"); import os', 12, /unexpected character ";"/],
    ['', 1, /empty/],
  ];
  for (const [src, col, re] of cases) {
    it(`${JSON.stringify(src)} → column ${col}`, () => {
      const e = errorOf(src);
      expect(e.column).toBe(col);
      expect(e.message).toMatch(re);
      expect(e.message).toMatch(new RegExp(`^column ${col}: `));
      expect(e.status).toBe(400);
    });
  }
  it('deep nesting is refused, not a stack overflow', () => {
    const e = errorOf('('.repeat(2000) + '1' + ')'.repeat(2000));
    expect(e.message).toMatch(/nested/);
  });
  it('nothing is executed: a malicious string leaves no trace', () => {
    (globalThis as Record<string, unknown>).__joeyPwned = undefined;
    errorOf('globalThis.__joeyPwned = 1');
    expect((globalThis as Record<string, unknown>).__joeyPwned).toBeUndefined();
  });
});

describe('compileExpression on real polars frames', () => {
  const df = frame();
  it('list methods', () => {
    expect(run(df, 'pl.col("out.dense_1").list.get(0) > 0.9')).toEqual([true, false, false, true]);
    expect(run(df, 'pl.col("in.tensor").list.get(-1)')).toEqual([3, 6, 9, 0]);
    expect(run(df, 'pl.col("in.tensor").list.first()')).toEqual([1, 4, -7, 0]);
    expect(run(df, 'pl.col("in.tensor").list.last()')).toEqual([3, 6, 9, 0]);
    expect(run(df, 'pl.col("in.tensor").list.min()')).toEqual([1, -5, -7, 0]);
    expect(run(df, 'pl.col("in.tensor").list.max()')).toEqual([3, 6, 9, 0]);
    expect(run(df, 'pl.col("in.tensor").list.sum()')).toEqual([6, 5, 10, 0]);
    expect(run(df, 'pl.col("in.tensor").list.mean()')).toEqual([2, 5 / 3, 10 / 3, 0]);
    expect(run(df, 'pl.col("in.tensor").list.len()').map(Number)).toEqual([3, 3, 3, 3]);
    expect(run(df, 'pl.col("in.tensor").arr.max()')).toEqual([3, 6, 9, 0]);
  });
  it('the seeds\' compound validation', () => {
    expect(run(df, '(pl.col("out.dense_1").list.get(0) < 0.9) & (pl.col("out.dense_1").list.get(0) > 0.001)')).toEqual([false, true, false, false]);
  });
  it('Python precedence gives Python\'s answer: a > 1 & b is a > (1 & b)', () => {
    // 1 & b = [0, 1, 0, 1] → a > that = [true, true, true, true]; (a > 1) & b would differ.
    expect(run(df, 'pl.col("a") > 1 & pl.col("b")')).toEqual([1, 2, 3, 4].map((a, i) => a > (1 & [0, 1, 2, 3][i]!)));
    expect(run(df, '(pl.col("a") > 1) & (pl.col("b") > 1)')).toEqual([false, false, true, true]);
  });
  it('arithmetic, unary and comparison operators', () => {
    expect(run(df, 'pl.col("a") + pl.col("b") * 2')).toEqual([1, 4, 7, 10]);
    expect(run(df, 'pl.col("a") - 1')).toEqual([0, 1, 2, 3]);
    expect(run(df, 'pl.col("a") / 2')).toEqual([0.5, 1, 1.5, 2]);
    expect(run(df, 'pl.col("a") // 2')).toEqual([0, 1, 1, 2]);
    expect(run(df, '-pl.col("a") % 3')).toEqual([2, 1, 0, 2]);
    expect(run(df, '-pl.col("a")')).toEqual([-1, -2, -3, -4]);
    expect(run(df, 'pl.col("a") ** 2')).toEqual([1, 4, 9, 16]);
    expect(run(df, 'pl.col("a") == 2')).toEqual([false, true, false, false]);
    expect(run(df, 'pl.col("a") != 2')).toEqual([true, false, true, true]);
    expect(run(df, 'pl.col("a") <= 2')).toEqual([true, true, false, false]);
    expect(run(df, 'pl.col("a") >= 2')).toEqual([false, true, true, true]);
    expect(run(df, '2 < pl.col("a")')).toEqual([false, false, true, true]);
    expect(run(df, '~(pl.col("a") > 2) | (pl.col("b") == 3)')).toEqual([true, true, false, true]);
    expect(run(df, '(pl.col("a") > 2) ^ (pl.col("b") > 0)')).toEqual([false, true, false, false]);
  });
  it('methods', () => {
    expect(run(df, '(pl.col("in.tensor").list.get(1)).abs()')).toEqual([2, 5, 8, 0]);
    expect(run(df, 'pl.col("s").is_null()')).toEqual([false, false, true, false]);
    expect(run(df, 'pl.col("s").is_not_null()')).toEqual([true, true, false, true]);
    expect(run(df, 'pl.col("a").is_between(2, 3)')).toEqual([false, true, true, false]);
    expect(run(df, 'pl.col("a").is_between(2, 3, closed="none")')).toEqual([false, false, false, false]);
    expect(run(df, 'pl.col("a").is_between(2, 4, closed="left")')).toEqual([false, true, true, false]);
    expect(run(df, 'pl.col("s") == "x"')).toEqual([true, false, null, true]);
    expect(run(df, 'pl.col("a").mean() < pl.col("a")')).toEqual([false, false, true, true]);
    expect(df.select(compileExpression(parseExpression('pl.col("a").alias("z")'))).columns).toEqual(['z']);
    expect(run(df, 'pl.lit(5) > pl.col("a")')).toEqual([true, true, true, true]);
    expect(run(df, 'pl.lit(-1.5) < pl.col("a")')).toEqual([true, true, true, true]);
  });
});
