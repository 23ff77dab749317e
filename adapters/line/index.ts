import { createHash, randomUUID } from 'node:crypto';
import { HTTPFetchError, messagingApi, validateSignature } from '@line/bot-sdk';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelDefinition,
  ChannelDeps,
  ChannelEvent,
  InboundMessage,
  WebhookResult,
} from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { present } from '../channel-kit/present.ts';
import { sentParts } from '../channel-kit/sent-parts.ts';

export const LINE_CHANNEL = 'line';
const ENV = ['LINE_CHANNEL_SECRET', 'LINE_CHANNEL_ACCESS_TOKEN', 'LINE_API_BASE'] as const;
const DEFAULT_API_BASE = 'https://api.line.me';

export const LINE_CAPABILITIES: ChannelCapabilities = {
  choices: 'buttons',
  // Quick reply: up to 13 items, each label at most 20 characters.
  maxButtons: 13,
  maxButtonLabel: 20,
  maxLength: 5000,
  markup: 'plain',
};

/** A reply token is valid for about a minute after the event; past this age we push instead. */
export const REPLY_TOKEN_MAX_AGE_MS = 50_000;
/** Message objects per reply/push request. */
const MAX_MESSAGES_PER_REQUEST = 5;
/** What a quick-reply tap sends back as the user's message (LINE allows 300 characters). */
const MAX_ACTION_TEXT = 300;

export interface LineConfig {
  channelSecret: string;
  channelAccessToken: string;
  apiBase: string;
}

/** Validates the variables; the error names the variable, never its value. */
export function lineConfig(env: Readonly<Record<string, string | undefined>>): LineConfig {
  const bad = (name: string, what: string) => new AppError('CONFIG_INVALID', `${name}: ${what}`);
  const channelSecret = env.LINE_CHANNEL_SECRET?.trim();
  if (!channelSecret) throw bad('LINE_CHANNEL_SECRET', 'missing (Basic settings → Channel secret in the LINE Developers Console)');
  if (!/^[0-9a-fA-F]{32}$/.test(channelSecret)) throw bad('LINE_CHANNEL_SECRET', 'malformed (expected the 32 hexadecimal characters of the channel secret)');
  const channelAccessToken = env.LINE_CHANNEL_ACCESS_TOKEN?.trim();
  if (!channelAccessToken) throw bad('LINE_CHANNEL_ACCESS_TOKEN', 'missing (Messaging API → Channel access token)');
  if (!/^[A-Za-z0-9+/=._-]{20,}$/.test(channelAccessToken)) throw bad('LINE_CHANNEL_ACCESS_TOKEN', 'malformed (expected a long-lived or v2.1 channel access token)');
  const raw = env.LINE_API_BASE?.trim() || DEFAULT_API_BASE;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('LINE_API_BASE', 'not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('LINE_API_BASE', 'must be an http(s) URL');
  // The SDK resolves '/v2/bot/...' against this URL, which silently drops any path.
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw bad('LINE_API_BASE', 'must be an origin without a path (the SDK drops path prefixes)');
  return { channelSecret, channelAccessToken, apiBase: url.origin };
}

/** A UUID (version-4 layout) derived from the outbox entry and the request's part: a retry reuses it. */
export function retryKeyFor(effectId: string, part: number): string {
  const h = createHash('sha256').update(`line-push:${effectId}:${part}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

// Minimal shapes of the webhook objects we read.
interface LineEvent {
  type?: unknown;
  mode?: unknown;
  timestamp?: unknown;
  webhookEventId?: unknown;
  replyToken?: unknown;
  source?: { type?: unknown; userId?: unknown };
  message?: { type?: unknown; text?: unknown };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The events of one webhook call. Text messages from a 1:1 chat become messages (messageId =
 * webhookEventId, the same on a redelivery); the reply token and when it came go into `contact`.
 * Messages in standby mode (another channel has the chat) are not ours to answer. follow → opted_in,
 * unfollow (blocked) → blocked. Stickers, images, groups and rooms are ignored.
 */
export function parseEvents(events: unknown[]): { messages: InboundMessage[]; events: ChannelEvent[] } {
  const messages: InboundMessage[] = [];
  const out: ChannelEvent[] = [];
  for (const raw of events) {
    if (!isObj(raw)) throw new AppError('BAD_REQUEST', 'line: an event is not an object');
    const e = raw as LineEvent;
    if (typeof e.type !== 'string' || typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp)) {
      throw new AppError('BAD_REQUEST', 'line: an event lacks its type or timestamp');
    }
    const userId = isObj(e.source) && e.source.type === 'user' && typeof e.source.userId === 'string' ? e.source.userId : undefined;
    if (!userId) continue;
    const at = new Date(e.timestamp).toISOString();
    if (e.type === 'follow' || e.type === 'unfollow') {
      out.push({ channelUserId: userId, type: e.type === 'follow' ? 'opted_in' : 'blocked', at });
      continue;
    }
    if (e.type !== 'message' || e.mode === 'standby') continue;
    if (typeof e.webhookEventId !== 'string' || !e.webhookEventId) throw new AppError('BAD_REQUEST', 'line: a message event lacks webhookEventId');
    const m = e.message;
    if (!isObj(m) || m.type !== 'text' || typeof m.text !== 'string' || !m.text.trim()) continue;
    messages.push({
      channel: LINE_CHANNEL,
      channelUserId: userId,
      text: m.text,
      messageId: e.webhookEventId,
      timestamp: at,
      // The token's minute counts from the event; a redelivered event's token is usually stale, and
      // its old timestamp makes us push instead.
      ...(typeof e.replyToken === 'string' && e.replyToken ? { contact: { replyToken: e.replyToken, replyTokenAt: at } } : {}),
    });
  }
  return { messages, events: out };
}

/** Options the tests (and a cautious deployment) may tune. */
export interface LineOptions {
  /** Attempts per request on 429 (default 3). */
  maxAttempts?: number;
  /** Longest wait between attempts, ms (default 10 000). */
  maxDelayMs?: number;
  /** First back-off when LINE gives no Retry-After, ms (default 1 000, doubled each time). */
  baseDelayMs?: number;
  /** A request that takes longer is abandoned (retried later with the same key), ms (default 20 000). */
  requestTimeoutMs?: number;
}

type LineMessage = messagingApi.Message;

export function createLine(env: Readonly<Record<string, string | undefined>>, deps: ChannelDeps, opts: LineOptions = {}): ChannelAdapter {
  const cfg = lineConfig(env);
  const log = deps.log;
  const maxAttempts = opts.maxAttempts ?? 3;
  const maxDelayMs = opts.maxDelayMs ?? 10_000;
  const baseDelayMs = opts.baseDelayMs ?? 1_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 20_000;
  const client = new messagingApi.MessagingApiClient({ channelAccessToken: cfg.channelAccessToken, baseURL: cfg.apiBase });

  // Reply tokens are single-use: the ones this process spent. Another instance that tries one again gets
  // LINE's "Invalid reply token" and pushes instead.
  const usedTokens = new Map<string, number>();
  function spend(token: string, nowMs: number): boolean {
    if (usedTokens.has(token)) return false;
    usedTokens.set(token, nowMs);
    if (usedTokens.size > 500) for (const [t, at] of usedTokens) if (nowMs - at > 5 * 60_000) usedTokens.delete(t);
    return true;
  }

  const lineMessage = (e: unknown) => {
    if (!(e instanceof HTTPFetchError)) return '';
    try {
      const body = JSON.parse(e.body) as { message?: unknown };
      return typeof body.message === 'string' ? body.message : '';
    } catch {
      return '';
    }
  };
  function toError(err: unknown, what: string): Error {
    if (err instanceof HTTPFetchError) {
      const msg = lineMessage(err);
      // 400 "Failed to send messages": the user id does not exist for this provider (LINE FAQ). A user
      // who blocked the account gets a 200 and nothing (we learn it from the unfollow event).
      if (err.status === 400 && /failed to send messages/i.test(msg)) return new AppError('UNREACHABLE', `line ${what}: ${msg}`);
      const e = new Error(`line ${what} failed: ${err.status}${msg ? ` ${msg}` : ''}`);
      (e as Error & { status?: number }).status = err.status;
      return e;
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`line ${what}: no answer within ${requestTimeoutMs} ms`)), requestTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One push with its retry key; 429 is retried in place (bounded); 409 means LINE already took it. */
  async function push(to: string, messages: LineMessage[], retryKey: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await withTimeout(client.pushMessage({ to, messages }, retryKey), 'push');
        return;
      } catch (err) {
        if (err instanceof HTTPFetchError && err.status === 409) return; // accepted earlier under this retry key
        const monthly = err instanceof HTTPFetchError && /monthly limit/i.test(lineMessage(err));
        if (err instanceof HTTPFetchError && err.status === 429 && !monthly && attempt < maxAttempts) {
          // LINE documents no Retry-After; a missing header must not read as "retry now" (Number(null) is 0).
          const raw = err.headers?.get?.('retry-after');
          const header = raw ? Number(raw) : NaN;
          const wait = Math.min(Number.isFinite(header) && header >= 0 ? header * 1000 : baseDelayMs * 2 ** (attempt - 1), maxDelayMs);
          log.warn({ attempt, waitMs: wait }, 'line push rate limited; retrying with the same retry key');
          await sleep(wait);
          continue;
        }
        throw toError(err, 'push');
      }
    }
  }

  return {
    name: LINE_CHANNEL,
    capabilities: LINE_CAPABILITIES,
    path: `/webhooks/${LINE_CHANNEL}`,

    async webhook(req): Promise<WebhookResult> {
      const signature = req.headers['x-line-signature'];
      // validateSignature compares with crypto.timingSafeEqual (after a length check).
      if (typeof signature !== 'string' || !signature || !validateSignature(req.body, cfg.channelSecret, signature)) {
        throw new AppError('UNAUTHORIZED', 'line: missing or invalid x-line-signature');
      }
      if (req.method.toUpperCase() !== 'POST') throw new AppError('BAD_REQUEST', 'line: expected POST');
      let body: unknown;
      try {
        body = JSON.parse(req.body);
      } catch {
        throw new AppError('BAD_REQUEST', 'line: body is not JSON');
      }
      if (!isObj(body) || !Array.isArray(body.events)) throw new AppError('BAD_REQUEST', 'line: expected {destination, events: [...]}');
      // An empty events array is the console's "Verify" button: answer 200.
      const parsed = parseEvents(body.events);
      return { ...parsed, response: { status: 200, body: '' } };
    },

    async send(channelUserId, message, ctx) {
      const { texts, buttons } = present(message, LINE_CAPABILITIES, ctx.locale);
      const objects: LineMessage[] = texts.map((text) => ({ type: 'text', text }));
      if (buttons.length) {
        const full = message.quickReplies ?? [];
        objects[objects.length - 1]!.quickReply = {
          items: buttons.map((b, i) => ({
            type: 'action',
            // The tap sends the whole label as the user's message (the button shows it cut to 20).
            action: { type: 'message', label: b.label, text: [...(full[i]?.label ?? b.label)].slice(0, MAX_ACTION_TEXT).join('') },
          })),
        };
      }
      const chunks: LineMessage[][] = [];
      for (let i = 0; i < objects.length; i += MAX_MESSAGES_PER_REQUEST) chunks.push(objects.slice(i, i + MAX_MESSAGES_PER_REQUEST));

      const now = deps.now();
      const token = typeof ctx.contact?.replyToken === 'string' ? ctx.contact.replyToken : undefined;
      const tokenAt = typeof ctx.contact?.replyTokenAt === 'string' ? Date.parse(ctx.contact.replyTokenAt) : NaN;
      let replyFirst = ctx.mode === 'reply' && !!token && Number.isFinite(tokenAt) && now.getTime() - tokenAt < REPLY_TOKEN_MAX_AGE_MS;
      // Without an effectId each call is its own push (still safe within the 429 retries of one call).
      const fallbackKey = ctx.effectId ? undefined : randomUUID();

      const sent = sentParts(deps, LINE_CHANNEL, ctx.effectId);
      for (let i = 0; i < chunks.length; i++) {
        // A retried outbox entry skips the parts that went out already (a reply has no retry key).
        if (await sent.done(i)) {
          replyFirst = false;
          continue;
        }
        if (i === 0 && replyFirst && spend(token!, now.getTime())) {
          try {
            await withTimeout(client.replyMessage({ replyToken: token!, messages: chunks[0]! }), 'reply');
            await sent.mark(i);
            continue;
          } catch (err) {
            // Expired or already used elsewhere: push instead (free replies are a saving, not a promise).
            if (!(err instanceof HTTPFetchError && err.status === 400 && /reply token/i.test(lineMessage(err)))) throw toError(err, 'reply');
            log.info('line reply token no longer valid; pushing instead');
          }
        }
        await push(channelUserId, chunks[i]!, retryKeyFor(ctx.effectId ?? fallbackKey!, i));
        await sent.mark(i);
      }
    },

    canSend(contact) {
      // Push works any time for a friend who hasn't blocked the account; each push counts against the
      // monthly message quota (replies don't).
      return contact.unreachable ? { allowed: 'no', reason: `unreachable: ${contact.unreachable.reason}` } : { allowed: 'yes' };
    },
  };
}

export const definition: ChannelDefinition = {
  name: LINE_CHANNEL,
  env: ENV,
  create: (env, deps) => createLine(env, deps),
};
