import { JoeyError } from '../model/index.js';

/** One scalar of an inference log: `output dense_1 0` → column `out.dense_1`, list element 0. */
export interface IoPath {
  direction: 'input' | 'output';
  field: string;
  index: number;
  /** The inference-log column: `in.<field>` or `out.<field>`. */
  column: string;
}

export function parseIoPath(s: string): IoPath {
  const parts = s.trim().split(/\s+/);
  const [dir, field, idx] = parts;
  if (parts.length !== 3 || (dir !== 'input' && dir !== 'output') || !field || !/^[0-9]+$/.test(idx ?? '')) {
    throw new JoeyError('assay_iopath', `iopath "${s}" must look like "output <field> <index>" or "input <field> <index>" (e.g. "output dense_1 0")`);
  }
  return { direction: dir, field, index: Number(idx), column: `${dir === 'input' ? 'in' : 'out'}.${field}` };
}
