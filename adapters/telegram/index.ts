import { createHash, timingSafeEqual } from 'node:crypto';
import { Api, GrammyError, HttpError } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import type { InlineKeyboardButton } from 'grammy/types';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelDefinition,
  ChannelDeps,
  WebhookRequest,
  WebhookResult,
} from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { present } from '../channel-kit/present.ts';
import { sentParts } from '../channel-kit/sent-parts.ts';
import { TELEGRAM_CHANNEL, callbackData, isUpdate, parseUpdate, type ParsedUpdate, type TgUpdate } from './parse.ts';

export { TELEGRAM_CHANNEL, localeFromLanguageCode, parseUpdate } from './parse.ts';

const ENV = ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_MODE', 'TELEGRAM_API_ROOT'] as const;
const DEFAULT_API_ROOT = 'https://api.telegram.org';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export const TELEGRAM_CAPABILITIES: ChannelCapabilities = {
  choices: 'buttons',
  // Inline keyboards take up to 100 buttons; past a dozen a numbered list reads better.
  maxButtons: 12,
  // Button texts have no documented limit; callback data (1–64 bytes) is kept apart, see callbackData().
  maxButtonLabel: 64,
  maxLength: 4096,
  markup: 'plain',
  // Bots FAQ: about 30 messages/s in all, about 1/s per chat with short bursts tolerated.
  rate: { perSecond: 30, burst: 30, perCustomerPerSecond: 1, customerBurst: 3 },
};

export interface TelegramConfig {
  token: string;
  mode: 'webhook' | 'polling';
  webhookSecret?: string;
  apiRoot: string;
}

/** Validates the variables; the error names the variable, never its value. */
export function telegramConfig(env: Readonly<Record<string, string | undefined>>): TelegramConfig {
  const bad = (name: string, what: string) => new AppError('CONFIG_INVALID', `${name}: ${what}`);
  const token = env.TELEGRAM_BOT_TOKEN?.trim();
  if (!token) throw bad('TELEGRAM_BOT_TOKEN', 'missing (the token @BotFather gave you)');
  if (!/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/.test(token)) throw bad('TELEGRAM_BOT_TOKEN', 'malformed (expected <bot id>:<secret> as given by @BotFather)');
  // The configuration contract: no webhook secret means long polling (local development).
  const modeRaw = env.TELEGRAM_MODE?.trim().toLowerCase() || (env.TELEGRAM_WEBHOOK_SECRET ? 'webhook' : 'polling');
  if (modeRaw !== 'webhook' && modeRaw !== 'polling') throw bad('TELEGRAM_MODE', 'must be webhook or polling');
  const mode = modeRaw;
  const secret = env.TELEGRAM_WEBHOOK_SECRET?.trim();
  if (mode === 'webhook') {
    if (!secret) throw bad('TELEGRAM_WEBHOOK_SECRET', 'missing (required in webhook mode; the secret_token given to setWebhook)');
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw bad('TELEGRAM_WEBHOOK_SECRET', 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -');
  } else if (secret && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    throw bad('TELEGRAM_WEBHOOK_SECRET', 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -');
  }
  // grammY throws on a trailing slash; a Bot API server may live under a path, so keep the rest.
  const apiRoot = (env.TELEGRAM_API_ROOT?.trim() || DEFAULT_API_ROOT).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(apiRoot);
  } catch {
    throw bad('TELEGRAM_API_ROOT', 'not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('TELEGRAM_API_ROOT', 'must be an http(s) URL');
  if (url.search || url.hash) throw bad('TELEGRAM_API_ROOT', 'must not have a query or fragment');
  return { token, mode, ...(secret ? { webhookSecret: secret } : {}), apiRoot };
}

/** Constant-time comparison of two strings of any length (both hashed to 32 bytes first). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

type GrammySignal = Parameters<Api['getUpdates']>[1];


/** Options the tests (and a cautious deployment) may tune. */
export interface TelegramOptions {
  /** Long-poll timeout for getUpdates, in seconds (default 25). */
  pollTimeoutSeconds?: number;
  /** Longest retry_after honoured in place (default 10 s); longer waits go back to the outbox. */
  maxRetryDelaySeconds?: number;
}

export function createTelegram(env: Readonly<Record<string, string | undefined>>, deps: ChannelDeps, opts: TelegramOptions = {}): ChannelAdapter {
  const cfg = telegramConfig(env);
  const log = deps.log;
  const pollTimeout = opts.pollTimeoutSeconds ?? 25;

  // Sends: a 429 is retried in place at most 3 times, and only when retry_after ≤ 10 s. 5xx and network
  // errors are NOT retried here (auto-retry would back off for 3+6+12 s, and retries network errors
  // forever): the outbox retries the entry later instead.
  const api = new Api(cfg.token, { apiRoot: cfg.apiRoot, timeoutSeconds: 20 });
  api.config.use(
    autoRetry({
      maxRetryAttempts: 3,
      maxDelaySeconds: opts.maxRetryDelaySeconds ?? 10,
      rethrowInternalServerErrors: true,
      rethrowHttpErrors: true,
    }),
  );
  // Long polling holds each request up to pollTimeout seconds, so it gets its own client timeout.
  const pollApi = new Api(cfg.token, { apiRoot: cfg.apiRoot, timeoutSeconds: pollTimeout + 15 });

  function toError(err: unknown, method: string): Error {
    if (err instanceof GrammyError) {
      if (err.error_code === 403) {
        // "Forbidden: bot was blocked by the user", "user is deactivated", "bot can't initiate conversation".
        return new AppError('UNREACHABLE', `telegram ${method}: ${err.description}`);
      }
      // A new error without err.payload: that holds the message text.
      const e = new Error(`telegram ${method} failed: ${err.error_code} ${err.description}`);
      (e as Error & { status?: number }).status = err.error_code;
      return e;
    }
    if (err instanceof HttpError) return new Error(`telegram ${method}: network error (${err.message})`);
    return err instanceof Error ? err : new Error(String(err));
  }

  const adapter: ChannelAdapter = {
    name: TELEGRAM_CHANNEL,
    capabilities: TELEGRAM_CAPABILITIES,

    async send(channelUserId, message, ctx) {
      const { texts, buttons } = present(message, TELEGRAM_CAPABILITIES, ctx.locale);
      // Two buttons per row when every label is short (CJK characters count double), else one.
      const width = (t: string) => [...t].reduce((n, ch) => n + (/[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/u.test(ch) ? 2 : 1), 0);
      const perRow = buttons.every((b) => width(b.label) <= 20) ? 2 : 1;
      const keyboard: InlineKeyboardButton[][] = [];
      buttons.forEach((b, i) => {
        const button = { text: b.label, callback_data: callbackData(b.payload, i) };
        if (i % perRow === 0) keyboard.push([button]);
        else keyboard[keyboard.length - 1]!.push(button);
      });
      // Telegram has no idempotency key: a retry after a partial failure sends only the missing parts.
      const sent = sentParts(deps, TELEGRAM_CHANNEL, ctx.effectId);
      for (let i = 0; i < texts.length; i++) {
        if (await sent.done(i)) continue;
        const last = i === texts.length - 1;
        try {
          await api.sendMessage(
            channelUserId,
            texts[i]!,
            last && keyboard.length ? { reply_markup: { inline_keyboard: keyboard } } : {},
          );
        } catch (err) {
          throw toError(err, 'sendMessage');
        }
        await sent.mark(i);
      }
    },

    canSend(contact) {
      // A bot may write any time once the user has started it, until they block it (403).
      return contact.unreachable ? { allowed: 'no', reason: `unreachable: ${contact.unreachable.reason}` } : { allowed: 'yes' };
    },
  };

  if (cfg.mode === 'webhook') {
    const secret = cfg.webhookSecret!;
    Object.assign(adapter, {
      path: `/webhooks/${TELEGRAM_CHANNEL}`,
      async webhook(req: WebhookRequest): Promise<WebhookResult> {
        const given = req.headers[SECRET_HEADER];
        if (typeof given !== 'string' || !sameSecret(given, secret)) {
          throw new AppError('UNAUTHORIZED', 'telegram: missing or wrong secret token');
        }
        if (req.method.toUpperCase() !== 'POST') throw new AppError('BAD_REQUEST', 'telegram: expected POST');
        let body: unknown;
        try {
          body = JSON.parse(req.body);
        } catch {
          throw new AppError('BAD_REQUEST', 'telegram: body is not JSON');
        }
        if (!isUpdate(body)) throw new AppError('BAD_REQUEST', 'telegram: not an Update');
        const parsed = parseUpdate(body, deps.now());
        return {
          messages: parsed.messages,
          events: parsed.events,
          // A tapped button is answered in the webhook response itself (a Bot API "webhook reply"):
          // no extra request, and the client's spinner stops once the message is committed.
          response: parsed.callbackQueryId
            ? {
                status: 200,
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ method: 'answerCallbackQuery', callback_query_id: parsed.callbackQueryId }),
              }
            : { status: 200, body: '' },
        };
      },
    });
  } else {
    let abort: AbortController | undefined;
    let loop: Promise<void> | undefined;
    const sleep = (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });

    async function poll(deliver: (r: Omit<WebhookResult, 'response'>) => Promise<void>, signal: AbortSignal) {
      // grammY's Node build types its signals with the abort-controller shim; a native one works the same.
      const grammySignal = signal as unknown as GrammySignal;
      let offset: number | undefined;
      let backoffMs = 0;
      let webhookDeleted = false;
      while (!signal.aborted) {
        try {
          // getUpdates fails while a webhook is set; polling is for local development, one instance.
          if (!webhookDeleted) {
            await pollApi.deleteWebhook({ drop_pending_updates: false }, grammySignal);
            webhookDeleted = true;
          }
          const updates = await pollApi.getUpdates(
            { ...(offset !== undefined ? { offset } : {}), timeout: pollTimeout, allowed_updates: ['message', 'callback_query', 'my_chat_member'] },
            grammySignal,
          );
          for (const u of updates) {
            if (signal.aborted) return;
            let parsed: ParsedUpdate = { messages: [], events: [] };
            if (isUpdate(u)) parsed = parseUpdate(u as TgUpdate, deps.now());
            else log.warn({ updateId: (u as { update_id?: unknown }).update_id }, 'skipped a malformed update');
            // An update is confirmed (offset moves past it) only once delivered; if deliver throws, the
            // same update comes back and the engine deduplicates it by update_id.
            if (parsed.messages.length || parsed.events.length) await deliver({ messages: parsed.messages, events: parsed.events });
            if (parsed.callbackQueryId) {
              pollApi.answerCallbackQuery(parsed.callbackQueryId).catch((err: unknown) => log.warn({ err: toError(err, 'answerCallbackQuery').message }, 'answerCallbackQuery failed'));
            }
            offset = u.update_id + 1;
          }
          backoffMs = 0;
        } catch (err) {
          if (signal.aborted) return;
          backoffMs = Math.min(backoffMs ? backoffMs * 2 : 500, 10_000);
          log.warn({ err: toError(err, 'getUpdates').message, retryInMs: backoffMs }, 'telegram polling failed');
          await sleep(backoffMs, signal);
        }
      }
    }

    Object.assign(adapter, {
      async start(deliver: (r: Omit<WebhookResult, 'response'>) => Promise<void>) {
        if (loop) return;
        abort = new AbortController();
        loop = poll(deliver, abort.signal);
        log.info('telegram long polling started');
      },
      async stop() {
        abort?.abort();
        await loop;
        loop = undefined;
        abort = undefined;
      },
    });
  }
  return adapter;
}

export const definition: ChannelDefinition = {
  name: TELEGRAM_CHANNEL,
  env: ENV,
  create: (env, deps) => createTelegram(env, deps),
};
