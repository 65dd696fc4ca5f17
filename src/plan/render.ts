import type { Change, FieldDiff, Plan } from './types.js';
import { isReplace } from './types.js';

/** Terraform-like text for a plan. Colour only when asked (the command passes `isTTY`). */
export interface RenderOptions {
  color?: boolean;
  /** Show unchanged objects too (default: only changes). */
  showUnchanged?: boolean;
}

const C = { green: '\x1b[32m', yellow: '\x1b[33m', red: '\x1b[31m', cyan: '\x1b[36m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };

export function symbolOf(c: Change): string {
  if (isReplace(c.actions)) return '-/+';
  return { create: '+', update: '~', delete: '-', 'no-op': ' ' }[c.actions[0]!];
}
const verbOf = (c: Change) =>
  isReplace(c.actions) ? 'must be replaced' : { create: 'will be created', update: 'will be updated in place', delete: 'will be destroyed', 'no-op': 'is unchanged' }[c.actions[0]!];

export function formatValue(v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(v);
}

function diffLine(c: Change, d: FieldDiff): string {
  const note = d.forcesReplace ? '  # forces replacement' : '';
  if (c.actions[0] === 'create') return `+ ${d.path} = ${formatValue(d.after)}`;
  if (!('before' in d)) return `+ ${d.path} = ${formatValue(d.after)}${note}`;
  if (!('after' in d)) return `- ${d.path} = ${formatValue(d.before)}${note}`;
  return `~ ${d.path}: ${formatValue(d.before)} -> ${formatValue(d.after)}${note}`;
}

export function summaryLine(p: Plan): string {
  const s = p.summary;
  return `Plan: ${s.add} to add, ${s.change} to change, ${s.replace} to replace, ${s.destroy} to destroy.`;
}

export function renderPlanText(p: Plan, opts: RenderOptions = {}): string {
  const paint = (color: string, s: string) => (opts.color ? `${color}${s}${C.reset}` : s);
  const colorOf = (c: Change) => (isReplace(c.actions) ? C.yellow : { create: C.green, update: C.yellow, delete: C.red, 'no-op': C.dim }[c.actions[0]!]);
  const out: string[] = [];
  for (const d of p.diagnostics) out.push(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.path ? d.path + ': ' : ''}${d.message}`);
  const shown = p.changes.filter((c) => opts.showUnchanged || c.actions[0] !== 'no-op');
  for (const c of shown) {
    const head = `${symbolOf(c)} ${c.key}`;
    out.push(`${paint(colorOf(c), head)} ${verbOf(c)}${c.source ? paint(C.dim, `  (${c.source})`) : ''}`);
    if (c.reason) out.push(`    # ${c.reason}`);
    for (const d of c.diffs) out.push(`    ${d.forcesReplace ? paint(C.red, diffLine(c, d)) : diffLine(c, d)}`);
  }
  if (p.leftAlone.length) {
    if (out.length) out.push('');
    out.push(`Left alone (${p.leftAlone.length}):`);
    for (const l of p.leftAlone) out.push(`  ${paint(C.cyan, '!')} ${l.key}: ${l.reason}`);
  }
  if (out.length) out.push('');
  if (!shown.length) out.push(paint(C.bold, 'No changes. The running state matches the manifests.'));
  else out.push(paint(C.bold, summaryLine(p)));
  return out.join('\n');
}
