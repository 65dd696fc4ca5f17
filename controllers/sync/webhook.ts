import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface WebhookVerdict {
  ok: boolean;
  /** HTTP status to answer with. */
  status: number;
  message: string;
  provider?: 'github' | 'gitlab' | 'generic';
  /** Branch the push was to, when the payload says. */
  branch?: string;
  /** The pushed commit, when the payload says. */
  commit?: string;
}

const safeEqual = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const header = (h: IncomingHttpHeaders, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Checks a push webhook: GitHub signs the raw body with HMAC-SHA256 (`X-Hub-Signature-256: sha256=<hex>`),
 * GitLab sends the shared secret itself (`X-Gitlab-Token`). With a secret configured, anything else is refused.
 * Without one, any POST triggers a sync (it only makes the controller fetch the configured branch sooner).
 */
export function verifyWebhook(headers: IncomingHttpHeaders, body: Buffer, secret: string | undefined): WebhookVerdict {
  const ghSig = header(headers, 'x-hub-signature-256');
  const glToken = header(headers, 'x-gitlab-token');
  const provider = ghSig || header(headers, 'x-github-event') ? 'github' : glToken || header(headers, 'x-gitlab-event') ? 'gitlab' : 'generic';
  if (secret) {
    if (provider === 'github') {
      if (!ghSig) return { ok: false, status: 401, message: 'missing X-Hub-Signature-256', provider };
      const want = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      if (!safeEqual(ghSig, want)) return { ok: false, status: 401, message: 'bad signature', provider };
    } else if (provider === 'gitlab') {
      if (!glToken || !safeEqual(glToken, secret)) return { ok: false, status: 401, message: 'bad X-Gitlab-Token', provider };
    } else {
      return { ok: false, status: 401, message: 'unsigned webhook (expected X-Hub-Signature-256 or X-Gitlab-Token)', provider };
    }
  }
  const event = header(headers, 'x-github-event') ?? header(headers, 'x-gitlab-event');
  if (event === 'ping') return { ok: true, status: 200, message: 'pong', provider };
  let payload: { ref?: unknown; after?: unknown; checkout_sha?: unknown } = {};
  try {
    if (body.length) payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, message: 'body is not JSON', provider };
  }
  const ref = typeof payload.ref === 'string' ? payload.ref : undefined;
  const branch = ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const commit = typeof payload.after === 'string' ? payload.after : typeof payload.checkout_sha === 'string' ? payload.checkout_sha : undefined;
  return { ok: true, status: 202, message: 'sync triggered', provider, branch, commit };
}
