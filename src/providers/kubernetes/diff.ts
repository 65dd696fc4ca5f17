import { isQuantity, parseQuantity } from '../../model/quantity.js';
import { ANNOTATIONS } from './types.js';

/**
 * Field-level comparison of a desired object with the live one, seeing only what joey sets: fields the server
 * or another controller adds (status, uid, resourceVersion, managedFields, defaults such as a Service's
 * clusterIP or a container's imagePullPolicy, sidecars injected into named lists) are not differences, and
 * quantities compare by value (`0.25` = `250m`). The commit annotation is not compared (it records the commit
 * that last changed the object, so a commit that changes nothing about it is not a change).
 */
export interface FieldChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const IGNORED_METADATA = new Set(['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'ownerReferences', 'finalizers']);
const IGNORED_ANNOTATIONS = new Set<string>([ANNOTATIONS.commit]);

export interface CompareOptions {
  /** `spec.replicas` belongs to an HPA that targets this Deployment. */
  hpaOwnsReplicas?: boolean;
}

export function compareObject(desired: Obj, live: Obj, opts: CompareOptions = {}): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [k, v] of Object.entries(desired)) {
    if (k === 'status') continue;
    if (k === 'metadata' && isObj(v)) {
      const lm = isObj(live.metadata) ? live.metadata : {};
      for (const [mk, mv] of Object.entries(v)) {
        if (IGNORED_METADATA.has(mk)) continue;
        if ((mk === 'annotations' || mk === 'labels') && isObj(mv)) {
          const la = isObj(lm[mk]) ? (lm[mk] as Obj) : {};
          for (const [ak, av] of Object.entries(mv)) {
            if (mk === 'annotations' && IGNORED_ANNOTATIONS.has(ak)) continue;
            if (la[ak] !== av) out.push({ path: `metadata.${mk}.${ak}`, from: la[ak], to: av });
          }
        } else walk(mv, lm[mk], `metadata.${mk}`, out);
      }
      continue;
    }
    if (k === 'spec' && isObj(v) && opts.hpaOwnsReplicas) {
      const { replicas: _r, ...rest } = v;
      walk(rest, live.spec, 'spec', out);
      continue;
    }
    walk(v, live[k], k, out);
  }
  return out;
}

function sameScalar(d: unknown, l: unknown): boolean {
  if (d === l) return true;
  if ((typeof d === 'string' || typeof d === 'number') && (typeof l === 'string' || typeof l === 'number')) {
    const ds = String(d);
    const ls = String(l);
    if (ds === ls) return true;
    if (isQuantity(ds) && isQuantity(ls)) return Math.abs(parseQuantity(ds) - parseQuantity(ls)) < 1e-9;
  }
  return false;
}

/** Lists of objects that all have a `name` are maps keyed by name (containers, env, ports, volumes, mounts). */
const isNamedList = (a: unknown[]) => a.length > 0 && a.every((x) => isObj(x) && typeof x.name === 'string');

function walk(d: unknown, l: unknown, path: string, out: FieldChange[]): void {
  if (isObj(d)) {
    if (!isObj(l)) {
      out.push({ path, from: l, to: d });
      return;
    }
    for (const [k, v] of Object.entries(d)) walk(v, l[k], `${path}.${k}`, out);
    return;
  }
  if (Array.isArray(d)) {
    if (!Array.isArray(l)) {
      out.push({ path, from: l, to: d });
      return;
    }
    if (isNamedList(d)) {
      for (const item of d as Obj[]) {
        const match = l.find((x) => isObj(x) && x.name === item.name);
        if (match === undefined) out.push({ path: `${path}[${item.name}]`, from: undefined, to: item });
        else walk(item, match, `${path}[${item.name}]`, out);
      }
      // Items joey applied before and no longer wants show up through the applied-hash annotation.
      return;
    }
    if (d.length !== l.length) {
      out.push({ path, from: l, to: d });
      return;
    }
    d.forEach((x, i) => walk(x, l[i], `${path}[${i}]`, out));
    return;
  }
  if (!sameScalar(d, l)) out.push({ path, from: l, to: d });
}
