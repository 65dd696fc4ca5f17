/**
 * Safe extraction of an inspected orchestration zip into a fresh folder. Inflation is streamed through
 * fflate in small chunks and counted as it goes, so an entry that inflates past its declared size or past the
 * total limit is stopped before it can exhaust memory or disk; nothing is ever written outside `dest`.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { Inflate } from 'fflate';
import { DEFAULT_LIMITS, formatBytes, inspectOrchestrationZip, type OrchestrationLayout, type ZipLimits } from './inspect.js';
import { entryDataRange, rejected } from './zip-reader.js';

/** Compressed bytes fed to the inflater per step: bounds one step's output to ~16 MiB (deflate's max ratio ~1032:1). */
const CHUNK = 16 * 1024;

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Extracts `bytes` into `dest` (created; must not exist or be empty). Returns the layout. On any error the
 * partly written `dest` is removed and the error (a JoeyError `orchestration_rejected`) is rethrown.
 */
export async function extractOrchestrationZip(
  bytes: Uint8Array,
  dest: string,
  limits: ZipLimits = DEFAULT_LIMITS,
): Promise<OrchestrationLayout> {
  const layout = inspectOrchestrationZip(bytes, limits);
  const root = resolve(dest);
  if (existsSync(root) && readdirSync(root).length > 0) throw rejected(`extraction folder ${root} is not empty`);
  mkdirSync(root, { recursive: true });
  try {
    let total = 0;
    for (const e of layout.entries) {
      const target = resolve(root, e.path);
      // Second line of defence after safeEntryPath: the resolved path must stay inside root.
      if (!target.startsWith(root + sep)) throw rejected(`entry "${e.name}" escapes the orchestration folder`);
      if (e.isDir) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      const [start, end] = entryDataRange(bytes, e);
      const data = bytes.subarray(start, end);
      // 'wx': never follow or overwrite anything already there.
      const fd = openSync(target, 'wx', 0o644);
      let written = 0;
      let crc = 0;
      const sink = (chunk: Uint8Array) => {
        written += chunk.length;
        total += chunk.length;
        if (written > e.size) throw rejected(`entry "${e.path}" inflates past its declared size of ${e.size} bytes (zip bomb?)`);
        if (total > limits.maxUnpackedBytes) throw rejected(`unpacks to more than ${formatBytes(limits.maxUnpackedBytes)}`);
        crc = crc32(chunk, crc);
        writeSync(fd, chunk);
      };
      try {
        if (e.method === 0) {
          for (let p = 0; p < data.length; p += CHUNK) sink(data.subarray(p, Math.min(p + CHUNK, data.length)));
        } else {
          const inflater = new Inflate((chunk) => sink(chunk));
          if (data.length === 0) inflater.push(new Uint8Array(0), true);
          for (let p = 0; p < data.length; p += CHUNK) {
            const last = p + CHUNK >= data.length;
            try {
              inflater.push(data.subarray(p, Math.min(p + CHUNK, data.length)), last);
            } catch (err) {
              if ((err as { code?: string }).code === 'orchestration_rejected') throw err;
              throw rejected(`entry "${e.path}" has corrupt compressed data (${(err as Error).message})`);
            }
            if ((p / CHUNK) % 64 === 63) await yieldToLoop();
          }
        }
      } finally {
        closeSync(fd);
      }
      if (written !== e.size) throw rejected(`entry "${e.path}" inflates to ${written} bytes but declares ${e.size}`);
      if ((crc >>> 0) !== e.crc32) throw rejected(`entry "${e.path}" fails its CRC-32 check`);
      await yieldToLoop();
    }
    return layout;
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

/** Absolute path of the entrypoint's folder inside an extracted orchestration (the run's working directory). */
export function entrypointDir(extracted: string, layout: Pick<OrchestrationLayout, 'entrypoint'>): string {
  return dirname(join(extracted, layout.entrypoint));
}
