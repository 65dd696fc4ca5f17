import { deflateSync } from 'node:zlib';
import { scoreAxisMax, type ScorePoint } from './chart.js';
import type { Thresholds } from './types.js';

// A PNG encoder (zlib is Node's own) and a small bar chart of assay scores: no dependency needed.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes 8-bit RGBA pixels (row-major, width·height·4 bytes) as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

type RGB = [number, number, number];
const COLORS: Record<string, RGB> = { Ok: [46, 160, 67], Warning: [230, 150, 20], Alert: [215, 45, 45] };

// 3×5 glyphs for labels: each string is 5 rows of 3 bits.
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001010010010', '8': '111101111101111', '9': '111101111001111',
  '.': '000000000000010', '-': '000000111000000', e: '000111101110011', ' ': '000000000000000',
};

class Canvas {
  readonly px: Uint8Array;
  constructor(readonly w: number, readonly h: number) {
    this.px = new Uint8Array(w * h * 4).fill(255);
  }
  set(x: number, y: number, [r, g, b]: RGB): void {
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    const i = (Math.floor(y) * this.w + Math.floor(x)) * 4;
    this.px[i] = r;
    this.px[i + 1] = g;
    this.px[i + 2] = b;
    this.px[i + 3] = 255;
  }
  rect(x0: number, y0: number, x1: number, y1: number, c: RGB): void {
    for (let y = Math.round(y0); y < Math.round(y1); y++) for (let x = Math.round(x0); x < Math.round(x1); x++) this.set(x, y, c);
  }
  hline(x0: number, x1: number, y: number, c: RGB, dash = 0): void {
    for (let x = x0; x < x1; x++) if (!dash || Math.floor((x - x0) / dash) % 2 === 0) this.set(x, y, c);
  }
  text(x: number, y: number, s: string, c: RGB, scale = 2): void {
    for (const ch of s) {
      const g = GLYPHS[ch] ?? GLYPHS[' ']!;
      for (let r = 0; r < 5; r++) for (let k = 0; k < 3; k++) if (g[r * 3 + k] === '1') this.rect(x + k * scale, y + r * scale, x + (k + 1) * scale, y + (r + 1) * scale, c);
      x += 4 * scale;
    }
  }
}

const label = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(1).replace('e-', 'e-') : String(Number(v.toPrecision(3))));

/**
 * A bar per window (green Ok, orange Warning, red Alert) over a dashed orange warning line and a dashed red
 * alert line, with the axis top and the thresholds labelled. Returns PNG bytes.
 */
export function renderScoresPng(points: ScorePoint[], t: Thresholds, opts: { width?: number; height?: number } = {}): Buffer {
  const W = opts.width ?? 800;
  const H = opts.height ?? 300;
  const c = new Canvas(W, H);
  const left = 70, right = W - 20, top = 20, bottom = H - 30;
  const max = scoreAxisMax(points, t);
  const y = (v: number) => bottom - (Math.min(v, max) / max) * (bottom - top);
  const axis: RGB = [90, 90, 90];
  c.rect(left - 1, top, left, bottom + 1, axis);
  c.hline(left, right, bottom, axis);
  c.text(6, top - 4, label(max), axis);
  c.text(6, bottom - 6, '0', axis);
  const n = Math.max(1, points.length);
  const slot = (right - left) / n;
  points.forEach((p, i) => {
    const x0 = left + i * slot + Math.max(1, slot * 0.15);
    const x1 = left + (i + 1) * slot - Math.max(1, slot * 0.15);
    c.rect(x0, y(p.score), Math.max(x0 + 1, x1), bottom, COLORS[p.status] ?? axis);
    if (p.score > max) c.rect(x0, top + 6, Math.max(x0 + 1, x1), top + 9, [255, 255, 255]); // clipped bar: a gap near the top
  });
  if (t.warning !== undefined) {
    c.hline(left, right, Math.round(y(t.warning)), COLORS.Warning!, 6);
    if (Math.abs(y(t.warning) - y(t.alert)) >= 12) c.text(6, Math.round(y(t.warning)) - 5, label(t.warning), COLORS.Warning!);
  }
  c.hline(left, right, Math.round(y(t.alert)), COLORS.Alert!, 6);
  c.text(6, Math.round(y(t.alert)) - 5, label(t.alert), COLORS.Alert!);
  return encodePng(W, H, c.px);
}
