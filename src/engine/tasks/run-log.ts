/**
 * Task run logs: one file per run, one line per output line, in the container-log shape the platform's
 * `get_logs_for_run` returns: `<RFC 3339 time> <stdout|stderr> F <text>`.
 */
import { createWriteStream, openSync, readSync, closeSync, fstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Stream } from './process.js';

export interface RunLogWriter {
  write(stream: Stream, text: string, at?: Date): void;
  close(): Promise<void>;
}

export function formatLogLine(stream: Stream, text: string, at: Date = new Date()): string {
  return `${at.toISOString()} ${stream} F ${text}`;
}

export function openRunLog(path: string): RunLogWriter {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path, { flags: 'a' });
  return {
    write(stream, text, at) {
      out.write(formatLogLine(stream, text, at) + '\n');
    },
    close() {
      return new Promise((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
    },
  };
}

/**
 * The last `limit` lines of a log (all of them when limit is undefined), oldest first, reading the file
 * backwards in blocks so the tail of a large log costs little. A missing file has no lines.
 */
export function tailRunLog(path: string, limit?: number): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const want = limit === undefined ? Infinity : Math.max(0, limit);
    if (want === 0 || size === 0) return [];
    const block = 64 * 1024;
    let pos = size;
    let buf = Buffer.alloc(0);
    let newlines = 0;
    while (pos > 0 && newlines <= want) {
      const n = Math.min(block, pos);
      pos -= n;
      const chunk = Buffer.alloc(n);
      readSync(fd, chunk, 0, n, pos);
      for (const b of chunk) if (b === 10) newlines++;
      buf = Buffer.concat([chunk, buf]);
    }
    const lines = buf.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    // When we stopped early, the first piece may be a partial line.
    if (pos > 0) lines.shift();
    return want === Infinity ? lines : lines.slice(-want);
  } finally {
    closeSync(fd);
  }
}
