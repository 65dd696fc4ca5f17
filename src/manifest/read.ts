import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import jsyaml from 'js-yaml';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Severity, SourceRef } from '../model/index.js';
import type { ParsedDoc } from './positions.js';

/**
 * Reading manifest files. Fast path: js-yaml (CORE_SCHEMA, the same values as YAML 1.2 core) gives the values
 * and each document's start offset. Precise path: `yaml` with a LineCounter gives every node's position and
 * every syntax error; it runs for a file only when something in it must be reported (lazily, via `parsedDoc`),
 * when js-yaml rejects it, or when it uses anchors/aliases (whose expansion `yaml` bounds).
 */
export interface SourceFile {
  rel: string; // relative to the repo root, '/' separators
  text: string;
  lineStarts?: number[];
  parsed?: { docs: Document.Parsed[]; lc: LineCounter };
}

/** One document of a file: its index among the file's documents and the offset of its root node. */
export interface DocRef {
  file: SourceFile;
  index: number;
  offset: number;
}

export type Report = (src: SourceRef, message: string, severity?: Severity) => void;

const ALIAS_HINT = /(^|[\s[{,:-])[&*][A-Za-z0-9_]/m;
const YAML_POS_SUFFIX = / at line \d+, column \d+:?\s*$/;

function lineStarts(file: SourceFile): number[] {
  if (!file.lineStarts) {
    const starts = [0];
    for (let i = file.text.indexOf('\n'); i !== -1; i = file.text.indexOf('\n', i + 1)) starts.push(i + 1);
    file.lineStarts = starts;
  }
  return file.lineStarts;
}

/** 1-based line and column of an offset. */
export function positionOf(file: SourceFile, offset: number): SourceRef {
  const starts = lineStarts(file);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { file: file.rel, line: lo + 1, col: offset - starts[lo]! + 1 };
}

function parsePrecise(file: SourceFile): { docs: Document.Parsed[]; lc: LineCounter } {
  if (!file.parsed) {
    const lc = new LineCounter();
    const docs = parseAllDocuments(file.text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true }) as unknown as Document.Parsed[];
    file.parsed = { docs: Array.from(docs), lc };
  }
  return file.parsed;
}

/** The `yaml` Document for a document reference (parsing the file precisely on first use). */
export function parsedDoc(ref: DocRef): ParsedDoc {
  const { docs, lc } = parsePrecise(ref.file);
  const doc = docs.find((d) => d.contents?.range?.[0] === ref.offset) ?? docs[ref.index] ?? docs[0]!;
  return { file: ref.file.rel, doc, lc };
}

/** Reads one file into its non-empty documents; YAML problems are reported and their documents skipped. */
export function readManifestFile(root: string, rel: string, report: Report): { ref: DocRef; raw: unknown }[] {
  let text: string;
  try {
    text = readFileSync(resolve(root, rel), 'utf8');
  } catch (e) {
    report({ file: rel, line: 1, col: 1 }, `cannot read file: ${(e as Error).message}`);
    return [];
  }
  const file: SourceFile = { rel, text };
  if (!ALIAS_HINT.test(text)) {
    const fast = readFast(file);
    if (fast) return fast;
  }
  return readPrecise(file, report);
}

function readFast(file: SourceFile): { ref: DocRef; raw: unknown }[] | undefined {
  const starts: number[] = [];
  let depth = 0;
  let values: unknown[];
  try {
    values = jsyaml.loadAll(file.text, undefined, {
      schema: jsyaml.CORE_SCHEMA,
      filename: file.rel,
      listener(event, state) {
        if (event === 'open') {
          if (depth === 0) starts.push((state as unknown as { position: number }).position);
          depth++;
        } else depth--;
      },
    });
  } catch {
    return undefined; // let the precise parser say what is wrong, and where
  }
  if (starts.length !== values.length) return undefined;
  const out: { ref: DocRef; raw: unknown }[] = [];
  values.forEach((raw, index) => {
    if (raw !== null && raw !== undefined) out.push({ ref: { file, index, offset: starts[index]! }, raw });
  });
  return out;
}

function readPrecise(file: SourceFile, report: Report): { ref: DocRef; raw: unknown }[] {
  let parsed;
  try {
    parsed = parsePrecise(file);
  } catch (e) {
    report({ file: file.rel, line: 1, col: 1 }, `YAML: ${(e as Error).message}`);
    return [];
  }
  const { docs, lc } = parsed;
  const out: { ref: DocRef; raw: unknown }[] = [];
  const at = (err: { linePos?: { line: number; col: number }[] }): SourceRef => ({ file: file.rel, ...(err.linePos?.[0] ?? { line: 1, col: 1 }) });
  const text = (m: string) => m.split('\n')[0]!.replace(YAML_POS_SUFFIX, '');
  docs.forEach((doc, index) => {
    for (const err of doc.errors) report(at(err as never), `YAML syntax: ${text(err.message)}`);
    for (const w of doc.warnings) report(at(w as never), `YAML: ${text(w.message)}`, 'warning');
    if (doc.errors.length || doc.contents === null) return;
    const offset = doc.contents.range?.[0] ?? 0;
    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const p = lc.linePos(offset);
      report({ file: file.rel, line: p.line, col: p.col }, `YAML: ${(e as Error).message}`);
      return;
    }
    if (raw !== null && raw !== undefined) out.push({ ref: { file, index, offset }, raw });
  });
  return out;
}
