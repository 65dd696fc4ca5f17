import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store } from '../src/engine/store/index.js';

const writer = fileURLToPath(new URL('./engine-fixtures/store-writer.mjs', import.meta.url));

interface Doc {
  id: string;
  payload: string;
  sha: string;
}

/** Start a writer, SIGKILL it after a random delay, return the ids it acknowledged before dying. */
function killedWriter(dir: string, prefix: string, delayMs: number): Promise<{ acked: string[]; ackedPairs: string[]; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir, prefix, '100000', 'pairs'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!timer && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited ${code}: ${err}`));
      const lines = out.split('\n');
      lines.pop(); // a partial last line was not acknowledged
      resolve({
        acked: lines.filter((l) => l.startsWith('ack ') && !l.startsWith('ack pair ')).map((l) => l.slice(4)),
        ackedPairs: lines.filter((l) => l.startsWith('ack pair ')).map((l) => l.slice(9)),
        finished: lines.includes('done'),
      });
    });
  });
}

describe('store crash consistency', () => {
  it('SIGKILL at random points 50 times: every acknowledged write survives, every document parses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joey-crash-'));
    await Store.open(dir);
    const TRIALS = 50;
    const acked: string[] = [];
    const ackedPairs: string[] = [];
    let lost = 0;
    let torn = 0;
    let halfPairs = 0;
    let journalsLeft = 0;
    for (let t = 0; t < TRIALS; t++) {
      const delay = Math.floor(Math.random() * 120); // from "right after opening" to well into the write loop
      const r = await killedWriter(dir, `t${t}`, delay);
      acked.push(...r.acked);
      ackedPairs.push(...r.ackedPairs);
      if (existsSync(join(dir, 'journal.json'))) journalsLeft++; // killed inside a transaction: rolled back at open
      // the next process must open the store (stale lock broken, temp files swept) and find everything
      const store = await Store.open(dir, { lockTimeoutMs: 5_000 });
      const docs = new Map(store.list<Doc>('docs').map((d) => [d.id, d])); // throws if any document is torn
      for (const id of acked) {
        const d = docs.get(id);
        if (!d) lost++;
        else if (createHash('sha256').update(d.payload).digest('hex') !== d.sha) torn++;
      }
      for (const d of docs.values()) if (createHash('sha256').update(d.payload).digest('hex') !== d.sha) torn++;
      // two-document transactions: both halves or neither, and every acknowledged one complete
      const halves = new Set(store.ids('pairs'));
      for (const h of halves) if (!halves.has(h.replace(/-[ab]$/, h.endsWith('-a') ? '-b' : '-a'))) halfPairs++;
      for (const id of ackedPairs) if (!halves.has(`${id}-a`) || !halves.has(`${id}-b`)) lost++;
      await store.put('probe', 'after-crash', { t }); // a writer after the crash gets the lock
    }
    const store = await Store.open(dir);
    const total = store.ids('docs').length;
    // eslint-disable-next-line no-console
    console.log(`[engine-crash] trials=${TRIALS} acknowledged writes=${acked.length} acknowledged 2-doc transactions=${ackedPairs.length} documents on disk=${total} lost=${lost} torn=${torn} half-applied transactions=${halfPairs} transactions rolled back after a kill=${journalsLeft}`);
    expect(acked.length).toBeGreaterThan(TRIALS); // the kills landed mid-stream, not before any write
    expect(lost).toBe(0);
    expect(torn).toBe(0);
    expect(halfPairs).toBe(0);
    expect(ackedPairs.length).toBeGreaterThan(0);
    expect(total).toBeGreaterThanOrEqual(acked.length); // a write may land without its ack being read
    expect(readdirSync(join(dir, 'tmp')).filter((n) => !n.startsWith(`${process.pid}.`))).toEqual([]); // dead writers' temp files were swept
    expect(store.lockHolder()).toBeUndefined();
  });
});
