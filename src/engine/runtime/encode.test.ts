import { describe, expect, it } from 'vitest';
import { fillTime } from './encode.js';

describe('fillTime', () => {
  it('sets exactly [from, to) to the timestamp, for every length and offset', () => {
    const ms = 1_795_443_296_738;
    for (const n of [0, 1, 2, 3, 7, 8, 9, 1000, 10_000]) {
      for (const [from, to] of [[0, n], [Math.floor(n / 3), n - Math.floor(n / 4)], [n, n]] as const) {
        const times = new BigInt64Array(n).fill(-1n);
        fillTime(times, ms, from, to);
        const wrong = Array.from(times).findIndex((v, i) => v !== (i >= from && i < to ? BigInt(ms) : -1n));
        expect(wrong, `n=${n} [${from}, ${to})`).toBe(-1);
      }
    }
  });
});
