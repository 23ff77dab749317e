import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Engine } from '../../engine/engine.ts';
import { AppError } from '../../engine/errors.ts';
import { jsonBody } from '../../engine/http/errors.ts';
import { Locale } from '../../engine/packs/schema.ts';
import { WEB_CHANNEL } from './channel.ts';
import type { Hub, WebEvent } from './hub.ts';
import { issueCookieIdentity, mayActAs, type IdentityOptions } from './identity.ts';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

const UserId = z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'userId: 1-128 letters, digits or _ . : @ -');
const MessageBody = z
  .object({
    userId: UserId,
    text: z.string().trim().min(1, 'text must not be empty').max(4000, 'text is longer than 4000 characters'),
    locale: Locale.optional(),
    /** The customer picked `locale` in the page's language switcher since their last message. */
    localeChosen: z.boolean().optional(),
    userHash: z.string().max(128).optional(),
    /** Optional client id for the message: a retry with the same id is answered once. */
    messageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  })
  .strict();

export interface WebRoutesOptions extends IdentityOptions {
  engine: Engine;
  hub: Hub;
}

/** The web chat channel: the page at `/`, its message endpoint and its push stream. */
export function webChatRoutes(o: WebRoutesOptions): Hono {
  const app = new Hono();
  const authorize = (c: Parameters<typeof mayActAs>[0], userId: string, userHash: string | undefined) => {
    if (!mayActAs(c, o, userId, userHash)) throw new AppError('UNAUTHORIZED', 'userHash or identity cookie does not match userId');
  };

  app.get('/', (c) => {
    c.header('Cache-Control', 'no-store');
    c.header('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self'");
    return c.html(PAGE);
  });

  app.get('/favicon.ico', (c) => c.body(null, 204));

  app.post('/api/web/session', (c) => c.json({ userId: issueCookieIdentity(c, o) }));

  app.post('/api/web/messages', async (c) => {
    const body = await jsonBody(c, MessageBody);
    authorize(c, body.userId, body.userHash);
    const result = await o.engine.handle({
      channel: WEB_CHANNEL,
      channelUserId: body.userId,
      text: body.text,
      ...(body.locale ? { localeHint: body.locale, ...(body.localeChosen ? { localeChosen: true } : {}) } : {}),
      messageId: body.messageId ?? randomUUID(),
      timestamp: new Date().toISOString(),
    });
    return c.json({
      n: result.n,
      replies: result.replies.map((r, i) => ({
        text: r.text,
        ...(r.quickReplies ? { quickReplies: r.quickReplies.map((q) => q.label) } : {}),
        n: result.n + 1 + i,
      })),
      conversation: { id: result.conversationId, status: result.status, ...(result.ticketId ? { ticketId: result.ticketId } : {}) },
      ...(result.duplicate ? { duplicate: true } : {}),
    });
  });

  /** Replays what the customer has not seen (after `after`), then pushes new messages as they come. */
  app.get('/api/web/stream', async (c) => {
    const userId = UserId.safeParse(c.req.query('userId'));
    if (!userId.success) throw new AppError('BAD_REQUEST', 'userId query parameter is missing or malformed');
    authorize(c, userId.data, c.req.query('userHash'));
    // A browser's automatic reconnect sends Last-Event-ID: it knows better than the original ?after=.
    const after = Number(c.req.header('Last-Event-ID') ?? c.req.query('after') ?? -1);
    return streamSSE(c, async (stream) => {
      let last = Number.isFinite(after) ? after : -1;
      const queue: WebEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = o.hub.subscribe(userId.data, (e) => {
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      const send = async (e: WebEvent) => {
        if (e.n <= last) return;
        last = e.n;
        await stream.writeSSE({ event: 'message', id: String(e.n), data: JSON.stringify(e) });
      };
      const conv = await o.engine.store.findConversation(WEB_CHANNEL, userId.data);
      if (conv) {
        for (const m of await o.engine.store.listMessages(conv.id, last)) {
          await send({ n: m.n, author: m.author, text: m.text, ...(m.quickReplies ? { quickReplies: m.quickReplies.map((q) => q.label) } : {}) });
        }
      }
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ after: last, status: conv?.dialog.status ?? 'bot' }) });
      // Proxies close quiet connections; a comment every 25 s keeps the stream open.
      const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), 25_000);
      try {
        while (!stream.aborted) {
          while (queue.length) await send(queue.shift()!);
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        clearInterval(keepAlive);
      }
      unsubscribe();
    });
  });

  return app;
}
