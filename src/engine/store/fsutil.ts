import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsync a directory so a rename/unlink inside it survives power loss. Best effort where unsupported. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * fsync many files, then their directories, several at a time (the filesystem folds concurrent fsyncs into one
 * journal commit). Files deleted since they were written are skipped.
 */
export async function fsyncAll(files: Iterable<string>, dirs: Iterable<string>, concurrency = 16): Promise<void> {
  const one = async (p: string) => {
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(p, 'r');
      await fh.sync();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
    } finally {
      await fh?.close();
    }
  };
  for (const list of [[...files], [...dirs]]) {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, async () => {
      while (next < list.length) await one(list[next++]!);
    }));
  }
}

/** Unique temp name carrying our pid, so a restarted process can tell abandoned temp files from live ones. */
export function tempName(tmpDir: string, hint: string): string {
  return join(tmpDir, `${process.pid}.${randomBytes(6).toString('hex')}.${basename(hint).slice(0, 40)}.tmp`);
}

/**
 * Write bytes to `target` atomically: temp file in `tmpDir` (same filesystem) + fsync + rename + fsync dir.
 * `sync: false` leaves the file and directory fsyncs to the caller: a journaled transaction fsyncs every file and
 * directory it touched once, at commit, while its undo journal still covers the writes.
 */
export function atomicWrite(target: string, data: string | Uint8Array, tmpDir: string, opts: { sync?: boolean } = {}): void {
  const tmp = tempName(tmpDir, target);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (opts.sync !== false) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, target);
  if (opts.sync !== false) fsyncDir(dirname(target));
}

/** Is `pid` alive on this host? EPERM means it exists but belongs to someone else. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
