import { JoeyError } from '../../model/index.js';
import { parseDuration } from '../../model/duration.js';
import { renderRepo } from './render-repo.js';
import { applyToKubernetes, diffKubernetes, type ApplyOptions, type ApplyResult, type KubeDiff } from './apply.js';

export interface ApplyRepoToKubernetesOptions extends Omit<ApplyOptions, 'timeoutMs'> {
  env?: string;
  image?: string;
  instance?: string;
  commit?: string;
  /** Health-wait timeout as a duration (`2m`, `90s`); default 2m. */
  timeout?: string;
  /** With prune, let an empty render delete everything joey owns (Argo CD's allowEmpty). */
  allowEmpty?: boolean;
  /** Called with the diff before anything changes; return false to stop. */
  confirm?: (diff: KubeDiff) => Promise<boolean>;
}

export interface ApplyRepoOutcome {
  diff: KubeDiff;
  result?: ApplyResult;
  declined?: boolean;
  warnings: string[];
}

/** Render ROOT, diff it against the cluster, confirm, and apply: `joey apply --target kubernetes`. */
export async function applyRepoToKubernetes(root: string, opts: ApplyRepoToKubernetesOptions = {}): Promise<ApplyRepoOutcome> {
  const rendered = await renderRepo(root, { env: opts.env, image: opts.image, instance: opts.instance, commit: opts.commit, namespace: opts.namespace });
  const prune = opts.prune ?? false;
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(opts.timeout ?? '2m');
  } catch (e) {
    throw new JoeyError('invalid', `--timeout: ${(e as Error).message}`);
  }
  const kopts: ApplyOptions = { ...opts, prune, timeoutMs };
  const diff = await diffKubernetes(rendered.objects, kopts);
  if (prune && rendered.objects.length === 0 && diff.summary.delete > 0 && !opts.allowEmpty) {
    throw new JoeyError('empty_render', `the manifests render no objects; refusing to prune ${diff.summary.delete} object(s) without --allow-empty`);
  }
  const changed = diff.summary.create + diff.summary.update + diff.summary.delete > 0;
  if (changed && opts.confirm && !(await opts.confirm(diff))) return { diff, declined: true, warnings: rendered.warnings };
  const result = changed || opts.wait !== false ? await applyToKubernetes(rendered.objects, kopts) : undefined;
  return { diff, result, warnings: rendered.warnings };
}

const SYMBOL = { create: '+', update: '~', delete: '-', unchanged: ' ' } as const;
const show = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v));

/** Plan-like text: `+ create`, `~ update` with field changes, `- delete`, and a summary line. */
export function renderKubeDiffText(diff: KubeDiff): string {
  const lines: string[] = [];
  for (const c of diff.changes) {
    if (c.action === 'unchanged') continue;
    lines.push(`${SYMBOL[c.action]} ${c.action === 'delete' ? 'prune' : c.action} ${c.kind}/${c.name}${c.namespace ? ` (namespace ${c.namespace})` : ''}`);
    for (const f of c.changes ?? []) {
      const v = (x: unknown) => {
        const s = show(x);
        return s.length > 80 ? `${s.slice(0, 77)}...` : s;
      };
      lines.push(`    ${f.path}: ${v(f.from)} → ${v(f.to)}`);
    }
  }
  const s = diff.summary;
  lines.push(`Kubernetes: ${s.create} to create, ${s.update} to change, ${s.delete} to prune, ${s.unchanged} unchanged (inventory ${diff.inventory} in ${diff.namespace}).`);
  return lines.join('\n');
}
