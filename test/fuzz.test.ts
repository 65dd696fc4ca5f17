import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { findManifestFiles, loadRepo } from '../src/manifest/index.js';
import { specHash } from '../src/model/canonical.js';
import { copyExamples } from './examples.js';

/**
 * 1,000 seeded random mutations of the example manifests: structural (delete/insert keys, change types, swap
 * values) and textual (garbled YAML). loadRepo must never throw, and every diagnostic must be well formed.
 */
const ITERATIONS = 1000;

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof mulberry32>;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const ODD_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, '', ' ', 'count', 'a_b', 'UPPER', '../../../etc/passwd', '1Gi', '0 0 1 * * *',
  'pl.col("x") >', '__import__("os")', 'x'.repeat(300), '∑ünïcödé', [], [1, 'two'], {}, { nested: { deep: [null] } },
  'env:SECRET', '-1', '.inf', 'scheduled', 'provided',
];
const ODD_TEXT = [':', '- ', '[', ']', '{', '}', '"', "'", '\t', '&a ', '*a', '!!binary ', '---\n', '...\n', '? ', '|', '>', '%YAML 1.2\n', '#', '\\', '\u0000', '\n  '];

/** All (container, key) slots in a JS value. */
function slots(v: unknown, out: { parent: Record<string | number, unknown>; key: string | number }[] = []) {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v as never, key: i }), slots(x, out)));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.push({ parent: v as never, key: k }), slots(x, out));
  return out;
}

function mutateStructure(r: Rand, text: string): string {
  let doc: unknown;
  try {
    doc = parse(text.split(/^---$/m)[0]!);
  } catch {
    return text;
  }
  const all = slots(doc);
  const rounds = 1 + Math.floor(r() * 3);
  for (let i = 0; i < rounds && all.length; i++) {
    const s = pick(r, all);
    const op = Math.floor(r() * 5);
    if (op === 0) {
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key];
    } else if (op === 1) {
      const target = s.parent[s.key];
      if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[pick(r, ['extra', 'spec', 'name', 'path', 'gpus', 'schedule', 'values', 'x'])] = pick(r, ODD_VALUES);
      else s.parent[s.key] = pick(r, ODD_VALUES);
    } else if (op === 2) {
      s.parent[s.key] = pick(r, ODD_VALUES);
    } else if (op === 3) {
      const other = pick(r, all);
      const tmp = s.parent[s.key];
      s.parent[s.key] = other.parent[other.key];
      other.parent[other.key] = tmp;
    } else {
      const v = s.parent[s.key];
      s.parent[s.key] = typeof v === 'string' ? Number(v.length) : typeof v === 'number' ? String(v) : Array.isArray(v) ? { ...v } : v && typeof v === 'object' ? Object.values(v) : [v];
    }
  }
  try {
    return stringify(doc);
  } catch {
    return text;
  }
}

function garbleText(r: Rand, text: string): string {
  let t = text;
  const rounds = 1 + Math.floor(r() * 4);
  for (let i = 0; i < rounds; i++) {
    const at = Math.floor(r() * (t.length + 1));
    const op = Math.floor(r() * 5);
    if (op === 0) t = t.slice(0, at) + pick(r, ODD_TEXT) + t.slice(at);
    else if (op === 1) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 20));
    else if (op === 2) t = t.slice(0, at);
    else if (op === 3) {
      const lines = t.split('\n');
      const a = Math.floor(r() * lines.length);
      const b = Math.floor(r() * lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      t = lines.join('\n');
    } else {
      const lines = t.split('\n');
      const a = Math.floor(r() * lines.length);
      lines.splice(a, 0, lines[a] ?? '');
      t = lines.join('\n');
    }
  }
  return t;
}

describe('fuzzing the loader', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'joey-fuzz-'));
  const repo = join(tmp, 'repo');
  copyExamples(repo);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`${ITERATIONS} seeded mutations of the examples: 0 uncaught exceptions`, async () => {
    const files = findManifestFiles(repo);
    const originals = new Map(files.map((f) => [f, readFileSync(join(repo, f), 'utf8')]));
    const r = mulberry32(20261123);
    const thrown: string[] = [];
    let invalid = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const file = pick(r, files);
      const original = originals.get(file)!;
      const mutated = r() < 0.5 ? mutateStructure(r, original) : garbleText(r, original);
      writeFileSync(join(repo, file), mutated);
      try {
        const res = await loadRepo(repo, r() < 0.2 ? { env: 'prod' } : {});
        for (const d of res.diagnostics) {
          if (!(d.line >= 1 && d.col >= 1 && typeof d.message === 'string' && d.message && typeof d.file === 'string')) {
            thrown.push(`#${i} ${file}: malformed diagnostic ${JSON.stringify(d)}`);
          }
        }
        if (res.diagnostics.some((d) => d.severity === 'error')) invalid++;
        for (const x of res.resources) specHash(x);
      } catch (e) {
        thrown.push(`#${i} ${file}: ${(e as Error).stack}\n--- input ---\n${mutated}`);
      } finally {
        writeFileSync(join(repo, file), original);
      }
    }
    expect(thrown.slice(0, 3)).toEqual([]);
    // The mutations really do break things (the fuzzer is not testing valid input only).
    expect(invalid).toBeGreaterThan(ITERATIONS / 2);
  }, 120_000);
});
