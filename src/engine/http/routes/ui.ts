/**
 * The dashboard's static files (built by `npm run build:ui` into `dist/ui/`), served under `/ui/`.
 *
 * The files hold no data — every number the dashboard shows comes from API calls that need a bearer token —
 * so they are served without one: a browser cannot attach `Authorization` to a page load, and the page's
 * login form is what asks for the token. `attachUi(server)` puts this handler in front of the engine's
 * router (the router authenticates every route it matches, so the files cannot be routes of its registry).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JoeyError } from '../../../model/index.js';
import type { RunningServer } from '../server.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Headers on every dashboard file: no inline scripts, nothing from other origins, no framing. */
export const UI_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** `dist/ui` of the joey package this file belongs to (works from `src/` under tsx and from `dist/src/`). */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'ui');
    dir = dirname(dir);
  }
  return resolve('dist', 'ui');
}

export interface UiFile {
  status: number;
  body: Buffer | string;
  headers: Record<string, string>;
}

/** The answer for a `/ui...` path, or undefined when the path is not the dashboard's. */
export function uiFile(pathname: string, uiDir = defaultUiDir()): UiFile | undefined {
  if (pathname !== '/ui' && !pathname.startsWith('/ui/')) return undefined;
  if (pathname === '/ui') return { status: 308, body: '', headers: { location: '/ui/' } };
  const text = (status: number, msg: string): UiFile => ({ status, body: msg + '\n', headers: { 'content-type': 'text/plain; charset=utf-8', ...UI_SECURITY_HEADERS } });
  if (!existsSync(join(uiDir, 'index.html'))) return text(503, 'the dashboard is not built: run `npm run build:ui` (it builds into dist/ui)');
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice('/ui/'.length));
  } catch {
    return text(400, 'bad path');
  }
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  const root = resolve(uiDir);
  const file = resolve(root, rel);
  if (!file.startsWith(root + sep) || rel.includes('\0')) return text(404, 'not found');
  let st;
  try {
    st = statSync(file);
  } catch {
    return text(404, 'not found');
  }
  if (!st.isFile()) return text(404, 'not found');
  const hashed = rel.startsWith('assets/');
  return {
    status: 200,
    body: readFileSync(file),
    headers: {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      // Vite names assets by content hash: cache them forever; index.html must always be fresh.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...UI_SECURITY_HEADERS,
    },
  };
}

/** Serves `/ui...` from `uiDir`; returns false for every other path. */
export function serveUi(req: IncomingMessage, res: ServerResponse, uiDir = defaultUiDir()): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const f = uiFile(url.pathname, uiDir);
  if (!f) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('the dashboard takes GET\n');
    return true;
  }
  res.writeHead(f.status, { ...f.headers, 'content-length': String(Buffer.byteLength(f.body)) });
  res.end(req.method === 'HEAD' ? undefined : f.body);
  return true;
}

/**
 * Puts the dashboard in front of a running engine server: `/ui...` is answered here, everything else goes to
 * the engine's router unchanged (so every API call still needs its token).
 */
export function attachUi(srv: RunningServer, uiDir = defaultUiDir()): RunningServer {
  const engineHandlers = srv.server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  srv.server.removeAllListeners('request');
  srv.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (serveUi(req, res, uiDir)) return;
    for (const h of engineHandlers) h.call(srv.server, req, res);
  });
  return srv;
}

export interface Dashboard {
  /** Base URL of the server (`http://127.0.0.1:PORT`). */
  url: string;
  /** The dashboard's address with the session's token in the fragment (never sent to the server). */
  loginUrl: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `joey ui`: the engine API plus the dashboard on one port, over an engine's state, with a fresh admin token
 * for this session (revoked by `close()`).
 */
export async function startDashboard(opts: { stateDir: string; port?: number; host?: string; uiDir?: string; user?: string }): Promise<Dashboard> {
  const { Engine } = await import('../../index.js');
  const { startServer } = await import('../server.js');
  const engine = await Engine.open({ stateDir: opts.stateDir });
  const { token } = await engine.tokens.create({ user: opts.user ?? 'admin', admin: true, name: 'joey ui session' });
  let srv: RunningServer;
  try {
    srv = attachUi(await startServer(engine, { port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' }), opts.uiDir);
  } catch (e) {
    await engine.tokens.revoke(token);
    await engine.close();
    throw (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new JoeyError('port_in_use', `port ${opts.port} is in use; pick another with --port (0 = any free port)`) : e;
  }
  return {
    url: srv.url,
    loginUrl: `${srv.url}/ui/#token=${encodeURIComponent(token)}`,
    port: srv.port,
    close: async () => {
      await srv.close();
      await engine.tokens.revoke(token);
      await engine.close();
    },
  };
}
