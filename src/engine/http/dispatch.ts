import { JoeyError } from '../../model/index.js';
import type { Engine } from '../index.js';
import type { Actor } from '../types.js';
import { ROUTES } from './routes/index.js';
import type { RawRequest, Route, RouteContext } from './types.js';

export interface MatchedRoute {
  route: Route;
  params: Record<string, string>;
}

/** Find the route for a path (exact paths first, then `:param` patterns). */
export function matchRoute(path: string, routes: Route[] = ROUTES): MatchedRoute | undefined {
  const exact = routes.find((r) => r.path === path);
  if (exact) return { route: exact, params: {} };
  const segs = path.split('/');
  for (const r of routes) {
    if (!r.path.includes('/:')) continue;
    const pat = r.path.split('/');
    if (pat.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pat.length && ok; i++) {
      if (pat[i]!.startsWith(':')) {
        try {
          params[pat[i]!.slice(1)] = decodeURIComponent(segs[i]!);
        } catch {
          ok = false;
        }
      } else ok = pat[i] === segs[i];
    }
    if (ok) return { route: r, params };
  }
  return undefined;
}

export function toInt(v: unknown, field: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new JoeyError('invalid', `${field} must be an integer id`, { status: 400 });
  return n;
}

export interface DispatchInput {
  engine: Engine;
  actor: Actor;
  path: string;
  body?: unknown;
  query?: URLSearchParams;
  raw?: RawRequest;
  baseUrl?: string;
  routes?: Route[];
}

/** Run one API call as `actor`. Throws JoeyError (404 for unknown routes). */
export async function dispatch(input: DispatchInput): Promise<unknown> {
  const m = matchRoute(input.path, input.routes);
  if (!m) throw new JoeyError('not_found', `no such route: ${input.path}`, { status: 404 });
  if (!m.route.raw && (typeof input.body !== 'object' || input.body === null || Array.isArray(input.body)) && input.body !== undefined)
    throw new JoeyError('bad_request', 'the request body must be a JSON object', { status: 400 });
  const { engine, actor } = input;
  const ctx: RouteContext = {
    engine,
    actor,
    body: (m.route.raw ? {} : (input.body as Record<string, unknown>)) ?? {},
    query: input.query ?? new URLSearchParams(),
    params: m.params,
    raw: input.raw,
    baseUrl: input.baseUrl ?? engine.externalUrl,
    requireWorkspace: (id, role) => engine.workspaces.requireMember(toInt(id, 'workspace_id'), actor, role),
  };
  return m.route.handler(ctx);
}
