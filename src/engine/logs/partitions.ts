import * as arrow from 'apache-arrow';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { JoeyError } from '../../model/index.js';
import { concatTables } from './table.js';

/** `<seq>-<minTime>-<maxTime>-<rows>.arrow`: the name says what a read needs to know without opening it. */
export const FILE_RE = /^(\d{12})-(\d+)-(\d+)-(\d+)\.arrow$/;

export interface Partition {
  file: string;
  seq: number;
  minTime: number;
  maxTime: number;
  rows: number;
}

/** A pipeline's log directory: `<root>/<workspace>/<pipeline>` (each segment URI-encoded). */
export function pipelineDir(root: string, pipeline: string): string {
  const parts = pipeline.split('/');
  if (!pipeline || parts.some((p) => !p || p === '.' || p === '..')) throw new JoeyError('invalid', `invalid pipeline log key "${pipeline}"`, { status: 400 });
  return path.join(root, ...parts.map(encodeURIComponent));
}

export function listPartitions(dir: string): Partition[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Partition[] = [];
  for (const file of names) {
    const m = FILE_RE.exec(file);
    if (m) out.push({ file: path.join(dir, file), seq: Number(m[1]), minTime: Number(m[2]), maxTime: Number(m[3]), rows: Number(m[4]) });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * Writes partitions: one Arrow IPC file per run of same-schema tables, via temp file + fsync + rename +
 * fsync of the directory, so a partition is either complete or absent. Synchronous on purpose: it runs in the
 * log writer's own thread, where blocking costs nobody (and keeps libuv's pool free for inference).
 */
export class PartitionWriter {
  private readonly seqs = new Map<string, number>();
  constructor(
    private readonly root: string,
    /** fsync each partition and its directory before acknowledging (default). Off: durable against a killed process, not a power cut. */
    private readonly fsync = true,
  ) {}

  write(pipeline: string, tables: arrow.Table[]): void {
    const dir = pipelineDir(this.root, pipeline);
    mkdirSync(dir, { recursive: true });
    for (const table of concatTables(tables)) {
      let min = Infinity;
      let max = -Infinity;
      for (const d of table.getChild('time')!.data) {
        const v = d.values as BigInt64Array;
        for (let i = 0; i < d.length; i++) {
          const t = Number(v[i]);
          if (t < min) min = t;
          if (t > max) max = t;
        }
      }
      let seq = this.seqs.get(pipeline) ?? Math.max(0, ...listPartitions(dir).map((p) => p.seq));
      this.seqs.set(pipeline, ++seq);
      const name = `${String(seq).padStart(12, '0')}-${min}-${max}-${table.numRows}.arrow`;
      const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
      const bytes = arrow.tableToIPC(table, 'file');
      const fd = openSync(tmp, 'w');
      try {
        for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at);
        if (this.fsync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path.join(dir, name));
      if (!this.fsync) continue;
      const dfd = openSync(dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    }
  }
}
