import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '../../engine/channels.ts';

/**
 * A local LINE Messaging API (https://developers.line.biz/en/reference/messaging-api/) for the real
 * @line/bot-sdk client, mounted at the root (the SDK drops path prefixes). It implements
 * POST /v2/bot/message/reply and /v2/bot/message/push with the documented rules and error bodies:
 * Bearer auth (401), 1–5 message objects, texts ≤ 5000, quick reply ≤ 13 items with labels ≤ 20;
 * reply tokens single-use and valid for a minute (400 "Invalid reply token"); push only to users who
 * exist (400 "Failed to send messages"), silently dropped for users who blocked the account (LINE
 * answers 200, FAQ); X-Line-Retry-Key must be a UUID, a key accepted before answers 409; 429 on request,
 * for any request or for one user's (LINE's 429 carries no Retry-After unless a test gives one). Every
 * reply/push attempt is recorded per user.
 * It also builds webhook events and signed deliveries (x-line-signature = base64 HMAC-SHA256).
 */

export interface LineSent {
  userId: string;
  via: 'reply' | 'push';
  text: string;
  /** Quick reply buttons: the label shown and the text a tap sends. */
  quickReply: Array<{ label: string; text: string }>;
  retryKey?: string;
  at: number;
}

type Json = Record<string, unknown>;

export interface LineEventOptions {
  webhookEventId?: string;
  redelivery?: boolean;
  mode?: 'active' | 'standby';
  /** ms since epoch (default now). */
  timestamp?: number;
}

export interface LineFake {
  baseURL: string;
  channelSecret: string;
  channelAccessToken: string;
  /** Every API request, in order (path, retry key, status answered). */
  requests: Array<{ path: string; retryKey?: string; status: number; body: Json }>;
  sentTo(userId: string): LineSent[];
  /** The user added the account as a friend (textEvent does this too). */
  befriend(userId: string): void;
  /** The user blocks the account: pushes answer 200 but deliver nothing. */
  block(userId: string): void;
  /** The next `times` push/reply requests answer 429 (with Retry-After when given). */
  rateLimit(times?: number, retryAfterSeconds?: number): void;
  /** The next push/reply to this user answers 429 "The API rate limit has been exceeded" (with Retry-After when given). */
  rateLimitUser(userId: string, retryAfterSeconds?: number): void;
  /** Every reply/push request for this user, in order, refused ones included: when it came and the status answered. */
  attemptsTo(userId: string): Array<{ at: number; status: number }>;
  /** The monthly quota is used up: pushes answer 429 "You have reached your monthly limit." */
  exhaustQuota(on?: boolean): void;
  /** Make a reply token stale, as if a minute had passed. */
  expire(replyToken: string): void;
  textEvent(userId: string, text: string, opts?: LineEventOptions): Json;
  stickerEvent(userId: string): Json;
  followEvent(userId: string): Json;
  unfollowEvent(userId: string): Json;
  /** The user taps quick reply `index` of the last message that had them: LINE sends its text. */
  tapEvent(userId: string, index: number, opts?: LineEventOptions): Json;
  /** The webhook body, exactly as LINE serialises it. */
  body(events: Json[]): string;
  delivery(events: Json[], path?: string): WebhookRequest;
  /** Signed with another secret (`missing`: no header at all). */
  forged(events: Json[], opts?: { missing?: boolean; path?: string }): WebhookRequest;
  sign(body: string): string;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REPLY_TOKEN_TTL_MS = 60_000;

export async function startLineFake(opts: { channelSecret?: string; channelAccessToken?: string } = {}): Promise<LineFake> {
  const channelSecret = opts.channelSecret ?? randomBytes(16).toString('hex');
  const channelAccessToken = opts.channelAccessToken ?? `${randomBytes(48).toString('base64').replace(/[+/=]/g, 'A')}/fake=`;
  const botUserId = `U${randomBytes(16).toString('hex')}`;
  const sent: LineSent[] = [];
  const friends = new Set<string>();
  const blocked = new Set<string>();
  const tokens = new Map<string, { userId: string; issuedAt: number; used: boolean }>();
  const accepted = new Map<string, Json>();
  const requests: LineFake['requests'] = [];
  let limited = 0;
  let retryAfter: number | undefined;
  const userLimits = new Map<string, number | undefined>();
  const attempts: Array<{ userId: string; at: number; status: number }> = [];
  let quotaGone = false;

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'x-line-request-id': randomUUID(), ...headers });
    res.end(JSON.stringify(body));
  }
  const invalid = (property: string, message: string) => ({ message: 'The request body has 1 error(s)', details: [{ message, property }] });

  /** The documented limits on message objects; a string is the first violation. */
  function check(messages: unknown): Json | undefined {
    if (!Array.isArray(messages) || messages.length < 1 || messages.length > 5) return invalid('messages', 'Size must be between 1 and 5');
    for (const [i, m] of messages.entries()) {
      const msg = m as { type?: string; text?: string; quickReply?: { items?: Array<{ type?: string; action?: { type?: string; label?: string; text?: string } }> } };
      if (msg.type !== 'text') return invalid(`messages[${i}].type`, 'Only text messages are faked');
      if (typeof msg.text !== 'string' || !msg.text) return invalid(`messages[${i}].text`, 'May not be empty');
      if (msg.text.length > 5000) return invalid(`messages[${i}].text`, 'Length must be between 0 and 5000');
      const items = msg.quickReply?.items;
      if (items) {
        if (items.length < 1 || items.length > 13) return invalid(`messages[${i}].quickReply.items`, 'Size must be between 1 and 13');
        for (const [j, it] of items.entries()) {
          const p = `messages[${i}].quickReply.items[${j}]`;
          if (it.type !== 'action' || !it.action) return invalid(`${p}.type`, 'Must be action');
          if (typeof it.action.label !== 'string' || !it.action.label || it.action.label.length > 20) return invalid(`${p}.action.label`, 'Length must be between 1 and 20');
          if (it.action.type !== 'message' || typeof it.action.text !== 'string' || !it.action.text || it.action.text.length > 300) return invalid(`${p}.action.text`, 'Length must be between 1 and 300');
        }
      }
    }
    return undefined;
  }

  function record(userId: string, via: 'reply' | 'push', messages: unknown[], retryKey?: string) {
    for (const m of messages as Array<{ text: string; quickReply?: { items: Array<{ action: { label: string; text: string } }> } }>) {
      sent.push({
        userId,
        via,
        text: m.text,
        quickReply: (m.quickReply?.items ?? []).map((it) => ({ label: it.action.label, text: it.action.text })),
        ...(retryKey ? { retryKey } : {}),
        at: Date.now(),
      });
    }
    return { sentMessages: messages.map(() => ({ id: String(Date.now()) + String(Math.floor(Math.random() * 1e6)), quoteToken: randomBytes(12).toString('base64url') })) };
  }

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const raw = await readBody(req);
    const retryKey = typeof req.headers['x-line-retry-key'] === 'string' ? req.headers['x-line-retry-key'] : undefined;
    let body: Json = {};
    const at = Date.now();
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      requests.push({ path, ...(retryKey ? { retryKey } : {}), status, body });
      // Whose message it was: the push's `to`, or the user the reply token was issued for.
      const userId = path === '/v2/bot/message/push' ? String(body.to ?? '') : tokens.get(String(body.replyToken ?? ''))?.userId;
      if (userId) attempts.push({ userId, at, status });
      json(res, status, payload, headers);
    };
    if (req.headers.authorization !== `Bearer ${channelAccessToken}`) {
      return answer(401, { message: 'Authentication failed. Confirm that the access token in the authorization header is valid.' });
    }
    if (req.method !== 'POST' || (path !== '/v2/bot/message/reply' && path !== '/v2/bot/message/push')) return answer(404, { message: 'Not found' });
    try {
      body = JSON.parse(raw) as Json;
    } catch {
      return answer(400, { message: 'The request body could not be parsed as JSON' });
    }
    if (path === '/v2/bot/message/push') {
      if (retryKey !== undefined && !UUID.test(retryKey)) return answer(400, { message: 'The value for the X-Line-Retry-Key header is invalid' });
      if (retryKey && accepted.has(retryKey)) {
        return answer(409, { message: 'The retry key is already accepted', ...accepted.get(retryKey) }, { 'x-line-accepted-request-id': randomUUID() });
      }
    }
    if (limited > 0) {
      limited--;
      return answer(429, { message: 'The API rate limit has been exceeded. Try again later.' }, retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {});
    }
    const forUser = path === '/v2/bot/message/push' ? String(body.to ?? '') : tokens.get(String(body.replyToken ?? ''))?.userId;
    if (forUser !== undefined && userLimits.has(forUser)) {
      const seconds = userLimits.get(forUser);
      userLimits.delete(forUser);
      return answer(429, { message: 'The API rate limit has been exceeded. Try again later.' }, seconds !== undefined ? { 'retry-after': String(seconds) } : {});
    }
    const problem = check(body.messages);
    if (problem) return answer(400, problem);
    if (path === '/v2/bot/message/reply') {
      const t = tokens.get(String(body.replyToken ?? ''));
      if (!t || t.used || Date.now() - t.issuedAt > REPLY_TOKEN_TTL_MS) return answer(400, { message: 'Invalid reply token' });
      t.used = true;
      return answer(200, record(t.userId, 'reply', body.messages as unknown[]));
    }
    if (quotaGone) return answer(429, { message: 'You have reached your monthly limit.' });
    const to = String(body.to ?? '');
    if (!friends.has(to)) return answer(400, { message: 'Failed to send messages' });
    // A user who blocked the account: LINE answers 200 and delivers nothing.
    const result = blocked.has(to) ? { sentMessages: [] } : record(to, 'push', body.messages as unknown[], retryKey);
    if (retryKey) accepted.set(retryKey, result);
    return answer(200, result);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const eventBase = (userId: string, o: LineEventOptions = {}) => ({
    timestamp: o.timestamp ?? Date.now(),
    source: { type: 'user', userId },
    webhookEventId: o.webhookEventId ?? `01${randomBytes(12).toString('hex').toUpperCase()}`,
    deliveryContext: { isRedelivery: o.redelivery ?? false },
    mode: o.mode ?? 'active',
  });
  function replyToken(userId: string, at: number): string {
    const token = randomBytes(16).toString('hex');
    tokens.set(token, { userId, issuedAt: at, used: false });
    return token;
  }
  const sign = (body: string, secret = channelSecret) => createHmac('sha256', secret).update(body).digest('base64');
  const bodyOf = (events: Json[]) => JSON.stringify({ destination: botUserId, events });

  const fake: LineFake = {
    baseURL: `http://127.0.0.1:${port}`,
    channelSecret,
    channelAccessToken,
    requests,
    sentTo: (userId) => sent.filter((s) => s.userId === userId),
    befriend: (userId) => void friends.add(userId),
    block: (userId) => void blocked.add(userId),
    rateLimit(times = 1, seconds) {
      limited = times;
      retryAfter = seconds;
    },
    rateLimitUser: (userId, seconds) => void userLimits.set(userId, seconds),
    attemptsTo: (userId) => attempts.filter((a) => a.userId === userId).map(({ at, status }) => ({ at, status })),
    exhaustQuota(on = true) {
      quotaGone = on;
    },
    expire(token) {
      const t = tokens.get(token);
      if (t) t.issuedAt = Date.now() - REPLY_TOKEN_TTL_MS - 1;
    },
    textEvent(userId, text, o = {}) {
      friends.add(userId);
      blocked.delete(userId);
      const base = eventBase(userId, o);
      return {
        type: 'message',
        message: { id: String(Date.now()), type: 'text', quoteToken: randomBytes(12).toString('base64url'), text },
        ...base,
        replyToken: replyToken(userId, base.timestamp),
      };
    },
    stickerEvent(userId) {
      friends.add(userId);
      const base = eventBase(userId);
      return { type: 'message', message: { id: String(Date.now()), type: 'sticker', packageId: '446', stickerId: '1988', stickerResourceType: 'STATIC', quoteToken: 'q' }, ...base, replyToken: replyToken(userId, base.timestamp) };
    },
    followEvent(userId) {
      friends.add(userId);
      blocked.delete(userId);
      const base = eventBase(userId);
      return { type: 'follow', ...base, replyToken: replyToken(userId, base.timestamp), follow: { isUnblocked: false } };
    },
    unfollowEvent(userId) {
      blocked.add(userId);
      return { type: 'unfollow', ...eventBase(userId) };
    },
    tapEvent(userId, index, o = {}) {
      const last = [...sent].reverse().find((s) => s.userId === userId && s.quickReply.length);
      if (!last) throw new Error(`no quick reply was sent to ${userId}`);
      const item = last.quickReply[index];
      if (!item) throw new Error(`the last quick reply has ${last.quickReply.length} items, not ${index + 1}`);
      return fake.textEvent(userId, item.text, o);
    },
    body: bodyOf,
    sign: (b) => sign(b),
    delivery(events, path = '/webhooks/line') {
      const body = bodyOf(events);
      return { method: 'POST', url: `https://bot.example.com${path}`, headers: { 'content-type': 'application/json; charset=utf-8', 'x-line-signature': sign(body) }, body };
    },
    forged(events, o = {}) {
      const body = bodyOf(events);
      return {
        method: 'POST',
        url: `https://bot.example.com${o.path ?? '/webhooks/line'}`,
        headers: { 'content-type': 'application/json; charset=utf-8', ...(o.missing ? {} : { 'x-line-signature': sign(body, randomBytes(16).toString('hex')) }) },
        body,
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
