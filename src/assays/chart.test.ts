import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng, renderScoresPng, renderScoresText, scoreAxisMax } from './index.js';

const pts = [
  { start: Date.parse('2024-02-15T16:20:00Z'), score: 0.02, status: 'Ok' as const },
  { start: Date.parse('2024-02-15T16:21:00Z'), score: 0.12, status: 'Warning' as const },
  { start: Date.parse('2024-02-15T16:22:00Z'), score: 9, status: 'Alert' as const },
];

describe('score charts', () => {
  it('axis: a quarter above alert at least, at most 4× alert (taller bars clipped)', () => {
    expect(scoreAxisMax(pts.slice(0, 1), { alert: 0.2 })).toBeCloseTo(0.25);
    expect(scoreAxisMax(pts, { alert: 0.2 })).toBeCloseTo(0.8);
    expect(scoreAxisMax([], { alert: 0 })).toBe(1);
  });

  it('text: a row per window, threshold marks, clipped bars end with ▶', () => {
    const s = renderScoresText(pts, { warning: 0.1, alert: 0.2 }, { width: 20 });
    const rows = s.split('\n');
    expect(rows).toHaveLength(5);
    expect(rows[1]).toMatch(/^2024-02-15T16:20:00\.000Z +0\.020000 +Ok +┆ +│ +$/);
    expect(rows[2]).toMatch(/Warning +███ +│ +$/);
    expect(rows[3]).toMatch(/Alert +█{19}▶$/);
    expect(rows[4]).toMatch(/┆ warning 0\.1 +│ alert 0\.2$/);
    expect(renderScoresText([], { alert: 1 })).toBe('no windows with data');
  });

  it('png: valid signature, IHDR and pixels that decode back', () => {
    const px = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255]);
    const png = encodePng(2, 1, px);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([2, 1, 8, 6]);
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('latin1')).toBe('IDAT');
    expect(Array.from(inflateSync(png.subarray(41, 41 + idatLen)))).toEqual([0, ...px]);
    const chart = renderScoresPng(pts, { warning: 0.1, alert: 0.2 }, { width: 200, height: 100 });
    expect([chart.readUInt32BE(16), chart.readUInt32BE(20)]).toEqual([200, 100]);
  });
});
