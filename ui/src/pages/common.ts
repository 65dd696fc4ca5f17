import { h, short } from '../dom.js';

/** Where an object came from: the manifest file and git commit the reconciler stamped on it. */
export function provenance(labels: Record<string, string> | undefined): HTMLElement {
  const l = labels ?? {};
  const src = l['joey.dev/source'];
  const commit = l['joey.dev/commit'];
  if (!src && !commit) return h('span', { class: 'muted' }, 'not managed by joey');
  return h('span', { class: 'prov' }, src ? h('code', { 'data-testid': 'source' }, src) : null, commit ? h('code', { class: 'commit', title: commit, 'data-testid': 'commit' }, short(commit, 10)) : null);
}

/** The user's own labels (not joey.dev/*). */
export function userLabels(labels: Record<string, string> | undefined): HTMLElement | string {
  const e = Object.entries(labels ?? {}).filter(([k]) => !k.startsWith('joey.dev/'));
  return e.length ? h('span', {}, e.map(([k, v]) => h('span', { class: 'chip' }, `${k}=${v}`))) : '';
}

export function needWorkspace(): HTMLElement {
  return h('p', { class: 'empty' }, 'No workspace is visible to this token.');
}
