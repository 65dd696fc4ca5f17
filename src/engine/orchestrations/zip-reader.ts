/**
 * Reads a zip's central directory without inflating anything. fflate's unzip filters don't expose the
 * external attributes (needed to spot symlinks) or local-header offsets, so the directory is parsed here;
 * inflation itself is fflate's (see extract.ts).
 */
import { JoeyError } from '../../model/index.js';

export interface ZipEntry {
  /** Name exactly as stored (forward slashes, directories end with `/`). */
  name: string;
  /** 0 = stored, 8 = deflate; anything else is rejected at extraction. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  /** Declared unpacked size (central directory). Extraction also counts what really inflates. */
  size: number;
  localHeaderOffset: number;
  /** Unix mode bits (st_mode) when the entry was made on a Unix host, else 0. */
  unixMode: number;
  /** MS-DOS attribute byte (bit 4 = directory). */
  dosAttrs: number;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

export const rejected = (reason: string) =>
  new JoeyError('orchestration_rejected', `orchestration zip rejected: ${reason}`, { status: 400 });

function findEocd(buf: Buffer): number {
  const stop = Math.max(0, buf.length - EOCD_MIN - MAX_COMMENT);
  for (let i = buf.length - EOCD_MIN; i >= stop; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) return i;
  }
  return -1;
}

/**
 * Lists the entries of a zip from its central directory. `maxEntries` is checked against the declared
 * count before any entry is read, so a zip claiming a million entries costs nothing.
 */
export function readZipEntries(bytes: Uint8Array, maxEntries: number): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < EOCD_MIN) throw rejected('not a zip file (too short)');
  const eocd = findEocd(buf);
  if (eocd < 0) throw rejected('not a zip file (no end-of-central-directory record)');
  const total = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (total === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    // ZIP64: only needed beyond 65,535 entries or 4 GiB, both far past the limits.
    throw rejected(`ZIP64 archives are not accepted (more than ${maxEntries} entries or larger than the unpacked limit)`);
  }
  if (total > maxEntries) throw rejected(`${total} entries; at most ${maxEntries} are allowed`);
  if (cdOffset + cdSize > eocd) throw rejected('corrupt central directory (offset past its end)');

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < total; i++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== CEN_SIG) throw rejected(`corrupt central directory at entry ${i}`);
    const madeBy = buf.readUInt16LE(p + 4);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc32 = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const external = buf.readUInt32LE(p + 38);
    const localHeaderOffset = buf.readUInt32LE(p + 42);
    if (p + 46 + nameLen > eocd) throw rejected(`corrupt central directory at entry ${i}`);
    const rawName = buf.subarray(p + 46, p + 46 + nameLen);
    // Bit 11 = UTF-8 names; otherwise CP437, which matches UTF-8 for the ASCII names that matter here.
    const name = (flags & 0x800) !== 0 ? rawName.toString('utf8') : rawName.toString('latin1');
    if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff) {
      throw rejected(`entry "${name}" uses ZIP64 sizes (larger than 4 GiB)`);
    }
    const hostOs = madeBy >>> 8;
    entries.push({
      name,
      method,
      flags,
      crc32,
      compressedSize,
      size,
      localHeaderOffset,
      // Host 3 = Unix (19 = OS X also stores Unix modes in the high half).
      unixMode: hostOs === 3 || hostOs === 19 ? external >>> 16 : 0,
      dosAttrs: external & 0xff,
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Start and end of an entry's compressed bytes, from its local header. */
export function entryDataRange(bytes: Uint8Array, e: ZipEntry): [number, number] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const o = e.localHeaderOffset;
  if (o + 30 > buf.length || buf.readUInt32LE(o) !== 0x04034b50) throw rejected(`entry "${e.name}" has no valid local header`);
  const start = o + 30 + buf.readUInt16LE(o + 26) + buf.readUInt16LE(o + 28);
  const end = start + e.compressedSize;
  if (end > buf.length) throw rejected(`entry "${e.name}" is truncated`);
  return [start, end];
}
