/**
 * The only file that imports the Bot Framework SDK (botbuilder 4.23.3, archived upstream; support
 * tickets ended 2025-12-31). Everything else in this channel talks to the small `BotConnector`
 * interface below, so the SDK can be swapped without touching the parsing, presentation or tests.
 *
 * Replacing it with the Microsoft 365 Agents SDK (`@microsoft/agents-hosting`) later means writing a
 * second `createBotConnector` with the same three methods:
 *  - authenticate: the Agents SDK validates the same Bot Connector JWT (`authorizeJWT` middleware /
 *    its JWT validation helpers, configured from the same app id, tenant id and app type);
 *  - send: `CloudAdapter.continueConversation(botAppId, reference, ctx => ctx.sendActivity(...))`
 *    (the reference shape is the same ConversationReference JSON we store on the conversation);
 *  - removeBotMention: `activity.removeRecipientMention()`.
 * Stored references stay valid: they are plain Bot Framework protocol JSON, not SDK objects.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  TurnContext,
  type Activity,
  type ConversationReference,
} from 'botbuilder';

type ConnectorClientOptions = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[4]>;

export type AppType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';

export interface BotConnectorOptions {
  /** Empty: authentication disabled (Bot Framework Emulator on this machine only). */
  appId: string;
  appPassword: string;
  tenantId: string;
  appType: AppType;
  /** Where the Bot Connector's signing keys are published; the SDK's default when absent. */
  openIdMetadataUrl?: string;
  /** Longest Retry-After the connector client may wait on a 429 before giving up (the outbox retries later). */
  maxRetryAfterMs: number;
  /** How many 429s one request may wait out before giving up. */
  max429Retries: number;
  /** Per HTTP attempt to the connector. */
  requestTimeoutMs: number;
  /**
   * Where outbound calls get their bearer token instead of the SDK's MSAL client (which only talks
   * to https://login.microsoftonline.com): the client-credentials grant of aad-token.ts, or a test's
   * own. Inbound checks are unchanged.
   */
  outboundToken?: () => Promise<string>;
}

/** The inbound token was missing, forged, expired, for another bot or bound to another serviceUrl. */
export class BotAuthError extends Error {
  override name = 'BotAuthError';
  constructor(
    message: string,
    /** The signing keys could not be loaded: not the caller's fault, the connector should retry. */
    readonly unavailable = false,
  ) {
    super(message);
  }
}

/** The connector answered an outbound call with an error status. */
export class ConnectorError extends Error {
  override name = 'ConnectorError';
  constructor(
    message: string,
    readonly status: number | undefined,
    /** Set when we gave up on a 429 ourselves: how long the connector asked us to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A stored conversation reference: ids only, no display names. */
export interface StoredReference {
  channelId: string;
  serviceUrl: string;
  conversation: { id: string; isGroup?: boolean; conversationType?: string; tenantId?: string };
  bot: { id: string };
  user: { id: string };
  /** The activity a reply answers (threads it in Teams channels); dropped for later pushes. */
  activityId?: string;
  locale?: string;
}

export interface OutboundActivity {
  text: string;
  locale?: string;
  suggestedActions?: { to: string[]; actions: { title: string; value: string }[] };
}

export interface BotConnector {
  /** Throws BotAuthError unless the header carries a valid Bot Connector token for this bot and activity. */
  authenticate(activity: { channelId: string; serviceUrl: string }, authHeader: string): Promise<void>;
  /** The activity's text without the "@bot" mention Teams puts in group messages. */
  removeBotMention(activity: Record<string, unknown>): string;
  /** Continues the conversation and sends the activities in order; throws ConnectorError on failure. */
  send(reference: StoredReference, activities: OutboundActivity[]): Promise<void>;
}

type Credentials = Awaited<ReturnType<ConfigurationServiceClientCredentialFactory['createCredentials']>>;

/** App id checks as configured; outbound requests signed with a supplied token. */
class SuppliedTokenCredentials extends ConfigurationServiceClientCredentialFactory {
  constructor(
    config: ConstructorParameters<typeof ConfigurationServiceClientCredentialFactory>[0],
    private readonly token: () => Promise<string>,
  ) {
    super(config);
  }
  override async createCredentials(): Promise<Credentials> {
    const token = this.token;
    const signer = {
      async signRequest<T extends { headers: { set(name: string, value: string): void } }>(req: T): Promise<T> {
        req.headers.set('authorization', `Bearer ${await token()}`);
        return req;
      },
    };
    return signer as unknown as Credentials;
  }
}

/**
 * The SDK uses its public-cloud constants unless one "parameterized" setting is given, and then it
 * takes all of them as given. So overriding the key metadata URL (tests, private clouds) restates the
 * public-cloud values of botframework-connector 4.23.3 (auth/authenticationConstants.js) for the rest.
 */
function publicCloud(openIdMetadataUrl: string) {
  return {
    ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
    OAuthUrl: 'https://api.botframework.com',
    ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
    CallerId: 'urn:botframework:azure',
    ValidateAuthority: true,
  };
}

export function createBotConnector(o: BotConnectorOptions): BotConnector {
  const connectorClientOptions = {
    httpClient: boundedHttpClient(o),
  } as unknown as ConnectorClientOptions;
  const credentials = {
    MicrosoftAppId: o.appId,
    MicrosoftAppPassword: o.appPassword,
    MicrosoftAppTenantId: o.tenantId,
    // The SDK compares case-insensitively; its own spelling is "UserAssignedMsi".
    MicrosoftAppType: o.appType,
  };
  const auth = new ConfigurationBotFrameworkAuthentication(
    { ...credentials, ...(o.openIdMetadataUrl ? publicCloud(o.openIdMetadataUrl) : {}) },
    o.outboundToken ? new SuppliedTokenCredentials(credentials, o.outboundToken) : undefined,
    undefined,
    undefined,
    connectorClientOptions,
  );
  // No onTurnError: a failed send must reach our caller, not be swallowed by the adapter.
  const adapter = new CloudAdapter(auth);

  return {
    async authenticate(activity, authHeader) {
      try {
        await auth.authenticateRequest(activity as Activity, authHeader);
      } catch (err) {
        const e = err as { name?: string; statusCode?: number; message?: string };
        // Key download failed (AuthenticationError 500 or a network error): the caller is not to blame.
        const unavailable = e.name === 'FetchError' || (typeof e.statusCode === 'number' && e.statusCode >= 500);
        throw new BotAuthError(unavailable ? 'signing keys unavailable' : 'invalid Bot Connector token', unavailable);
      }
    },

    removeBotMention(activity) {
      const a = activity as Partial<Activity>;
      if (!Array.isArray(a.entities) || !a.recipient?.id) return typeof a.text === 'string' ? a.text : '';
      return TurnContext.removeRecipientMention(a) ?? '';
    },

    async send(reference, activities) {
      try {
        await adapter.continueConversationAsync(o.appId, reference as unknown as ConversationReference, async (ctx) => {
          // The SDK's continuation activity has a random id, which it would send as replyToId. Use the
          // customer's activity for a threaded reply, or none (POST .../activities) for a push.
          const continuation = ctx.activity as { id?: string };
          if (reference.activityId) continuation.id = reference.activityId;
          else delete continuation.id;
          await ctx.sendActivities(
            activities.map((a) => ({
              type: 'message',
              text: a.text,
              textFormat: 'plain',
              ...(a.locale ? { locale: a.locale } : {}),
              ...(a.suggestedActions
                ? {
                    suggestedActions: {
                      to: a.suggestedActions.to,
                      actions: a.suggestedActions.actions.map((x) => ({ type: 'imBack', title: x.title, value: x.value })),
                    },
                  }
                : {}),
            })),
          );
        });
      } catch (err) {
        if (err instanceof ConnectorError) throw err;
        const e = err as { statusCode?: number; status?: number; response?: { status?: number }; code?: string };
        const status = e.statusCode ?? e.response?.status ?? e.status;
        throw new ConnectorError(`connector send failed${status ? ` (HTTP ${status})` : e.code ? ` (${e.code})` : ''}`, status);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The connector client (@azure/core-rest-pipeline) retries 429s by itself, honouring Retry-After,
// but with no upper bound on the wait. This HTTP client sits under its retry policy: it lets a short
// wait through (the SDK then sleeps and resends), and turns a long one, or too many in a row, into a
// plain error, which the retry policy does not retry. The engine's outbox tries again later.
// It also puts a timeout on every attempt.

interface CompatHeaders {
  toJson(options?: { preserveCase?: boolean }): Record<string, string>;
}
interface CompatRequest {
  url: string;
  method: string;
  headers: CompatHeaders;
  body?: unknown;
  requestId: string;
  abortSignal?: AbortSignal;
}

class ResponseHeaders implements CompatHeaders {
  private readonly map = new Map<string, { name: string; value: string }>();
  constructor(h: Headers) {
    h.forEach((value, name) => this.map.set(name.toLowerCase(), { name, value }));
  }
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.value;
  }
  contains(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  toJson(options: { preserveCase?: boolean } = {}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, { name, value }] of this.map) out[options.preserveCase ? name : key] = value;
    return out;
  }
  rawHeaders(): Record<string, string> {
    return this.toJson();
  }
  headersArray(): { name: string; value: string }[] {
    return [...this.map.values()];
  }
  headerNames(): string[] {
    return [...this.map.values()].map((h) => h.name);
  }
  headerValues(): string[] {
    return [...this.map.values()].map((h) => h.value);
  }
}

/** Retry-After as milliseconds (seconds or an HTTP date), undefined when absent or unreadable. */
export function retryAfterMs(h: { get(name: string): string | null | undefined }, now = Date.now()): number | undefined {
  const ms = h.get('retry-after-ms') ?? h.get('x-ms-retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const v = h.get('retry-after');
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function boundedHttpClient(o: BotConnectorOptions) {
  const throttled = new Map<string, number>();
  return {
    async sendRequest(req: CompatRequest) {
      const signals = [AbortSignal.timeout(o.requestTimeoutMs), ...(req.abortSignal ? [req.abortSignal] : [])];
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers.toJson({ preserveCase: true }),
        body: req.body === undefined || req.body === null ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
        signal: AbortSignal.any(signals),
      });
      const bodyAsText = await res.text();
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers);
        const seen = (throttled.get(req.requestId) ?? 0) + 1;
        if (wait === undefined || wait > o.maxRetryAfterMs || seen > o.max429Retries) {
          throttled.delete(req.requestId);
          throw new ConnectorError('connector rate limit (429): giving up for now', 429, wait);
        }
        throttled.set(req.requestId, seen);
      } else {
        throttled.delete(req.requestId);
      }
      return { request: req, status: res.status, headers: new ResponseHeaders(res.headers), bodyAsText };
    },
  };
}
