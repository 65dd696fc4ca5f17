/**
 * Routes of the engine's API. A route is transport-agnostic: the HTTP server (server.ts) and the in-process
 * LocalClient both call `dispatch()`, so they behave identically (auth, membership, validation, errors).
 *
 * To add routes for your area: create `routes/<area>.ts` exporting `Route[]`, and add one line to
 * `routes/index.ts`. Handlers throw JoeyError (status + code) and return a JSON-able value, or a
 * `RawResponse` for bytes (e.g. Arrow inference answers).
 */
import type { Engine } from '../index.js';
import type { Actor, WorkspaceRecord } from '../types.js';

export interface RawRequest {
  bytes: Uint8Array;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface RouteContext {
  engine: Engine;
  actor: Actor;
  /** Parsed JSON body ({} when empty). For raw routes: {} (read `raw`). */
  body: Record<string, unknown>;
  /** Query parameters of the URL. */
  query: URLSearchParams;
  /** Path parameters of a pattern route (`/v1/api/pipelines/infer/:deployment/:pipeline`). */
  params: Record<string, string>;
  /** Raw body, for routes declared `raw: true`. */
  raw?: RawRequest;
  /** Base URL clients reach this API on (for external URLs). */
  baseUrl: string;
  /** The workspace if the actor is a member (or admin); else 403 (404 for admins on unknown ids). */
  requireWorkspace(id: unknown, role?: 'owner'): WorkspaceRecord;
}

export interface Route {
  /** Exact path, or a pattern with `:name` segments. */
  path: string;
  /** Default POST (the platform's API is POST + JSON everywhere). */
  method?: 'POST' | 'GET';
  /** Body is handed over as bytes instead of parsed JSON (uploads, inference). */
  raw?: boolean;
  /** Override the JSON body limit (bytes); uploads use the server's upload limit when `upload: true`. */
  maxBodyBytes?: number;
  upload?: boolean;
  handler(ctx: RouteContext): Promise<unknown> | unknown;
}

/** A non-JSON answer. */
export class RawResponse {
  constructor(
    readonly body: Uint8Array | string,
    readonly contentType: string,
    readonly status = 200,
  ) {}
}
