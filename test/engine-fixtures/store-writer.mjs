// A store writer for the crash and concurrency tests (runs against dist/, built by vitest's global setup).
// usage: node store-writer.mjs <stateDir> <prefix> <count> [counter|pairs]
// Writes docs `<prefix>-<i>` (payload + its sha256), and with `counter` also increments a shared counter
// doc under the lock, and with `pairs` also writes two-document transactions; prints `ack <id>` /
// `ack pair <id>` only after each write has returned (i.e. is durable).
import { createHash, randomBytes } from 'node:crypto';
import { Store } from '../../dist/src/engine/store/index.js';

const [dir, prefix, countArg, mode] = process.argv.slice(2);
const counter = mode === 'counter';
const pairs = mode === 'pairs';
const count = Number(countArg);
const store = await Store.open(dir, { lockTimeoutMs: 20_000 });
process.stdout.write('ready\n');
for (let i = 0; i < count; i++) {
  const id = `${prefix}-${i}`;
  const payload = randomBytes(64 + Math.floor(Math.random() * 4096)).toString('base64');
  await store.put('docs', id, { id, i, payload, sha: createHash('sha256').update(payload).digest('hex') });
  if (counter) await store.update('counters', 'shared', (cur) => ({ n: (cur?.n ?? 0) + 1, last: id }));
  process.stdout.write(`ack ${id}\n`);
  if (pairs && i % 2 === 0) {
    // a multi-document transaction: both halves or neither may survive a crash
    await store.withLock(() => {
      store.putUnlocked('pairs', `${id}-a`, { id, half: 'a', payload });
      store.putUnlocked('pairs', `${id}-b`, { id, half: 'b', payload });
    });
    process.stdout.write(`ack pair ${id}\n`);
  }
}
process.stdout.write('done\n');
