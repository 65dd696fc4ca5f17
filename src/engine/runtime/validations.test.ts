import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../expr/index.js';
import type { Frame } from './frame.js';
import { fastEvaluator, Validations } from './validations.js';

/** Values around the literals used below, float32-rounded ones included, and signed zeros. */
function frame(n: number, seed: number, extra: number[] = []): Frame {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const edges = [0.9, Math.fround(0.9), 0.5, 1, 0, -0, -0.25, 2, ...extra];
  const pick = () => (rnd() < 0.5 ? edges[Math.floor(rnd() * edges.length)]! : rnd() * 2 - 0.5);
  const list = Float32Array.from({ length: n * 3 }, pick);
  return {
    numRows: n,
    columns: new Map([
      ['out.dense_1', { kind: 'tensor', type: 'float32', data: list, shape: [3] }],
      ['out.s', { kind: 'tensor', type: 'float64', data: Float64Array.from({ length: n }, pick), shape: [] }],
      ['in.i', { kind: 'tensor', type: 'int32', data: Int32Array.from({ length: n }, () => Math.floor(rnd() * 5) - 2), shape: [] }],
    ]),
  } as Frame;
}

const SPECS: Record<string, string> = {
  a: 'pl.col("out.dense_1").list.get(0) > 0.9',
  b: 'pl.col("out.dense_1").list.get(-1) >= 0.9',
  c: '(pl.col("out.dense_1").list.first() <= 0.5) & ~(pl.col("out.s") == 1)',
  d: '(0.5 < pl.col("out.dense_1").list.last()) | (pl.col("in.i") != 0)',
  e: 'pl.col("out.s") < -0.25',
  f: 'pl.col("in.i") >= 1',
  g: '(pl.col("out.s") == 0).alias("zero")',
};

describe('validations: the JS path gives exactly polars\' answers', () => {
  it('takes the JS path for comparisons with literals combined with & | ~', () => {
    for (const spec of Object.values(SPECS)) expect(fastEvaluator(parseExpression(spec)), spec).toBeDefined();
    for (const spec of ['pl.col("out.s").abs() > 1', 'pl.col("out.s") > pl.col("in.i")', 'pl.col("out.dense_1").list.max() > 1', 'pl.col("out.s").is_null()']) {
      expect(fastEvaluator(parseExpression(spec)), spec).toBeUndefined();
    }
  });

  it('matches polars on batches of 1, 100 and 1000 rows', () => {
    const fast = new Validations(SPECS);
    const slow = new Validations(SPECS, { fast: false });
    for (const [n, seed] of [[1, 1], [1, 2], [100, 3], [1000, 4]] as const) {
      const f = frame(n, seed);
      const a = fast.run(f);
      const b = slow.run(f);
      expect(a.names).toEqual(b.names);
      a.flags.forEach((fl, i) => expect(Array.from(fl), `${a.names[i]} n=${n}`).toEqual(Array.from(b.flags[i]!)));
      expect(Array.from(a.count)).toEqual(Array.from(b.count));
      expect(a.count.some((c) => c > 0)).toBe(true);
    }
  });

  it('frames with NaN, or an index past the list, go to polars', () => {
    const f = frame(50, 7, [NaN]);
    const spec = { a: SPECS.a!, e: SPECS.e! };
    expect(fastEvaluator(parseExpression(SPECS.a!))!(f) === undefined || fastEvaluator(parseExpression(SPECS.e!))!(f) === undefined).toBe(true);
    const a = new Validations(spec).run(f);
    const b = new Validations(spec, { fast: false }).run(f);
    a.flags.forEach((fl, i) => expect(Array.from(fl)).toEqual(Array.from(b.flags[i]!)));
    expect(fastEvaluator(parseExpression('pl.col("out.dense_1").list.get(3) > 0'))!(frame(2, 1))).toBeUndefined();
  });
});
