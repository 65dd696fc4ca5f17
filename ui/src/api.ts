/** Calls to the engine's API: POST + JSON with the bearer token the user logged in with. */

const TOKEN_KEY = 'joey.token';

export const getToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (t: string): void => sessionStorage.setItem(TOKEN_KEY, t);
export const clearToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Listeners told when the server refuses the token (the app shows the login form again). */
const unauthorizedHandlers: (() => void)[] = [];
export const onUnauthorized = (fn: () => void): void => void unauthorizedHandlers.push(fn);

export async function api<T = unknown>(path: string, body: Record<string, unknown> = {}): Promise<T> {
  const token = getToken();
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string };
    if (res.status === 401) for (const fn of unauthorizedHandlers) fn();
    throw new ApiError(res.status, e.code ?? 'http_error', e.message ?? `${res.status} ${res.statusText}`);
  }
  return json as T;
}
