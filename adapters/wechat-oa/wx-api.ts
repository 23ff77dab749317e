import type { ChannelDeps } from '../../engine/channels.ts';

/**
 * The JSON APIs of WeChat (api.weixin.qq.com) and WeCom (qyapi.weixin.qq.com), shared by the Official
 * Account and the WeCom 微信客服 adapters: `?access_token=` on every call, `{errcode, errmsg}` in a 200
 * body on failure, one access token per account shared by every instance through deps.kv.
 */

/** A call the platform answered with a non-zero errcode. */
export class WxApiError extends Error {
  constructor(
    readonly api: string,
    readonly errcode: number,
    errmsg: string,
  ) {
    // errmsg carries a hint and the caller's IP, never message content.
    super(`${api}: errcode ${errcode} ${errmsg.slice(0, 120)}`);
    this.name = 'WxApiError';
  }
}

/** The access token was rejected: fetch a fresh one and try once more. */
const TOKEN_ERRORS = new Set([40001, 40014, 42001]);
/** Busy / frequency / concurrency: a short bounded retry, then the outbox tries later. */
const RETRY_ERRORS = new Set([-1, 45009, 45033]);
const RETRY_DELAYS_MS = [200, 800];
const HTTP_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WxApiOptions {
  /** https://api.weixin.qq.com or https://qyapi.weixin.qq.com (or a local fake). */
  base: string;
  /** deps.kv key of the shared access token. */
  tokenKey: string;
  /** Fetches a new token; `rejected` is the one the platform just refused (null on first use). */
  fetchToken(rejected: string | null): Promise<{ token: string; expiresIn: number }>;
  deps: ChannelDeps;
}

export class WxApi {
  private inflight: Promise<string> | null = null;

  constructor(private readonly o: WxApiOptions) {}

  /** Plain JSON request without a token (the token endpoints). Throws WxApiError on a non-zero errcode. */
  async raw(path: string, init: { query?: Record<string, string>; body?: unknown }): Promise<Record<string, unknown>> {
    const url = new URL(path.replace(/^\//, ''), this.o.base.endsWith('/') ? this.o.base : `${this.o.base}/`);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    const res = await fetch(url, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: init.body === undefined ? null : JSON.stringify(init.body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new Error(`${path}: the answer is not JSON`);
    }
    if (!json || typeof json !== 'object') throw new Error(`${path}: the answer is not a JSON object`);
    const out = json as Record<string, unknown>;
    const errcode = typeof out['errcode'] === 'number' ? out['errcode'] : 0;
    if (errcode !== 0) throw new WxApiError(path, errcode, String(out['errmsg'] ?? ''));
    return out;
  }

  /** The shared access token: from deps.kv, else fetched once (per process at a time) and stored. */
  async token(): Promise<string> {
    const cached = await this.o.deps.kv.get(this.o.tokenKey);
    return cached || this.refresh(null);
  }

  /** A new token, unless another instance already replaced the rejected one. */
  private refresh(rejected: string | null): Promise<string> {
    this.inflight ??= (async () => {
      try {
        if (rejected) {
          const current = await this.o.deps.kv.get(this.o.tokenKey);
          if (current && current !== rejected) return current;
        }
        const { token, expiresIn } = await this.o.fetchToken(rejected);
        // Expire our copy 5 minutes early (tokens live 7200 s), never below a minute.
        const ttlMs = Math.max(60, expiresIn - 300) * 1000;
        await this.o.deps.kv.set(this.o.tokenKey, token, ttlMs);
        return token;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /**
   * An API call with the access token. A rejected token is refreshed and the call tried once more;
   * busy / frequency errors get a short bounded retry; anything else throws WxApiError.
   */
  async call(path: string, body: unknown): Promise<Record<string, unknown>> {
    let token = await this.token();
    let refreshed = false;
    let busy = 0;
    for (;;) {
      try {
        return await this.raw(path, { query: { access_token: token }, body });
      } catch (err) {
        if (!(err instanceof WxApiError)) throw err;
        if (TOKEN_ERRORS.has(err.errcode) && !refreshed) {
          refreshed = true;
          this.o.deps.log.info({ api: path, errcode: err.errcode }, 'access token rejected; refreshing');
          token = await this.refresh(token);
          continue;
        }
        const delay = RETRY_ERRORS.has(err.errcode) ? RETRY_DELAYS_MS[busy++] : undefined;
        if (delay === undefined) throw err;
        this.o.deps.log.warn({ api: path, errcode: err.errcode, attempt: busy }, 'platform busy; retrying');
        await sleep(delay);
      }
    }
  }
}

/** Validates an API base URL variable (http(s), no query); returns it without a trailing slash. */
export function apiBase(value: string | undefined, fallback: string, name: string, fail: (msg: string) => never): string {
  const raw = value?.trim() || fallback;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return fail(`${name}: not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return fail(`${name}: must be an http(s) URL`);
  if (u.search || u.hash) return fail(`${name}: must not have a query or fragment`);
  return raw.replace(/\/+$/, '');
}
