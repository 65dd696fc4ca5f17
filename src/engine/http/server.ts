import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JoeyError } from '../../model/index.js';
import type { Engine } from '../index.js';
import type { Actor } from '../types.js';
import { dispatch, matchRoute } from './dispatch.js';
import { ROUTES } from './routes/index.js';
import { RawResponse, type Route } from './types.js';

export interface ServerOptions {
  port?: number;
  /** Default 127.0.0.1: exposing the API is a deliberate choice. */
  host?: string;
  /** JSON body limit (default 10 MiB). */
  maxJsonBytes?: number;
  /** Upload limit for model/orchestration uploads and raw routes (default 512 MiB). */
  maxUploadBytes?: number;
  routes?: Route[];
  /** Called for every 5xx (never with secrets; the client sees a generic message). */
  onError?: (err: unknown) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
/** How much of an oversized body we read and discard so the client gets its 413 instead of a reset. */
const DRAIN_LIMIT = 64 * MiB;

function send(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  if (value instanceof RawResponse) {
    res.writeHead(value.status, { 'content-type': value.contentType, ...headers });
    res.end(value.body);
    return;
  }
  const body = JSON.stringify(value === undefined ? null : value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, err: unknown, onError?: (e: unknown) => void): void {
  // after a 413 the rest of the body may still be in flight: don't reuse the connection
  if (err instanceof JoeyError && err.status === 413) return send(res, 413, { code: err.code, message: err.message }, { connection: 'close' });
  if (err instanceof JoeyError && err.status < 500) return send(res, err.status, { code: err.code, message: err.message });
  onError?.(err);
  if (err instanceof JoeyError) return send(res, err.status, { code: err.code, message: err.message });
  send(res, 500, { code: 'internal', message: 'internal error; see the server log' });
}

/** Read the body up to `limit` bytes; beyond it, drain (bounded) and throw 413. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const tooBig = () => new JoeyError('too_large', `request body exceeds the ${limit} byte limit`, { status: 413 });
    if (declared > limit + DRAIN_LIMIT) {
      reject(tooBig());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        if (!over) chunks.length = 0;
        over = true;
        if (size > limit + DRAIN_LIMIT) req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => (over ? reject(tooBig()) : resolve(Buffer.concat(chunks))));
    req.on('error', (e) => reject(over ? tooBig() : new JoeyError('bad_request', `request aborted: ${e.message}`, { status: 400 })));
    req.on('close', () => {
      if (over) reject(tooBig());
    });
  });
}

function authenticate(engine: Engine, req: IncomingMessage): Actor {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  if (!m) throw new JoeyError('unauthorized', 'missing bearer token (Authorization: Bearer <token>; create one with `joey server token create`)', { status: 401 });
  const actor = engine.tokens.verify(m[1]!);
  if (!actor) throw new JoeyError('unauthorized', 'invalid or revoked token', { status: 401 });
  return actor;
}

/**
 * `joey server`: the engine's API over HTTP (node:http). Every route needs a bearer token; bodies are
 * size-limited (413); bad JSON is 400; unknown routes and ids are 404; errors are `{code, message}`.
 * No request can crash the process: every failure becomes an error response.
 */
export async function startServer(engine: Engine, opts: ServerOptions = {}): Promise<RunningServer> {
  const routes = opts.routes ?? ROUTES;
  const maxJson = opts.maxJsonBytes ?? 10 * MiB;
  const maxUpload = opts.maxUploadBytes ?? 512 * MiB;
  let baseUrl = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = matchRoute(url.pathname, routes);
    if (!m) throw new JoeyError('not_found', `no such route: ${url.pathname}`, { status: 404 });
    const method = m.route.method ?? 'POST';
    if (req.method !== method) throw new JoeyError('method_not_allowed', `${url.pathname} takes ${method}`, { status: 405 });
    const actor = authenticate(engine, req);
    const limit = m.route.maxBodyBytes ?? (m.route.upload || m.route.raw ? maxUpload : maxJson);
    const bytes = await readBody(req, limit);
    let body: unknown;
    if (!m.route.raw && bytes.length) {
      try {
        body = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        throw new JoeyError('bad_json', `request body is not valid JSON: ${(e as Error).message}`, { status: 400 });
      }
      if (body === null) body = undefined;
    }
    const result = await dispatch({
      engine,
      actor,
      path: url.pathname,
      body,
      query: url.searchParams,
      raw: m.route.raw ? { bytes, contentType: String(req.headers['content-type'] ?? ''), headers: req.headers } : undefined,
      baseUrl,
      routes,
    });
    send(res, 200, result);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      try {
        sendError(res, err, opts.onError);
      } catch {
        res.destroy();
      }
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  // Slow or stuck clients must not pin the server forever.
  server.requestTimeout = 5 * 60_000;
  server.headersTimeout = 30_000;

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  engine.externalUrl = baseUrl;
  return {
    server,
    url: baseUrl,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
