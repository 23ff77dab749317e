import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Engine } from '../engine.ts';
import type { ChannelAdapter } from '../channels.ts';
import { isAppError } from '../errors.ts';

export interface WebhookOptions {
  engine: Engine;
  log: Logger;
  /** The public origin platforms call (https://bot.example.com): Twilio signs the URL it called, not ours behind a proxy. */
  publicBaseUrl?: string;
}

const pathOf = (c: ChannelAdapter) => c.path ?? `/webhooks/${c.name}`;

/**
 * Every channel's webhook, looked up by path when a request comes. The adapter checks the signature
 * on the raw body before anything else (a forged request is 401 and runs nothing); the messages are
 * then committed as turns (a redelivery is answered from its record) before the platform gets its answer,
 * so an acknowledged delivery is never lost.
 */
export function webhooks(o: WebhookOptions): MiddlewareHandler {
  return async (c, next) => {
    const channel = [...o.engine.channels.values()].find((ch) => ch.webhook && pathOf(ch) === c.req.path);
    if (!channel) return next();
    const incoming = new URL(c.req.url);
    const url = o.publicBaseUrl ? `${o.publicBaseUrl.replace(/\/$/, '')}${incoming.pathname}${incoming.search}` : c.req.url;
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
    let result;
    try {
      result = await channel.webhook!({ method: c.req.method, url, headers, body: await c.req.text() });
    } catch (err) {
      // Who sent it and why it failed, never what it said.
      if (isAppError(err, 'UNAUTHORIZED') || isAppError(err, 'BAD_REQUEST')) o.log.warn({ channel: channel.name, code: err.code }, 'webhook refused');
      throw err;
    }
    await o.engine.deliver(channel.name, result);
    return c.body(result.response.body ?? '', result.response.status as 200, result.response.headers ?? {});
  };
}
