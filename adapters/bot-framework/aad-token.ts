/**
 * The bot's outbound bearer token from Microsoft Entra ID (Azure AD): the OAuth 2.0 client-credentials
 * grant the SDK's MSAL client makes, done here with fetch so the login host can be pointed elsewhere
 * (BOT_FRAMEWORK_LOGIN_URL: a private cloud's, or a local fake in tests; MSAL talks only to
 * https://login.microsoftonline.com). Tokens are kept until five minutes before they expire, and
 * callers arriving together share one request.
 */
export interface ClientCredentials {
  /** https://login.microsoftonline.com, or its stand-in. */
  loginBase: string;
  /** botframework.com for a multi-tenant bot, else the bot's tenant id or domain. */
  tenant: string;
  appId: string;
  password: string;
  /** Bot Connector's scope. */
  scope?: string;
  now?: () => number;
  timeoutMs?: number;
}

export const BOT_CONNECTOR_SCOPE = 'https://api.botframework.com/.default';
const EARLY_MS = 5 * 60 * 1000;

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export function clientCredentialsToken(o: ClientCredentials): () => Promise<string> {
  const now = o.now ?? Date.now;
  const url = `${o.loginBase.replace(/\/+$/, '')}/${encodeURIComponent(o.tenant)}/oauth2/v2.0/token`;
  let held: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: o.appId, client_secret: o.password, scope: o.scope ?? BOT_CONNECTOR_SCOPE });
    const started = now();
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
    } catch (err) {
      throw new TokenError(`token request failed: ${(err as Error).message}`, undefined);
    }
    const answer = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    // The error code (invalid_client, unauthorized_client…) says what to fix; the description may echo ids, so it is left out.
    if (!res.ok || typeof answer.access_token !== 'string') throw new TokenError(`token request refused: ${res.status} ${typeof answer.error === 'string' ? answer.error : ''}`.trim(), res.status);
    const seconds = typeof answer.expires_in === 'number' ? answer.expires_in : Number(answer.expires_in) || 3599;
    held = { token: answer.access_token, until: started + seconds * 1000 - EARLY_MS };
    return held.token;
  }

  return async () => {
    if (held && now() < held.until) return held.token;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
