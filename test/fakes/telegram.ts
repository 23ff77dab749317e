import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '../../engine/channels.ts';

/**
 * A local Telegram Bot API (https://core.telegram.org/bots/api) for the real grammY client:
 * `POST {root}/bot<token>/<method>` with a JSON body, answers `{ok:true,result}` or
 * `{ok:false,error_code,description,parameters?}`. It implements what the adapter uses: sendMessage
 * (403 for a blocked user or one who never started the bot, 429 + retry_after when asked, for any
 * chat or for one, 400 for too long texts and bad callback data; every attempt per chat is recorded), answerCallbackQuery, getUpdates (long polling, offset confirms),
 * setWebhook / deleteWebhook (getUpdates answers 409 while a webhook is set, as Telegram does), getMe.
 * It also builds Updates and signed webhook deliveries as Telegram sends them.
 */

export interface TgButton {
  text: string;
  callback_data?: string;
}

export interface FakeSent {
  message_id: number;
  chatId: string;
  text: string;
  buttons: TgButton[][];
  at: number;
}

export interface TelegramUpdateOptions {
  languageCode?: string;
  /** Unix seconds (default: now). */
  date?: number;
}

type Json = Record<string, unknown>;

export interface TelegramFake {
  /** The apiRoot for grammY (no trailing slash). */
  apiRoot: string;
  token: string;
  secret: string;
  /** Every Bot API call, in order. */
  calls: Array<{ method: string; body: Json }>;
  /** Messages the bot sent to a chat, in order. */
  sentTo(chatId: string | number): FakeSent[];
  /** All messages the bot sent, in order. */
  allSent(): FakeSent[];
  answeredCallbacks: string[];
  webhookUrl: string | undefined;
  /** The user starts the bot (a bot can't write first). textUpdate() does this too. */
  startChat(chatId: string | number): void;
  /** The user blocks the bot: sendMessage answers 403. */
  block(chatId: string | number): void;
  /** The next `times` sendMessage calls answer 429 with this retry_after. */
  rateLimit(times?: number, retryAfterSeconds?: number): void;
  /** The next sendMessage to this chat answers 429 Too Many Requests with parameters.retry_after. */
  rateLimitChat(chatId: string | number, retryAfterSeconds: number): void;
  /** Every sendMessage to this chat, in order, refused ones included: when it came and the error_code (200: sent). */
  attemptsTo(chatId: string | number): Array<{ at: number; status: number }>;
  /** The next sendMessage answers this error once. */
  failNext(errorCode: number, description: string): void;
  /** Queues an update for getUpdates. */
  queue(update: Json): void;
  /** Updates queued and not yet confirmed by an offset. */
  pending(): Json[];
  textUpdate(chatId: string | number, text: string, opts?: TelegramUpdateOptions): Json;
  /** The user taps button `index` (0-based, row by row) of the last keyboard the bot sent them. */
  tapUpdate(chatId: string | number, index: number, opts?: TelegramUpdateOptions): Json;
  /** my_chat_member: the user blocked (kicked) or restarted (member) the bot. */
  memberUpdate(chatId: string | number, status: 'kicked' | 'member'): Json;
  stickerUpdate(chatId: string | number): Json;
  /** A delivery as Telegram sends it to the webhook: POST, JSON, the secret-token header. */
  delivery(update: Json, path?: string): WebhookRequest;
  /** The same with a wrong secret (`missing`: no header at all). */
  forged(update: Json, opts?: { missing?: boolean; path?: string }): WebhookRequest;
  /** POSTs a delivery to a running service (what Telegram does); returns status and body. */
  post(url: string, update: Json, opts?: { secret?: string | null }): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export async function startTelegramFake(opts: { token?: string; secret?: string; port?: number } = {}): Promise<TelegramFake> {
  const token = opts.token ?? '123456789:AAHfakeTokenForLocalTests_0123456789';
  const secret = opts.secret ?? 'fake-webhook-secret_123';
  const botId = Number(token.split(':')[0]);
  const sent: FakeSent[] = [];
  const started = new Set<string>();
  const blocked = new Set<string>();
  const calls: Array<{ method: string; body: Json }> = [];
  const answeredCallbacks: string[] = [];
  let updates: Json[] = [];
  let nextUpdateId = 700_000_000 + Math.floor(Math.random() * 1000);
  let nextMessageId = 1;
  let rateLimited = 0;
  let retryAfter = 1;
  const chatLimits = new Map<string, number>();
  const attempts: Array<{ chatId: string; at: number; status: number }> = [];
  let failure: { code: number; description: string } | undefined;
  let webhookUrl: string | undefined;
  const waiters = new Set<() => void>();

  const now = () => Math.floor(Date.now() / 1000);
  const ok = (res: ServerResponse, result: unknown) => json(res, 200, { ok: true, result });
  const fail = (res: ServerResponse, code: number, description: string, parameters?: Json, headers: Record<string, string> = {}) =>
    json(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) }, headers);
  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function user(chatId: string | number, languageCode?: string): Json {
    return { id: Number(chatId), is_bot: false, first_name: 'Customer', ...(languageCode ? { language_code: languageCode } : {}) };
  }

  const server: Server = createServer(async (req, res) => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const raw = await readBody(req);
    if (!m) return fail(res, 404, 'Not Found');
    if (m[1] !== token) return fail(res, 401, 'Unauthorized');
    const method = m[2]!;
    let body: Json = {};
    if (raw) {
      try {
        body = (req.headers['content-type'] ?? '').includes('json') ? (JSON.parse(raw) as Json) : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        return fail(res, 400, "Bad Request: can't parse JSON");
      }
    }
    calls.push({ method, body });
    switch (method) {
      case 'getMe':
        return ok(res, { id: botId, is_bot: true, first_name: 'Complaints', username: 'complaints_fake_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'setWebhook':
        webhookUrl = String(body.url ?? '') || undefined;
        return ok(res, true);
      case 'deleteWebhook':
        webhookUrl = undefined;
        if (body.drop_pending_updates === true) updates = [];
        return ok(res, true);
      case 'answerCallbackQuery':
        answeredCallbacks.push(String(body.callback_query_id));
        return ok(res, true);
      case 'getUpdates': {
        if (webhookUrl) return fail(res, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
        const offset = Number(body.offset ?? 0);
        if (offset) updates = updates.filter((u) => (u.update_id as number) >= offset);
        const timeout = Math.min(Number(body.timeout ?? 0), 50);
        if (!updates.length && timeout > 0) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(t);
              waiters.delete(wake);
              resolve();
            };
            const t = setTimeout(wake, timeout * 1000);
            waiters.add(wake);
            res.on('close', wake);
          });
        }
        if (res.destroyed) return;
        return ok(res, updates.slice(0, Number(body.limit ?? 100)));
      }
      case 'sendMessage': {
        const chatId = String(body.chat_id ?? '');
        const text = typeof body.text === 'string' ? body.text : '';
        const attempt = { chatId, at: Date.now(), status: 200 };
        attempts.push(attempt);
        const refuse = (code: number, description: string, parameters?: Json, headers?: Record<string, string>) => {
          attempt.status = code;
          return fail(res, code, description, parameters, headers);
        };
        const chatLimit = chatLimits.get(chatId);
        if (chatLimit !== undefined) {
          chatLimits.delete(chatId);
          // As the Bot API documents it: the wait is in the body's parameters.retry_after.
          return refuse(429, `Too Many Requests: retry after ${chatLimit}`, { retry_after: chatLimit });
        }
        if (rateLimited > 0) {
          rateLimited--;
          return refuse(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }, { 'retry-after': String(retryAfter) });
        }
        if (failure) {
          const f = failure;
          failure = undefined;
          return refuse(f.code, f.description);
        }
        if (!chatId) return refuse(400, 'Bad Request: chat_id is empty');
        if (!text.trim()) return refuse(400, 'Bad Request: message text is empty');
        if (text.length > 4096) return refuse(400, 'Bad Request: message is too long');
        if (blocked.has(chatId)) return refuse(403, 'Forbidden: bot was blocked by the user');
        if (!started.has(chatId)) return refuse(403, "Forbidden: bot can't initiate conversation with a user");
        const markup = body.reply_markup as { inline_keyboard?: TgButton[][] } | undefined;
        const buttons = markup?.inline_keyboard ?? [];
        for (const row of buttons) {
          for (const b of row) {
            const n = Buffer.byteLength(b.callback_data ?? '', 'utf8');
            if (b.callback_data !== undefined && (n < 1 || n > 64)) return refuse(400, 'Bad Request: BUTTON_DATA_INVALID');
            if (!b.text) return refuse(400, 'Bad Request: text buttons are unallowed in the inline keyboard');
          }
        }
        const msg: FakeSent = { message_id: nextMessageId++, chatId, text, buttons, at: Date.now() };
        sent.push(msg);
        return ok(res, {
          message_id: msg.message_id,
          date: now(),
          chat: { id: Number(chatId), type: 'private', first_name: 'Customer' },
          from: { id: botId, is_bot: true, first_name: 'Complaints' },
          text,
          ...(buttons.length ? { reply_markup: { inline_keyboard: buttons } } : {}),
        });
      }
      default:
        return fail(res, 404, 'Not Found: method not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const update = (fields: Json): Json => ({ update_id: nextUpdateId++, ...fields });
  const headersFor = (s: string | null): Record<string, string> => ({
    'content-type': 'application/json',
    ...(s !== null ? { 'x-telegram-bot-api-secret-token': s } : {}),
  });

  const fake: TelegramFake = {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    secret,
    calls,
    answeredCallbacks,
    get webhookUrl() {
      return webhookUrl;
    },
    sentTo: (chatId) => sent.filter((s) => s.chatId === String(chatId)),
    allSent: () => [...sent],
    startChat: (chatId) => void started.add(String(chatId)),
    block: (chatId) => void blocked.add(String(chatId)),
    rateLimit(times = 1, seconds = 1) {
      rateLimited = times;
      retryAfter = seconds;
    },
    rateLimitChat: (chatId, seconds) => void chatLimits.set(String(chatId), seconds),
    attemptsTo: (chatId) => attempts.filter((a) => a.chatId === String(chatId)).map(({ at, status }) => ({ at, status })),
    failNext(code, description) {
      failure = { code, description };
    },
    queue(u) {
      updates.push(u);
      for (const w of [...waiters]) w();
    },
    pending: () => [...updates],
    textUpdate(chatId, text, o = {}) {
      started.add(String(chatId));
      blocked.delete(String(chatId));
      return update({
        message: {
          message_id: nextMessageId++,
          from: user(chatId, o.languageCode),
          chat: { id: Number(chatId), first_name: 'Customer', type: 'private' },
          date: o.date ?? now(),
          text,
        },
      });
    },
    tapUpdate(chatId, index, o = {}) {
      const last = [...sent].reverse().find((s) => s.chatId === String(chatId) && s.buttons.length);
      if (!last) throw new Error(`no keyboard was sent to ${chatId}`);
      const flat = last.buttons.flat();
      const button = flat[index];
      if (!button) throw new Error(`the last keyboard has ${flat.length} buttons, not ${index + 1}`);
      return update({
        callback_query: {
          id: String(BigInt(Date.now()) * 1000n + BigInt(nextUpdateId)),
          from: user(chatId, o.languageCode),
          message: {
            message_id: last.message_id,
            from: { id: botId, is_bot: true, first_name: 'Complaints' },
            chat: { id: Number(chatId), first_name: 'Customer', type: 'private' },
            date: Math.floor(last.at / 1000),
            text: last.text,
            reply_markup: { inline_keyboard: last.buttons },
          },
          chat_instance: '-1234567890',
          data: button.callback_data,
        },
      });
    },
    memberUpdate(chatId, status) {
      if (status === 'kicked') blocked.add(String(chatId));
      else {
        blocked.delete(String(chatId));
        started.add(String(chatId));
      }
      return update({
        my_chat_member: {
          chat: { id: Number(chatId), first_name: 'Customer', type: 'private' },
          from: user(chatId),
          date: now(),
          old_chat_member: { user: { id: botId, is_bot: true, first_name: 'Complaints' }, status: status === 'kicked' ? 'member' : 'kicked' },
          new_chat_member: { user: { id: botId, is_bot: true, first_name: 'Complaints' }, status, ...(status === 'kicked' ? { until_date: 0 } : {}) },
        },
      });
    },
    stickerUpdate(chatId) {
      started.add(String(chatId));
      return update({
        message: {
          message_id: nextMessageId++,
          from: user(chatId),
          chat: { id: Number(chatId), first_name: 'Customer', type: 'private' },
          date: now(),
          sticker: { file_id: 'CAACAgIAAxkBAAE', file_unique_id: 'AgAD', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false },
        },
      });
    },
    delivery: (u, path = '/webhooks/telegram') => ({ method: 'POST', url: `https://bot.example.com${path}`, headers: headersFor(secret), body: JSON.stringify(u) }),
    forged: (u, o = {}) => ({
      method: 'POST',
      url: `https://bot.example.com${o.path ?? '/webhooks/telegram'}`,
      headers: headersFor(o.missing ? null : `${secret}x`),
      body: JSON.stringify(u),
    }),
    async post(url, u, o = {}) {
      const res = await fetch(url, { method: 'POST', headers: headersFor(o.secret === undefined ? secret : o.secret), body: JSON.stringify(u) });
      return { status: res.status, body: await res.text() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of [...waiters]) w();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
