import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import {
  API_VERSION,
  JoeyError,
  KINDS,
  keyOf,
  type AnyResource,
  type Diagnostic,
  type Kind,
  type Severity,
  type SourceRef,
} from '../model/index.js';
import { canonicalSpec } from '../model/canonical.js';
import { artifactPath, hashModelArtifact, hashOrchestration } from './artifacts.js';
import { findManifestFiles } from './discover.js';
import { mergePatch } from './overlay.js';
import { locate, scalarColumnOffset } from './positions.js';
import { parsedDoc, positionOf, readManifestFile, type DocRef } from './read.js';
import { findCycles, referencesOf } from './references.js';
import { formatPath, validateAgainstSchema, type Anchor, type Segment } from './schemas.js';
import { semanticIssues } from './semantic.js';

export interface LoadOptions {
  /** Apply the overlay in `environments/<env>/`. */
  env?: string;
}

export interface LoadResult {
  /** Absolute repo root. */
  root: string;
  /** Canonical resources (defaults filled; Model/Orchestration `sha256` set), in file order. */
  resources: AnyResource[];
  /** Every problem found, sorted by file and position. Errors mean the repo is not valid. */
  diagnostics: Diagnostic[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const toPosix = (p: string) => p.split(sep).join('/');

/** One document being loaded; an overlay adds its YAML document in front of `docs`. */
interface Entry {
  raw: unknown;
  docs: DocRef[];
  /** The base document (resource.source and relative paths are anchored here). */
  home: DocRef;
  kind?: Kind;
  name?: string;
  workspace?: string;
  schemaValid: boolean;
  /** JSON paths (formatted) that already have a schema error, so reference checks don't pile on. */
  badPaths?: Set<string>;
  headerOk?: boolean;
  duplicate: boolean;
}

class Collector {
  readonly diagnostics: Diagnostic[] = [];
  at(docs: DocRef[], path: Segment[], anchor: Anchor, message: string, severity: Severity = 'error'): void {
    const src = locate(docs.map(parsedDoc), path, anchor);
    this.push(src, formatPath(path), message, severity);
  }
  push(src: SourceRef, path: string, message: string, severity: Severity = 'error'): void {
    this.diagnostics.push({ file: src.file, line: src.line, col: src.col, path, message, severity });
  }
}

function identify(raw: unknown): { kind?: Kind; name?: string; workspace?: string } {
  if (!isObj(raw)) return {};
  const kind = (KINDS as readonly string[]).includes(raw.kind as string) ? (raw.kind as Kind) : undefined;
  const md = isObj(raw.metadata) ? raw.metadata : {};
  return {
    kind,
    name: typeof md.name === 'string' ? md.name : undefined,
    workspace: typeof md.workspace === 'string' ? md.workspace : undefined,
  };
}

const identityKey = (e: { kind?: Kind; name?: string; workspace?: string }) =>
  e.kind && e.name !== undefined ? keyOf({ kind: e.kind, workspace: e.kind === 'Workspace' ? undefined : e.workspace, name: e.name }) : undefined;

/** Overlay paths are relative to the overlay file; rebase them onto the base document's folder. */
function rebasePaths(root: string, patch: unknown, overlayFile: string, homeFile: string): void {
  if (!isObj(patch) || !isObj(patch.spec)) return;
  const rebase = (p: unknown) =>
    typeof p === 'string' ? toPosix(relative(dirname(resolve(root, homeFile)), resolve(dirname(resolve(root, overlayFile)), p))) : p;
  if (typeof patch.spec.path === 'string') patch.spec.path = rebase(patch.spec.path);
  if (isObj(patch.spec.baseline) && typeof patch.spec.baseline.file === 'string') patch.spec.baseline.file = rebase(patch.spec.baseline.file);
}

function checkHeader(e: Entry, out: Collector): boolean {
  const raw = e.raw;
  if (!isObj(raw)) {
    out.at(e.docs, [], 'value', `a manifest must be a map with apiVersion, kind, metadata and spec, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
    return false;
  }
  let ok = true;
  if (raw.apiVersion === undefined) {
    out.at(e.docs, ['apiVersion'], 'parent', `missing required field "apiVersion" (use ${API_VERSION})`);
    ok = false;
  } else if (raw.apiVersion !== API_VERSION) {
    out.at(e.docs, ['apiVersion'], 'value', `unknown apiVersion ${JSON.stringify(raw.apiVersion)} (expected ${API_VERSION})`);
    ok = false;
  }
  if (raw.kind === undefined) {
    out.at(e.docs, ['kind'], 'parent', `missing required field "kind" (one of ${KINDS.join(', ')})`);
    ok = false;
  } else if (!e.kind) {
    out.at(e.docs, ['kind'], 'value', `unknown kind ${JSON.stringify(raw.kind)} (one of ${KINDS.join(', ')})`);
    ok = false;
  }
  return ok;
}

type ExprModule = { parseExpression(src: string): unknown };
async function loadExpressionParser(): Promise<ExprModule | undefined> {
  try {
    const m = (await import('../expr/index.js')) as unknown as Partial<ExprModule>;
    return typeof m.parseExpression === 'function' ? (m as ExprModule) : undefined;
  } catch {
    return undefined; // the expression parser is optional: without it, expressions are checked at deploy time
  }
}

/**
 * Loads every manifest under `root` (and the `environments/<env>/` overlay), validates it against the
 * schemas and the cross-document rules, and returns canonical resources plus every problem found.
 * Problems in the input never throw; only a missing root or environment does (a JoeyError).
 */
export async function loadRepo(rootArg: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const root = resolve(rootArg);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new JoeyError('not_found', `manifest root ${rootArg} is not a directory`, { status: 404 });
  }
  const out = new Collector();
  const entries: Entry[] = [];

  const report = (src: SourceRef, message: string, severity?: Severity) => out.push(src, '', message, severity);
  for (const rel of findManifestFiles(root, ['environments'])) {
    for (const { ref, raw } of readManifestFile(root, rel, report)) {
      entries.push({ raw, docs: [ref], home: ref, ...identify(raw), schemaValid: false, duplicate: false });
    }
  }

  if (opts.env !== undefined) applyOverlay(root, opts.env, entries, out);

  // Schema validation.
  for (const e of entries) {
    if (!checkHeader(e, out)) continue;
    e.headerOk = true;
    let issues;
    try {
      issues = validateAgainstSchema(e.kind!, e.raw);
    } catch (err) {
      issues = [{ path: [], anchor: 'value' as const, message: `cannot validate this document: ${(err as Error).message}` }];
    }
    e.badPaths = new Set(issues.map((i) => formatPath(i.path)));
    for (const i of issues) {
      if (i.at) out.push(locate(e.docs.map(parsedDoc), i.at, i.anchor), formatPath(i.path), i.message);
      else out.at(e.docs, i.path, i.anchor, i.message);
    }
    e.schemaValid = issues.length === 0;
  }

  // Duplicates of (kind, workspace, name): the first definition wins, later ones are errors.
  const byKey = new Map<string, Entry>();
  for (const e of entries) {
    const k = identityKey(e);
    if (!k) continue;
    const first = byKey.get(k);
    if (!first) {
      byKey.set(k, e);
      continue;
    }
    e.duplicate = true;
    const where = locate(first.docs.map(parsedDoc), ['metadata', 'name'], 'value');
    out.at(e.docs, ['metadata', 'name'], 'value', `duplicate ${k}: already defined at ${where.file}:${where.line}:${where.col}`);
  }

  // Cross-document checks run on every recognized document, so one bad field doesn't hide a bad reference.
  const graph = new Map<string, string[]>();
  for (const e of entries) {
    if (!e.headerOk || e.duplicate) continue;
    const raw = e.raw as Obj;
    const bad = e.badPaths ?? new Set<string>();
    if (e.kind === 'Workspace' || e.workspace === undefined) continue;
    if (!byKey.has(keyOf({ kind: 'Workspace', name: e.workspace }))) {
      // Without its workspace nothing else can resolve: report that alone.
      if (!bad.has('metadata.workspace')) {
        out.at(e.docs, ['metadata', 'workspace'], 'value', `workspace "${e.workspace}" not found (no Workspace manifest named "${e.workspace}")`);
      }
      continue;
    }
    const edges: string[] = [];
    for (const r of referencesOf(e.kind!, raw.spec)) {
      const target = keyOf({ kind: r.kind, workspace: e.workspace, name: r.name });
      edges.push(target);
      if (!byKey.has(target) && !bad.has(formatPath(r.path))) {
        const what = r.kind === 'DeploymentConfig' ? 'deployment config' : r.kind.toLowerCase();
        out.at(e.docs, r.path, r.anchor, `${what} "${r.name}" not found in workspace "${e.workspace}"`);
      }
    }
    graph.set(identityKey(e)!, edges);
  }

  const live = entries.filter((e) => e.schemaValid && !e.duplicate);
  const exprParser = live.some((e) => e.kind === 'Pipeline' && isObj((e.raw as Obj).spec) && isObj(((e.raw as Obj).spec as Obj).validations) && Object.keys(((e.raw as Obj).spec as Obj).validations as Obj).length)
    ? await loadExpressionParser()
    : undefined;

  const resources: AnyResource[] = [];
  const hashCache = new Map<string, ReturnType<typeof hashModelArtifact>>();

  for (const e of live) {
    try {
      const raw = e.raw as Obj;
      const kind = e.kind!;
      const spec = { ...((raw.spec as Obj | undefined) ?? {}) };

      for (const i of semanticIssues(kind, spec)) out.at(e.docs, i.path, i.anchor, i.message, i.severity ?? 'error');

      if (kind === 'Pipeline' && exprParser && isObj(spec.validations)) {
        for (const [name, expr] of Object.entries(spec.validations)) {
          try {
            exprParser.parseExpression(expr as string);
          } catch (err) {
            const path = ['spec', 'validations', name];
            const col = (err as { column?: unknown }).column;
            const detail = (err as { detail?: unknown }).detail ?? (err as Error).message;
            const at = typeof col === 'number' ? e.docs.map((d) => scalarColumnOffset(parsedDoc(d), path, col)).find(Boolean) : undefined;
            if (at) out.push(at, formatPath(path), `invalid expression: ${String(detail)}`);
            else out.at(e.docs, path, 'value', `invalid expression: ${String(detail)}`);
          }
        }
      }

      const source = positionOf(e.home.file, e.home.offset);
      const resource = { apiVersion: API_VERSION, kind, metadata: { ...(raw.metadata as Obj) }, spec, source } as unknown as AnyResource;

      // Artifacts exist; their sha256 is the version identity.
      if (kind === 'Model' || kind === 'Orchestration') {
        const abs = artifactPath(root, resource);
        const cacheKey = `${kind}:${abs}`;
        let h = hashCache.get(cacheKey);
        if (!h) {
          h = kind === 'Model' ? hashModelArtifact(abs) : hashOrchestration(abs);
          hashCache.set(cacheKey, h);
        }
        if ('problem' in h) {
          const rel = toPosix(relative(root, abs)) || abs;
          out.at(e.docs, ['spec', 'path'], 'value', h.problem.replace(abs, rel));
        } else {
          if (typeof spec.sha256 === 'string' && spec.sha256 !== h.sha256) {
            out.at(e.docs, ['spec', 'sha256'], 'value', `pinned sha256 ${spec.sha256} does not match the artifact (${h.sha256})`);
          }
          spec.sha256 = h.sha256;
        }
      }
      if (kind === 'Assay' && isObj(spec.baseline) && typeof spec.baseline.file === 'string') {
        const abs = artifactPath(root, resource);
        if (!existsSync(abs)) out.at(e.docs, ['spec', 'baseline', 'file'], 'value', `baseline file not found: ${toPosix(relative(root, abs))}`);
      }

      resource.spec = canonicalSpec(kind, spec) as never;
      resources.push(resource);
    } catch (err) {
      // A safety net: odd input must become a diagnostic, never an exception out of loadRepo.
      out.at(e.docs, [], 'value', `internal error while checking this document: ${(err as Error).message}`);
    }
  }

  for (const cycle of findCycles(graph)) {
    const e = byKey.get(cycle[0]!)!;
    out.at(e.docs, ['metadata', 'name'], 'value', `reference cycle: ${[...cycle, cycle[0]].join(' → ')}`);
  }

  const diagnostics = out.diagnostics.sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col),
  );
  return { root, resources, diagnostics };
}

function applyOverlay(root: string, env: string, entries: Entry[], out: Collector): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(env)) throw new JoeyError('invalid', `invalid environment name "${env}"`);
  const envDir = resolve(root, 'environments', env);
  if (!existsSync(envDir) || !statSync(envDir).isDirectory()) {
    throw new JoeyError('not_found', `environment "${env}" not found: ${toPosix(relative(process.cwd(), envDir)) || envDir} is not a directory`, { status: 404 });
  }
  const index = new Map<string, Entry>();
  for (const e of entries) {
    const k = identityKey(e);
    if (k && !index.has(k)) index.set(k, e);
  }
  for (const relInEnv of findManifestFiles(envDir)) {
    const rel = `environments/${env}/${relInEnv}`;
    const report = (src: SourceRef, message: string, severity?: Severity) => out.push(src, '', message, severity);
    for (const { ref: pd, raw } of readManifestFile(root, rel, report)) {
      const id = identify(raw);
      const k = identityKey(id);
      if (!isObj(raw) || !k) {
        out.at([pd], ['metadata', 'name'], 'parent', 'an overlay document needs a known kind and metadata.name (and metadata.workspace) to find what it patches');
        continue;
      }
      const base = index.get(k);
      if (!base) {
        // Not in the base: an environment-only document.
        const e: Entry = { raw, docs: [pd], home: pd, ...id, schemaValid: false, duplicate: false };
        entries.push(e);
        index.set(k, e);
        continue;
      }
      rebasePaths(root, raw, rel, base.home.file.rel);
      base.raw = mergePatch(base.raw, raw);
      base.docs.unshift(pd);
    }
  }
}
