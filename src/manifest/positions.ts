import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourceRef } from '../model/index.js';
import type { Anchor, Segment } from './schemas.js';

/** One parsed YAML document and where it came from: enough to turn a JSON path into `file:line:col`. */
export interface ParsedDoc {
  file: string; // relative to the repo root, '/' separators
  doc: Document.Parsed;
  lc: LineCounter;
}

interface Found {
  /** How many path segments matched. */
  depth: number;
  key?: Node;
  value?: Node | null;
  /** Key (or item) node of the deepest matched parent. */
  parentKey?: Node;
  parentValue?: Node | null;
}

function keyText(k: unknown): string | undefined {
  if (isScalar(k)) return String(k.value);
  if (k === null || k === undefined) return undefined;
  return String(k);
}

function deref(doc: Document.Parsed, n: unknown): Node | null {
  let cur = n as Node | null;
  for (let i = 0; i < 10 && cur && isAlias(cur); i++) cur = (cur.resolve(doc) as Node | undefined) ?? null;
  return cur ?? null;
}

function walk(pd: ParsedDoc, path: Segment[]): Found {
  let value = deref(pd.doc, pd.doc.contents);
  let key: Node | undefined;
  let parentKey: Node | undefined;
  let parentValue: Node | null = value;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    parentKey = key;
    parentValue = value;
    if (isMap(value)) {
      const pair = value.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) return { depth: i, key: parentKey, value: parentValue, parentKey, parentValue };
      key = (pair.key as Node) ?? undefined;
      value = deref(pd.doc, pair.value);
    } else if (isSeq(value) && typeof seg === 'number' && seg < value.items.length) {
      const item = deref(pd.doc, value.items[seg]);
      key = item ?? undefined;
      value = item;
    } else {
      return { depth: i, key: parentKey, value: parentValue, parentKey, parentValue };
    }
  }
  return { depth: path.length, key, value, parentKey, parentValue };
}

function startOf(n: Node | null | undefined): number | undefined {
  return n && n.range ? n.range[0] : undefined;
}

/** The offset to point at for `path` in one document, and how well it matched. */
export function offsetIn(pd: ParsedDoc, path: Segment[], anchor: Anchor): { offset: number; depth: number } {
  const f = walk(pd, path);
  const docStart = startOf(deref(pd.doc, pd.doc.contents)) ?? 0;
  if (f.depth < path.length) {
    // The field is missing: point at the deepest parent that exists.
    return { offset: startOf(f.key) ?? startOf(f.value) ?? docStart, depth: f.depth };
  }
  let off: number | undefined;
  if (anchor === 'key') off = startOf(f.key) ?? startOf(f.value);
  // A problem with a whole map or list is shown at its key (`baseline:`), not at its first entry.
  else if (anchor === 'value') off = (isMap(f.value) || isSeq(f.value) ? startOf(f.key) : undefined) ?? startOf(f.value) ?? startOf(f.key);
  else off = startOf(f.parentKey) ?? startOf(f.parentValue);
  return { offset: off ?? docStart, depth: f.depth };
}

/** Source position of `path`; with several candidate documents (an overlay and its base) the best match wins. */
export function locate(docs: ParsedDoc[], path: Segment[], anchor: Anchor): SourceRef {
  let best: { pd: ParsedDoc; offset: number; depth: number } | undefined;
  for (const pd of docs) {
    const r = offsetIn(pd, path, anchor);
    if (!best || r.depth > best.depth) best = { pd, ...r };
  }
  const pd = best!.pd;
  const { line, col } = pd.lc.linePos(best!.offset);
  return { file: pd.file, line, col };
}

/** Where a scalar's text begins, so a column inside a string value (an expression error) maps to the file. */
export function scalarColumnOffset(pd: ParsedDoc, path: Segment[], column: number): SourceRef | undefined {
  const f = walk(pd, path);
  if (f.depth < path.length || !isScalar(f.value) || !f.value.range) return undefined;
  const start = f.value.range[0];
  const type = f.value.type;
  let off = start;
  if (type === 'PLAIN') off = start + column - 1;
  else if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') off = start + column;
  const { line, col } = pd.lc.linePos(off);
  return { file: pd.file, line, col };
}
