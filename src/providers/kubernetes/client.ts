import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { JoeyError } from '../../model/index.js';

/** Where to reach the cluster: a kubeconfig (path, object for `loadFromOptions`, or KubeConfig), a context, a namespace. */
export interface KubeTarget {
  kubeconfig?: string | KubeConfig | Parameters<KubeConfig['loadFromOptions']>[0];
  context?: string;
  /** Namespace for objects that name none; default: the context's namespace, else `default`. */
  namespace?: string;
}

export interface KubeClient {
  api: KubernetesObjectApi;
  namespace: string;
  server: string;
}

export function kubeClient(target: KubeTarget = {}): KubeClient {
  let kc: KubeConfig;
  if (target.kubeconfig instanceof KubeConfig) kc = target.kubeconfig;
  else {
    kc = new KubeConfig();
    try {
      if (typeof target.kubeconfig === 'string') kc.loadFromFile(target.kubeconfig);
      else if (target.kubeconfig) kc.loadFromOptions(target.kubeconfig);
      else kc.loadFromDefault();
    } catch (e) {
      throw new JoeyError('kubeconfig', `cannot load the kubeconfig: ${(e as Error).message}`, { cause: e });
    }
  }
  if (target.context) {
    if (!kc.getContextObject(target.context)) throw new JoeyError('kubeconfig', `context "${target.context}" not found in the kubeconfig (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(target.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new JoeyError('kubeconfig', 'the kubeconfig has no current cluster; pass --context or set current-context');
  const namespace = target.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { api: KubernetesObjectApi.makeApiClient(kc), namespace, server: cluster.server };
}

/** HTTP status of a client-node error (ApiException carries `code`), or undefined for network errors. */
export function statusOf(e: unknown): number | undefined {
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'number' ? c : undefined;
}

/** A client-node error as a JoeyError whose message says what failed; never includes credentials. */
export function kubeError(what: string, e: unknown, server: string): JoeyError {
  const code = statusOf(e);
  if (code === undefined) {
    return new JoeyError('kubernetes_unreachable', `${what}: cannot reach the Kubernetes API at ${server}: ${(e as Error).message}`, { cause: e, status: 502 });
  }
  let msg = (e as Error).message;
  const body = (e as { body?: unknown }).body;
  try {
    const parsed = typeof body === 'string' ? JSON.parse(body) : body;
    if (parsed && typeof parsed === 'object' && 'message' in parsed) msg = String((parsed as { message: unknown }).message);
  } catch {
    /* keep the exception message */
  }
  return new JoeyError(code === 409 ? 'conflict' : 'kubernetes', `${what}: ${code} ${msg}`, { cause: e, status: code });
}
