/** Tiny DOM helpers: `h(tag, attrs, ...children)`, tables, badges and time formatting. */

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export interface Column<T> {
  title: string;
  cell: (row: T) => Child;
  className?: string;
}

export function table<T>(rows: T[], cols: Column<T>[], opts: { empty?: string; testid?: string; rowTestid?: (r: T) => string } = {}): HTMLElement {
  if (!rows.length) return h('p', { class: 'empty', 'data-testid': opts.testid }, opts.empty ?? 'Nothing here yet.');
  return h(
    'table',
    { 'data-testid': opts.testid },
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { class: c.className }, c.title)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-testid': opts.rowTestid?.(r) }, cols.map((c) => h('td', { class: c.className }, c.cell(r)))))),
  );
}

const BADGE: Record<string, string> = {
  running: 'ok', success: 'ok', ok: 'ok', active: 'ok', ready: 'ok', started: 'ok', true: 'ok',
  starting: 'warn', pending: 'warn', pending_kill: 'warn', warning: 'warn', packaging: 'warn', missed: 'warn', inactive: 'muted', killed: 'muted', unknown: 'muted', undeployed: 'muted',
  error: 'bad', failure: 'bad', failed: 'bad', timed_out: 'bad', alert: 'bad', false: 'bad',
};

export const badge = (status: string, label = status): HTMLElement => h('span', { class: `badge ${BADGE[status.toLowerCase()] ?? 'muted'}` }, label);

/** Seeds' run statuses, as the dashboard prints them: Success, Failure, Timed_out. */
export const runStatusLabel = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

export function when(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export const short = (s: string | null | undefined, n = 12): string => (s ? (s.length > n ? s.slice(0, n) : s) : '—');

export const link = (href: string, text: Child, attrs: Attrs = {}): HTMLElement => h('a', { href, ...attrs }, text);

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

export function errorBox(e: unknown): HTMLElement {
  return h('div', { class: 'error', role: 'alert' }, (e as Error)?.message ?? String(e));
}
