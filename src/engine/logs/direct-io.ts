import { closeSync, constants, fdatasync as fsFdatasync, ftruncate as fsFtruncate, openSync, unlinkSync, write as fsWrite, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';

/**
 * Direct I/O for inference log segments (Linux `O_DIRECT`): appends go from aligned buffers straight to the device
 * instead of through the page cache. Why: on the virtual disks joey runs on, buffered writeback is the bottleneck
 * of durable logging (here: ≈210–550 MB/s for write + fsync against ≈0.5–1.4 GB/s for O_DIRECT writes +
 * fdatasync — `npm run bench` measures both), and every inference row is logged with its inputs. Databases make the same
 * choice for their logs (PostgreSQL's WAL, InnoDB's `innodb_flush_method=O_DIRECT`).
 *
 * - Alignment: O_DIRECT needs the memory address, length and file offset of every write aligned to the device's
 *   block size. Offsets and lengths are multiples of BLOCK (4096 suits 512- and 4096-byte devices); a partial last
 *   block is written zero-padded, and again, completed, by a later write (Arrow IPC readers take zeros after the
 *   last message as the end of the stream). Node has no aligned allocation, so staging buffers are carved from
 *   one allocation at an offset found by probing.
 * - Overlap: bytes gather in a staging buffer; full buffers are written on libuv's pool while this thread goes on
 *   serializing (one write at a time: more measured slower on 2 cores, the submitting threads compete for them).
 * - Torn writes never show: the block where the committed bytes end (the gate) is kept in memory and written only
 *   at `commit`, after everything past it is on disk (fdatasync in between). Until then a reader, or a process
 *   that restarts after a kill, finds zeros — the end of the stream — where the first uncommitted byte would be.
 */
export const BLOCK = 4096;
/** Size of one staging buffer: the unit of a write (large writes are what the device is fastest at). */
const STAGE_BYTES = 4 << 20;
/** Staging buffers carved from one allocation; another is made when all are in use (bounded by the store's backpressure). */
const STAGES_PER_SLAB = 4;
/** Writes under way at once (libuv's pool has 4 threads, shared with fdatasync, other file I/O and DNS). */
const MAX_WRITES = 1;

/** `O_DIRECT`, where the platform has it. */
const O_DIRECT = (constants as Record<string, number>).O_DIRECT;
const FLAGS = O_DIRECT ? constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_DIRECT : 0;

const blockStart = (offset: number) => offset - (offset % BLOCK);

export interface DirectFile {
  fd: number;
  /** Bytes appended so far. */
  length: number;
  /** Where the last commit (done or under way) ends: readers see the stream end there once it is done. */
  target: number;
  /** File offset of the gate block for new appends: the block holding `target`. */
  gateAt: number;
  /** The gate block in memory: its appended bytes, zeros after `length`. */
  gate: Uint8Array;
  /** The bytes of the last partial block past the gate block, when not staged (on disk zero-padded). */
  tail: Uint8Array;
  /** Blocks past the gate block were submitted since the last commit started (they need an fdatasync first). */
  unsynced: boolean;
  /** Every write of this file started so far (resolves when they are all done; never rejects). */
  writes: Promise<void>;
  /** The last zero-padded write: the next write, which rewrites its last block, starts after it. */
  padded?: Promise<void>;
  /** The first write that failed: every later commit rejects with it. */
  error?: unknown;
  /** This file's commits, in order. */
  committing: Promise<void>;
}

interface Stage {
  mem: Uint8Array;
  /** The file whose bytes it holds, the (block-aligned) file offset of its first byte, bytes held. */
  owner?: DirectFile;
  pos: number;
  fill: number;
}

/** Aligned staging buffers shared by every direct-I/O segment of one writer (it runs on one thread). */
export class DirectIO {
  /** Free aligned buffers: STAGE_BYTES ones to stage appends, BLOCK ones for gate blocks. */
  private readonly stages: Uint8Array[] = [];
  private readonly blocks: Uint8Array[] = [];
  /** The stage being filled (one at a time: a writer appends to one segment at a time). */
  private stage: Stage | undefined;

  private constructor(private readonly dir: string) {}

  /**
   * Direct I/O in `dir`, or undefined where it is unavailable (not Linux, a filesystem that refuses O_DIRECT such
   * as tmpfs, or no aligned offset found): callers then write through the page cache.
   */
  static probe(dir: string): DirectIO | undefined {
    if (!O_DIRECT) return undefined;
    const dio = new DirectIO(dir);
    return dio.allocate(dio.stages, STAGE_BYTES, STAGES_PER_SLAB) ? dio : undefined;
  }

  /**
   * Adds `count` aligned buffers of `size` bytes to `list`, carved from one allocation at the first offset an
   * O_DIRECT write accepts (tried on a scratch file, unlinked at once). False when direct I/O does not work here.
   */
  private allocate(list: Uint8Array[], size: number, count: number): boolean {
    const file = path.join(this.dir, `.direct-io-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
    let fd: number;
    try {
      fd = openSync(file, FLAGS, 0o644);
    } catch {
      return false;
    } finally {
      try {
        unlinkSync(file);
      } catch {
        /* never created */
      }
    }
    try {
      const slab = new Uint8Array(count * size + BLOCK);
      for (let at = 0; at < BLOCK; at += 16) {
        try {
          writeSync(fd, slab, at, BLOCK, 0);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EINVAL') continue;
          return false;
        }
        for (let i = 0; i < count; i++) list.push(slab.subarray(at + i * size, at + (i + 1) * size));
        return true;
      }
      return false;
    } finally {
      closeSync(fd);
    }
  }

  private take(list: Uint8Array[], size: number, count: number): Uint8Array {
    if (!list.length && !this.allocate(list, size, count)) throw new Error(`direct I/O: could not allocate aligned buffers (probing in ${this.dir})`);
    return list.pop()!;
  }

  /** Writes under way, and writes waiting for one of the MAX_WRITES slots. */
  private writing = 0;
  private readonly queued: (() => void)[] = [];
  private slot(): Promise<void> | undefined {
    if (this.writing < MAX_WRITES) {
      this.writing++;
      return undefined;
    }
    return new Promise((resolve) => this.queued.push(resolve));
  }
  private release(): void {
    const next = this.queued.shift();
    if (next) next();
    else this.writing--;
  }

  /** Keeps a few free stages for reuse; past that they are left to the GC (a burst does not pin its peak). */
  private freeStage(mem: Uint8Array): void {
    if (this.stages.length < 2 * STAGES_PER_SLAB) this.stages.push(mem);
  }

  private takeStage = () => this.take(this.stages, STAGE_BYTES, STAGES_PER_SLAB);
  private takeBlock = () => this.take(this.blocks, BLOCK, 64);

  /** Opens a new file for direct appends (exclusive create, like `wx`). */
  open(file: string): DirectFile {
    return {
      fd: openSync(file, FLAGS, 0o644),
      length: 0,
      target: 0,
      gateAt: 0,
      gate: new Uint8Array(BLOCK),
      tail: new Uint8Array(0),
      unsynced: false,
      writes: Promise.resolve(),
      committing: Promise.resolve(),
    };
  }

  /**
   * Appends `chunks`: bytes inside the gate block stay in memory, the rest is staged and written as stages fill
   * (not visible before `commit`). Returns the bytes appended.
   */
  append(f: DirectFile, chunks: Uint8Array[]): number {
    const gateEnd = f.gateAt + BLOCK;
    let at = f.length;
    for (const chunk of chunks) {
      let i = 0;
      if (at < gateEnd) {
        const n = Math.min(gateEnd - at, chunk.byteLength);
        f.gate.set(chunk.subarray(0, n), at - f.gateAt);
        i = n;
        at += n;
      }
      while (i < chunk.byteLength) {
        let s = this.stage;
        if (s?.owner !== f) {
          this.spill();
          // Continue the partial block last written for this file (empty when `at` starts a block).
          s = this.stage = { mem: this.takeStage(), owner: f, pos: blockStart(at), fill: f.tail.byteLength };
          s.mem.set(f.tail, 0);
          f.tail = new Uint8Array(0);
        }
        const n = Math.min(chunk.byteLength - i, s.mem.byteLength - s.fill);
        s.mem.set(chunk.subarray(i, i + n), s.fill);
        s.fill += n;
        i += n;
        at += n;
        if (s.fill === s.mem.byteLength) {
          this.stage = undefined;
          this.submit(f, s.mem, s.fill, s.pos);
          // The next stage starts where this one ended, on a block boundary: nothing to carry over.
          this.stage = { mem: this.takeStage(), owner: f, pos: s.pos + s.fill, fill: 0 };
        }
      }
    }
    const added = at - f.length;
    f.length = at;
    return added;
  }

  /**
   * Starts a write of `mem[0, length)` at `position` (the buffer goes back to the free list once written). Writes
   * of a file run concurrently, except that one starting in the block a padded write ended in waits for it.
   */
  private submit(f: DirectFile, mem: Uint8Array, length: number, position: number): void {
    f.unsynced = true;
    const after = f.padded;
    const done = (async () => {
      await after; // never rejects
      await this.slot();
      try {
        if (f.error === undefined) await writeFully(f.fd, mem, length, position);
      } catch (e) {
        f.error ??= e;
      } finally {
        this.release();
        this.freeStage(mem);
      }
    })();
    if (length < mem.byteLength) f.padded = done; // a spill: its last block is written again later
    f.writes = Promise.all([f.writes, done]).then(() => undefined);
  }

  /** Writes the stage (its last block zero-padded) and keeps the partial block's bytes as the owner's tail. */
  private spill(): void {
    const s = this.stage;
    this.stage = undefined;
    if (!s) return;
    if (!s.owner || s.fill === 0) return this.freeStage(s.mem);
    const whole = blockStart(s.fill);
    const padded = whole === s.fill ? s.fill : whole + BLOCK;
    s.mem.fill(0, s.fill, padded);
    s.owner.tail = s.mem.slice(whole, s.fill);
    this.submit(s.owner, s.mem, padded, s.pos);
  }

  /**
   * Makes every byte appended so far visible: once what lies past the gate block is written, fdatasync it, write the
   * gate block, and (when `durable`) fdatasync again. Appends may go on meanwhile; they are not part of it.
   */
  commit(f: DirectFile, durable: boolean): Promise<void> {
    if (f.length === f.target) return f.committing;
    const target = f.length;
    if (this.stage?.owner === f) this.spill();
    // The gate block as of now, and the next gate: the block holding `target` (its bytes so far: the tail).
    const gate = this.takeBlock();
    gate.set(f.gate, 0);
    const gateAt = f.gateAt;
    if (blockStart(target) !== gateAt) {
      f.gateAt = blockStart(target);
      f.gate = new Uint8Array(BLOCK);
      f.gate.set(f.tail, 0);
      f.tail = new Uint8Array(0);
    }
    const writes = f.writes;
    const unsynced = f.unsynced;
    f.unsynced = false;
    f.target = target;
    const previous = f.committing;
    f.committing = (async () => {
      try {
        await previous;
        await writes;
        if (f.error !== undefined) throw f.error;
        if (durable && unsynced) await fdatasync(f.fd);
        await writeFully(f.fd, gate, BLOCK, gateAt);
        if (durable) await fdatasync(f.fd);
      } finally {
        this.blocks.push(gate);
      }
    })();
    return f.committing;
  }

  /** Commits, then cuts the zero padding after the last byte (when the file is sealed). */
  async seal(f: DirectFile, durable: boolean): Promise<void> {
    await this.commit(f, durable);
    await ftruncate(f.fd, f.length);
  }

  /** Gives up a file after an error: what is staged for it never becomes visible. Resolves once its writes are done. */
  drop(f: DirectFile): Promise<void> {
    if (this.stage?.owner === f) {
      this.freeStage(this.stage.mem);
      this.stage = undefined;
    }
    return f.writes;
  }
}

const write = promisify(fsWrite);
const fdatasync = promisify(fsFdatasync);
const ftruncate = promisify(fsFtruncate);

async function writeFully(fd: number, buf: Uint8Array, length: number, position: number): Promise<void> {
  for (let done = 0; done < length; ) {
    const { bytesWritten: n } = await write(fd, buf, done, length - done, position + done);
    // O_DIRECT writes go out whole or in whole blocks; anything else cannot be continued from.
    if (n <= 0 || n % BLOCK !== 0) throw new Error(`short direct write (${n} of ${length - done} bytes)`);
    done += n;
  }
}
