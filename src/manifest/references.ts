import type { Kind } from '../model/index.js';
import type { Anchor, Segment } from './schemas.js';

/** A reference from one object to another by name, in the same workspace. */
export interface Reference {
  path: Segment[];
  anchor: Anchor;
  kind: Kind;
  name: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function sidekickRefs(dc: unknown, at: Segment[]): Reference[] {
  if (!isObj(dc) || !isObj(dc.sidekicks)) return [];
  return Object.keys(dc.sidekicks).map((name) => ({ path: [...at, 'sidekicks', name], anchor: 'key' as const, kind: 'Model' as const, name }));
}

/** Every by-name reference in a (schema-valid) spec; paths are relative to the document root. */
export function referencesOf(kind: Kind, spec: unknown): Reference[] {
  if (!isObj(spec)) return [];
  const out: Reference[] = [];
  const add = (path: Segment[], k: Kind, name: unknown) => {
    if (typeof name === 'string') out.push({ path: ['spec', ...path], anchor: 'value', kind: k, name });
  };
  switch (kind) {
    case 'Pipeline': {
      const steps = Array.isArray(spec.steps) ? spec.steps : [];
      steps.forEach((step, i) => {
        if (!isObj(step)) return;
        add(['steps', i, 'model'], 'Model', step.model);
        for (const mode of ['abTest', 'shadow'] as const) {
          const s = step[mode];
          if (!isObj(s)) continue;
          add(['steps', i, mode, 'champion'], 'Model', s.champion);
          const ch = Array.isArray(s.challengers) ? s.challengers : [];
          ch.forEach((c, j) => {
            if (typeof c === 'string') add(['steps', i, mode, 'challengers', j], 'Model', c);
            else if (isObj(c)) add(['steps', i, mode, 'challengers', j, 'model'], 'Model', c.model);
          });
        }
      });
      if (typeof spec.deployment === 'string') add(['deployment'], 'DeploymentConfig', spec.deployment);
      else out.push(...sidekickRefs(spec.deployment, ['spec', 'deployment']));
      break;
    }
    case 'DeploymentConfig':
      out.push(...sidekickRefs(spec, ['spec']));
      break;
    case 'Task':
      add(['orchestration'], 'Orchestration', spec.orchestration);
      break;
    case 'Assay':
      add(['pipeline'], 'Pipeline', spec.pipeline);
      break;
  }
  return out;
}

/**
 * Cycles in a directed graph (node → nodes it references), each reported once as the list of nodes
 * on it, starting from its smallest key. Iterative DFS, so deep graphs cannot overflow the stack.
 */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>();
  const seen = new Set<string>();
  const cycles: string[][] = [];
  for (const start of [...graph.keys()].sort()) {
    if (color.get(start)) continue;
    const stack: { node: string; next: number }[] = [{ node: start, next: 0 }];
    const onPath: string[] = [start];
    color.set(start, GREY);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const edges = graph.get(top.node) ?? [];
      if (top.next < edges.length) {
        const to = edges[top.next++]!;
        const c = color.get(to) ?? WHITE;
        if (c === GREY) {
          const cyc = onPath.slice(onPath.indexOf(to));
          const min = cyc.reduce((a, b) => (b < a ? b : a));
          const rotated = [...cyc.slice(cyc.indexOf(min)), ...cyc.slice(0, cyc.indexOf(min))];
          const id = rotated.join('\0');
          if (!seen.has(id)) {
            seen.add(id);
            cycles.push(rotated);
          }
        } else if (c === WHITE && graph.has(to)) {
          color.set(to, GREY);
          stack.push({ node: to, next: 0 });
          onPath.push(to);
        }
      } else {
        color.set(top.node, BLACK);
        stack.pop();
        onPath.pop();
      }
    }
  }
  return cycles;
}
