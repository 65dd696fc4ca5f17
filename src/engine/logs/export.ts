import * as arrow from 'apache-arrow';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JoeyError } from '../../model/index.js';
import { vectorValues } from '../runtime/decode.js';
import type { InferenceLogStore, ReadOptions } from './store.js';
import { selectColumns, takeRows } from './table.js';

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
  ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4,
};

/** "10MiB", "10 MiB", "100MB", "512KiB" → bytes (the platform's data_size_limit syntax). */
export function parseSize(s: string | number): number {
  if (typeof s === 'number') return s;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(s);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new JoeyError('invalid', `invalid size "${s}"; use a number and a unit like 10MiB, 100MB, 512KiB`, { status: 400 });
  }
  return Math.floor(Number(m[1]) * unit);
}

export interface ExportOptions extends ReadOptions {
  /** Directory to write into (created if missing). */
  directory: string;
  /** File name prefix (default: the pipeline name). Files are `<prefix>-1.json`, `<prefix>-2.json`, … */
  filePrefix?: string;
  /** Approximate largest file (default 100MB). */
  sizeLimit?: string | number;
  /** Arrow IPC files instead of pandas-records NDJSON. */
  arrow?: boolean;
}

export interface ExportResult {
  files: string[];
  rows: number;
  /** More rows matched than `limit` allowed. */
  truncated: boolean;
}

/**
 * Writes logs to files, split by pipeline version (a new file whenever `metadata.pipeline_version` changes)
 * and by size, in the same order `read` gives (newest first, or oldest first with start/end).
 */
export function exportLogs(store: InferenceLogStore, pipeline: string, opts: ExportOptions): ExportResult {
  const limit = parseSize(opts.sizeLimit ?? '100MB');
  const { table: all, truncated } = store.read(pipeline, { ...opts, dataset: ['*', 'metadata'], datasetExclude: [] });
  const table = selectColumns(all, opts.dataset, opts.datasetExclude);
  mkdirSync(opts.directory, { recursive: true });
  const prefix = opts.filePrefix ?? pipeline.split('/').pop()!;
  const versions = all.getChild('metadata.pipeline_version');
  const files: string[] = [];
  // Runs of rows with the same pipeline version.
  const runs: [number, number][] = [];
  for (let r = 0; r < all.numRows; r++) {
    const v = versions?.get(r) ?? null;
    if (runs.length && (versions?.get(runs[runs.length - 1]![0]) ?? null) === v) runs[runs.length - 1]![1] = r + 1;
    else runs.push([r, r + 1]);
  }
  const write = (body: Uint8Array | string) => {
    const file = path.join(opts.directory, `${prefix}-${files.length + 1}.${opts.arrow ? 'arrow' : 'json'}`);
    writeFileSync(file, body);
    files.push(file);
  };
  for (const [from, to] of runs) {
    const part = takeRows(table, Int32Array.from({ length: to - from }, (_, i) => from + i));
    if (opts.arrow) {
      const whole = arrow.tableToIPC(part, 'file');
      const perRow = Math.max(1, whole.byteLength / Math.max(1, part.numRows));
      const rowsPerFile = Math.max(1, Math.floor(limit / perRow));
      if (rowsPerFile >= part.numRows) write(whole);
      else
        for (let s = 0; s < part.numRows; s += rowsPerFile) {
          const n = Math.min(rowsPerFile, part.numRows - s);
          write(arrow.tableToIPC(takeRows(part, Int32Array.from({ length: n }, (_, i) => s + i)), 'file'));
        }
      continue;
    }
    const cols = part.schema.fields.map((f) => [f.name, vectorValues(part.getChild(f.name)!)] as const);
    let buf: string[] = [];
    let size = 0;
    for (let r = 0; r < part.numRows; r++) {
      const rec: Record<string, unknown> = {};
      for (const [name, vals] of cols) rec[name] = vals[r];
      const line = JSON.stringify(rec) + '\n';
      if (size + line.length > limit && buf.length) {
        write(buf.join(''));
        buf = [];
        size = 0;
      }
      buf.push(line);
      size += line.length;
    }
    if (buf.length) write(buf.join(''));
  }
  return { files, rows: table.numRows, truncated };
}
