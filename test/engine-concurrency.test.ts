import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store } from '../src/engine/store/index.js';

const writer = fileURLToPath(new URL('./engine-fixtures/store-writer.mjs', import.meta.url));

function run(dir: string, prefix: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir, prefix, String(count), 'counter'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter((l) => l.startsWith('ack ')).map((l) => l.slice(4))) : reject(new Error(`writer ${prefix} exited ${code}: ${err}`))));
  });
}

describe('store concurrency', () => {
  it('two processes writing interleaved documents and a shared read-modify-write counter: nothing lost or torn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joey-conc-'));
    await Store.open(dir);
    const N = 150;
    const [a, b] = await Promise.all([run(dir, 'a', N), run(dir, 'b', N)]);
    const store = await Store.open(dir);
    const docs = store.list<{ id: string; payload: string; sha: string }>('docs');
    const ids = new Set(docs.map((d) => d.id));
    const lost = [...a, ...b].filter((id) => !ids.has(id)).length;
    const torn = docs.filter((d) => createHash('sha256').update(d.payload).digest('hex') !== d.sha).length;
    const counter = store.get<{ n: number }>('counters', 'shared')!.n;
    const lostUpdates = 2 * N - counter;
    // eslint-disable-next-line no-console
    console.log(`[engine-concurrency] processes=2 writes=${a.length + b.length} documents=${docs.length} lost=${lost} torn=${torn} counter=${counter}/${2 * N} lost updates=${lostUpdates}`);
    expect(a).toHaveLength(N);
    expect(b).toHaveLength(N);
    expect(lost).toBe(0);
    expect(torn).toBe(0);
    expect(docs).toHaveLength(2 * N);
    expect(lostUpdates).toBe(0);
  });
});
