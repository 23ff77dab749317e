import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '../../engine/channels.ts';

/**
 * A fake Bot Framework: the Bot Connector REST API the SDK posts replies to, plus the OpenID metadata
 * and signing keys the SDK checks inbound tokens against, plus a helper that builds inbound deliveries
 * as Azure Bot Service sends them (Activity JSON, Authorization: Bearer <JWT>).
 *
 * Point the SDK at it: the inbound activity's `serviceUrl` (replies and pushes go there), and
 * BOT_FRAMEWORK_OPENID_METADATA_URL = `openIdMetadataUrl` (token keys).
 *
 * Real paths (Connector API v3): POST /v3/conversations/{conversationId}/activities (push) and
 * POST /v3/conversations/{conversationId}/activities/{replyToId} (reply); answers {"id": "..."}.
 * Errors are Bot Framework's ErrorResponse JSON: {"error":{"code":"...","message":"..."}}.
 */

export interface SentActivity {
  conversationId: string;
  replyToId?: string;
  type: string;
  text: string;
  textFormat?: string;
  /** Suggested actions as sent: button title and the value it posts back. */
  suggestedActions?: { title: string; value: string; type: string }[];
  /** What the SDK sent as Authorization (null when auth is off). */
  authorization: string | null;
  at: number;
}

export interface InboundOptions {
  text?: string;
  channelId?: string;
  conversationId?: string;
  fromId?: string;
  botId?: string;
  id?: string;
  locale?: string;
  isGroup?: boolean;
  type?: string;
  extra?: Record<string, unknown>;
}

export interface FakeBotConnector {
  /** http://127.0.0.1:PORT/ — put it in the inbound activity's serviceUrl. */
  serviceUrl: string;
  openIdMetadataUrl: string;
  /** Every activity the bot sent, in order. */
  sent: SentActivity[];
  /** Activities sent to one conversation. */
  sentTo(conversationId: string): SentActivity[];
  /** Every POST to the activities endpoints, including rejected ones (429s, 403s). */
  attempts: { conversationId: string; status: number; at: number }[];
  /** The next activities POST gets 429 with this Retry-After (seconds); `times` in a row. */
  rateLimit(retryAfterSeconds: number, times?: number): void;
  /** The next activities POST to this conversation gets 429 {"error":{"code":"Throttled"}} with this Retry-After (seconds). */
  rateLimitConversation(conversationId: string, retryAfterSeconds: number): void;
  /** From now on the activities endpoints answer 401 unless Authorization is `Bearer <token>` (the real connector checks the bot's AAD token). */
  requireOutboundToken(token: string): void;
  /**
   * Plays Entra ID too: POST /{tenant}/oauth2/v2.0/token (client-credentials grant, form-encoded) issues
   * tokens to this app and password, valid `expiresIn` seconds, and the activities endpoints accept only
   * those. `loginUrl` is the login host's stand-in (BOT_FRAMEWORK_LOGIN_URL).
   */
  requireAadClient(client: { appId: string; password: string; tenant: string; expiresIn?: number }): void;
  loginUrl: string;
  /** Token requests answered, refused ones included. */
  tokenRequests: Array<{ tenant: string; ok: boolean }>;
  /** Posts to this conversation fail with `status` (403 blocked / app removed, 404 gone). */
  block(conversationId: string, status?: 403 | 404): void;
  /** An inbound message activity as the connector would post it (serviceUrl = this fake). */
  activity(o?: InboundOptions): Record<string, unknown>;
  /** A Bot Connector token for `appId` bound to `serviceUrl`, signed with the published key. */
  token(appId: string, o?: { serviceUrl?: string; expiresInSeconds?: number; issuer?: string }): string;
  /** The same claims signed with a key the metadata does not publish. */
  forgedToken(appId: string): string;
  /** The HTTP request Azure Bot Service would make to the bot. */
  delivery(activity: Record<string, unknown>, auth: { appId: string } | { token: string } | 'none', url?: string): WebhookRequest;
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function jwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid, x5t: kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), key);
  return `${head}.${body}.${b64url(sig)}`;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export async function startFakeBotConnector(): Promise<FakeBotConnector> {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'fake-connector-key-1';
  const jwk = keys.publicKey.export({ format: 'jwk' }) as { n: string; e: string; kty: string };

  const sent: SentActivity[] = [];
  const attempts: FakeBotConnector['attempts'] = [];
  const blocked = new Map<string, number>();
  let limit: { retryAfter: number; times: number } | undefined;
  const conversationLimits = new Map<string, number>();
  let outboundToken: string | undefined;
  let aad: { appId: string; password: string; tenant: string; expiresIn: number } | undefined;
  const issued = new Map<string, number>();
  const tokenRequests: FakeBotConnector['tokenRequests'] = [];
  let base = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    try {
      if (req.method === 'GET' && url.pathname === '/v1/.well-known/openidconfiguration') {
        return json(res, 200, {
          issuer: 'https://api.botframework.com',
          authorization_endpoint: 'https://invalid.botframework.com',
          jwks_uri: `${base}v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        });
      }
      if (req.method === 'GET' && url.pathname === '/v1/.well-known/keys') {
        return json(res, 200, {
          keys: [{ kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e, endorsements: ['msteams', 'webchat', 'directline', 'emulator', 'skype'] }],
        });
      }
      const login = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (req.method === 'POST' && login) {
        const form = new URLSearchParams(await readBody(req));
        const tenant = decodeURIComponent(login[1]!);
        const ok =
          !!aad &&
          tenant === aad.tenant &&
          form.get('grant_type') === 'client_credentials' &&
          form.get('client_id') === aad.appId &&
          form.get('scope') === 'https://api.botframework.com/.default';
        const secretOk = ok && form.get('client_secret') === aad!.password;
        tokenRequests.push({ tenant, ok: secretOk });
        if (!ok) return json(res, 400, { error: 'unauthorized_client', error_description: 'AADSTS700016: application not found in the directory' });
        if (!secretOk) return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        const token = `aad-${randomUUID()}`;
        issued.set(token, Date.now() + aad!.expiresIn * 1000);
        return json(res, 200, { token_type: 'Bearer', expires_in: aad!.expiresIn, ext_expires_in: aad!.expiresIn, access_token: token });
      }
      const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
      if (req.method === 'POST' && m) {
        const conversationId = decodeURIComponent(m[1]!);
        const replyToId = m[2] ? decodeURIComponent(m[2]) : undefined;
        const raw = await readBody(req);
        const at = Date.now();
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const refused = aad ? !bearer || (issued.get(bearer) ?? 0) <= Date.now() : outboundToken !== undefined && bearer !== outboundToken;
        if (refused) {
          attempts.push({ conversationId, status: 401, at });
          return json(res, 401, { error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' } });
        }
        if (limit && limit.times > 0) {
          limit.times -= 1;
          attempts.push({ conversationId, status: 429, at });
          return json(res, 429, { error: { code: 'Throttled', message: 'Too many requests' } }, { 'retry-after': String(limit.retryAfter) });
        }
        const wait = conversationLimits.get(conversationId);
        if (wait !== undefined) {
          conversationLimits.delete(conversationId);
          attempts.push({ conversationId, status: 429, at });
          return json(res, 429, { error: { code: 'Throttled', message: 'Too many requests' } }, { 'retry-after': String(wait) });
        }
        const block = blocked.get(conversationId);
        if (block) {
          attempts.push({ conversationId, status: block, at });
          return json(
            res,
            block,
            block === 403
              ? { error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } }
              : { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } },
          );
        }
        const a = JSON.parse(raw) as Record<string, any>;
        attempts.push({ conversationId, status: 200, at });
        sent.push({
          conversationId,
          ...(replyToId ? { replyToId } : {}),
          type: a.type,
          text: a.text ?? '',
          ...(a.textFormat ? { textFormat: a.textFormat } : {}),
          ...(a.suggestedActions?.actions
            ? { suggestedActions: (a.suggestedActions.actions as any[]).map((x) => ({ title: x.title, value: x.value, type: x.type })) }
            : {}),
          authorization: req.headers.authorization ?? null,
          at,
        });
        return json(res, 200, { id: randomUUID() });
      }
      json(res, 404, { error: { code: 'NotFound', message: `no route ${req.method} ${url.pathname}` } });
    } catch (err) {
      json(res, 500, { error: { code: 'ServiceError', message: String(err) } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const claims = (appId: string, serviceUrl: string, expiresIn: number, issuer = 'https://api.botframework.com') => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: issuer, aud: appId, serviceurl: serviceUrl, nbf: now - 60, iat: now - 60, exp: now + expiresIn };
  };

  const fake: FakeBotConnector = {
    serviceUrl: base,
    openIdMetadataUrl: `${base}v1/.well-known/openidconfiguration`,
    sent,
    attempts,
    sentTo: (conversationId) => sent.filter((s) => s.conversationId === conversationId),
    rateLimit(retryAfter, times = 1) {
      limit = { retryAfter, times };
    },
    rateLimitConversation: (conversationId, retryAfter) => void conversationLimits.set(conversationId, retryAfter),
    requireOutboundToken(token) {
      outboundToken = token;
    },
    requireAadClient(client) {
      aad = { ...client, expiresIn: client.expiresIn ?? 3599 };
    },
    get loginUrl() {
      return base.replace(/\/$/, '');
    },
    tokenRequests,
    block(conversationId, status = 403) {
      blocked.set(conversationId, status);
    },
    activity(o = {}) {
      const conversationId = o.conversationId ?? `conv-${randomUUID()}`;
      return {
        type: o.type ?? 'message',
        id: o.id ?? randomUUID(),
        timestamp: new Date().toISOString(),
        channelId: o.channelId ?? 'webchat',
        serviceUrl: base,
        from: { id: o.fromId ?? `user-${randomUUID().slice(0, 8)}`, name: 'Customer Name' },
        recipient: { id: o.botId ?? 'bot-id', name: 'Complaints Bot' },
        conversation: { id: conversationId, ...(o.isGroup ? { isGroup: true } : {}) },
        ...(o.type === undefined || o.type === 'message' ? { text: o.text ?? 'hello', textFormat: 'plain' } : {}),
        ...(o.locale ? { locale: o.locale } : {}),
        ...o.extra,
      };
    },
    token(appId, o = {}) {
      return jwt(keys.privateKey, kid, claims(appId, o.serviceUrl ?? base, o.expiresInSeconds ?? 3600, o.issuer));
    },
    forgedToken(appId) {
      return jwt(rogue.privateKey, kid, claims(appId, base, 3600));
    },
    delivery(activity, auth, url = 'https://bot.example.com/api/messages') {
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (auth !== 'none') headers.authorization = `Bearer ${'token' in auth ? auth.token : fake.token(auth.appId, { serviceUrl: String(activity.serviceUrl ?? base) })}`;
      return { method: 'POST', url, headers, body: JSON.stringify(activity) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
