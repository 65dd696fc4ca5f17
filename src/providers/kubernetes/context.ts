import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AnyResource, Kind, Resource } from '../../model/index.js';
import { keyOf } from '../../model/index.js';
import { specHash } from '../../model/canonical.js';
import { ANNOTATIONS, LABELS, MANAGED_BY, type K8sObject } from './types.js';
import { k8sName, labelValue } from './names.js';

export interface RenderOptions {
  /** Engine (and task) image; default `ghcr.io/joey-dev/joey:<joey version>`. */
  image?: string;
  /** Image for a containerized model's sidekick; `{framework}` is replaced. Default `ghcr.io/joey-dev/joey-runtime-{framework}:<version>`. */
  sidekickImage?: string;
  /** Namespace set on every object; none = the namespace the applier chooses. */
  namespace?: string;
  /** `app.kubernetes.io/instance` and the prefix of every name (Argo CD's `ARGOCD_APP_NAME`); default `joey`. */
  instance?: string;
  /** Git commit the manifests came from, recorded in an annotation. */
  commit?: string;
  /** PersistentVolumeClaim that holds model and orchestration artifacts by sha256; default `joey-artifacts`. */
  artifactsClaim?: string;
  /** Port the engine serves on inside the pod; default 8080. */
  port?: number;
  /** Where the artifacts volume is mounted in pods; default /var/lib/joey/artifacts. */
  artifactsDir?: string;
}

export interface RenderResult {
  objects: K8sObject[];
  /** Things the user should know (e.g. an HPA without CPU requests); commands print them on stderr. */
  warnings: string[];
}

export function joeyVersion(): string {
  const require = createRequire(import.meta.url);
  // Same module from src/ (tests, tsx) and from dist/src/ (the CLI).
  for (const p of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = require(p) as { name?: string; version?: string };
      if (pkg.name === 'joey' && pkg.version) return pkg.version;
    } catch {
      /* try the next */
    }
  }
  return 'latest';
}

export const ARTIFACTS_DIR = '/var/lib/joey/artifacts';

/** Everything the per-kind renderers share: options with defaults, the resource index, and metadata builders. */
export class RenderContext {
  readonly image: string;
  readonly sidekickImage: string;
  readonly instance: string;
  readonly artifactsClaim: string;
  readonly port: number;
  readonly artifactsDir: string;
  readonly warnings: string[] = [];
  private readonly byKey = new Map<string, AnyResource>();

  constructor(
    readonly resources: AnyResource[],
    readonly opts: RenderOptions,
  ) {
    const version = joeyVersion();
    this.image = opts.image ?? `ghcr.io/joey-dev/joey:${version}`;
    this.sidekickImage = opts.sidekickImage ?? `ghcr.io/joey-dev/joey-runtime-{framework}:${version}`;
    this.instance = opts.instance ?? 'joey';
    this.artifactsClaim = opts.artifactsClaim ?? 'joey-artifacts';
    this.port = opts.port ?? 8080;
    this.artifactsDir = opts.artifactsDir ?? ARTIFACTS_DIR;
    for (const r of resources) this.byKey.set(keyOf(r), r);
  }

  find<K extends Kind>(kind: K, workspace: string | undefined, name: string): Resource<K> | undefined {
    return this.byKey.get(keyOf({ kind, workspace, name })) as Resource<K> | undefined;
  }

  ofKind<K extends Kind>(kind: K): Resource<K>[] {
    return this.resources.filter((r) => r.kind === kind) as Resource<K>[];
  }

  /** Names are `<instance>-<workspace>-<name>[-suffix]`, DNS-1035 so they also work for Services. */
  name(parts: string[], max?: number): string {
    return k8sName([this.instance, ...parts], { max, alphaStart: true });
  }

  /** Labels that select one workload's pods (must never change for an existing object). */
  selector(r: AnyResource, kindLabel: 'pipeline' | 'task'): Record<string, string> {
    return {
      [LABELS.instance]: labelValue(this.instance),
      [LABELS.workspace]: labelValue(r.metadata.workspace ?? ''),
      [kindLabel === 'pipeline' ? LABELS.pipeline : LABELS.task]: labelValue(r.metadata.name),
    };
  }

  labels(r: AnyResource, component: 'engine' | 'task' | 'config'): Record<string, string> {
    const kindLabel = r.kind === 'Task' ? 'task' : 'pipeline';
    return sorted({
      [LABELS.name]: r.kind === 'Task' ? 'joey-task' : 'joey-engine',
      [LABELS.partOf]: 'joey',
      [LABELS.component]: component,
      [LABELS.managedBy]: MANAGED_BY,
      ...this.selector(r, kindLabel),
    });
  }

  annotations(r: AnyResource): Record<string, string> {
    const a: Record<string, string> = { [ANNOTATIONS.specHash]: specHash(r) };
    if (this.opts.commit) a[ANNOTATIONS.commit] = this.opts.commit;
    if (r.source) a[ANNOTATIONS.source] = `${r.source.file}:${r.source.line}`;
    return sorted(a);
  }

  metadata(name: string, r: AnyResource, component: 'engine' | 'task' | 'config'): K8sObject['metadata'] {
    const m: K8sObject['metadata'] = { name, labels: this.labels(r, component), annotations: this.annotations(r) };
    if (this.opts.namespace) m.namespace = this.opts.namespace;
    return m;
  }

  warn(msg: string): void {
    this.warnings.push(msg);
  }
}

export function sorted<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const shortHash = (s: string, n = 16) => createHash('sha256').update(s).digest('hex').slice(0, n);
