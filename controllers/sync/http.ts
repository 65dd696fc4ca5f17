import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SyncController } from './controller.js';
import { conditionOf } from './status.js';
import { verifyWebhook } from './webhook.js';

const MAX_BODY = 5 * 1024 * 1024; // GitHub caps payloads at 25 MB; pushes are far smaller

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new Error('payload too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface ControllerHttp {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * `POST /hooks/git` (GitHub/GitLab push → sync at once), `GET /healthz` (process alive), `GET /readyz` (the last
 * sync succeeded), `GET /metrics` (Prometheus text), `GET /status` (conditions and commits, JSON).
 */
export async function serveController(ctl: SyncController, opts: { port: number; host?: string; webhookSecret?: string; extraMetrics?: () => string }): Promise<ControllerHttp> {
  const server = createServer((req, res) => {
    const send = (code: number, text: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'content-type': type });
      res.end(text);
    };
    const path = (req.url ?? '/').split('?')[0];
    void (async () => {
      if (req.method === 'POST' && path === '/hooks/git') {
        const raw = await body(req);
        const v = verifyWebhook(req.headers, raw, opts.webhookSecret);
        if (v.ok && v.status === 202) {
          if (v.branch && v.branch !== ctl.status.branch) return send(202, JSON.stringify({ ignored: `push to ${v.branch}, watching ${ctl.status.branch}` }), 'application/json');
          void ctl.trigger(`webhook (${v.provider}${v.commit ? ` ${v.commit.slice(0, 12)}` : ''})`);
        }
        return send(v.status, JSON.stringify({ message: v.message }), 'application/json');
      }
      if (req.method !== 'GET') return send(405, 'method not allowed\n');
      if (path === '/healthz') return send(200, 'ok\n');
      if (path === '/readyz') {
        const ready = conditionOf(ctl.status, 'Ready');
        return ready?.status === 'True' ? send(200, 'ok\n') : send(503, `${ready?.reason ?? 'NotReady'}: ${ready?.message ?? ''}\n`);
      }
      if (path === '/metrics') return send(200, ctl.metrics.render() + (opts.extraMetrics?.() ?? ''), 'text/plain; version=0.0.4; charset=utf-8');
      if (path === '/status') return send(200, JSON.stringify(ctl.status, null, 2) + '\n', 'application/json');
      return send(404, 'not found\n');
    })().catch((e) => send(400, `${(e as Error).message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    server,
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
