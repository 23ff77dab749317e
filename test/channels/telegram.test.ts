import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../engine/service.ts';
import { createTelegram, definition, localeFromLanguageCode } from '../../adapters/telegram/index.ts';
import type { ChannelAdapter, ChannelDeps, WebhookResult } from '../../engine/channels.ts';
import { isAppError } from '../../engine/errors.ts';
import { silentLogger } from '../../engine/log.ts';
import { startTelegramFake, type TelegramFake } from '../fakes/telegram.ts';
import { channelService, PUBLIC_BASE, until, refused, memoryKv } from './helpers.ts';
import { channelConformance, type Delivery, type Sent } from './conformance.ts';

const deps = (): ChannelDeps => ({ kv: memoryKv(), log: silentLogger(), now: () => new Date() });

const ctx = (over: Partial<Parameters<ChannelAdapter['send']>[2]> = {}) => ({ conversationId: 'c1', mode: 'reply' as const, live: false, n: 1, locale: 'en' as const, ...over });

describe('telegram adapter', () => {
  let fake: TelegramFake;
  let tg: ChannelAdapter;
  const env = () => ({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_WEBHOOK_SECRET: fake.secret, TELEGRAM_API_ROOT: fake.apiRoot });

  beforeAll(async () => {
    fake = await startTelegramFake();
    tg = createTelegram(env(), deps());
  });
  afterAll(() => fake.close());

  describe('webhook', () => {
    it('accepts a delivery with the right secret token and parses a text message', async () => {
      const u = fake.textUpdate(4242, '电费扣了两次', { languageCode: 'zh-hans' });
      const r = await tg.webhook!(fake.delivery(u));
      expect(r.messages).toEqual([
        {
          channel: 'telegram',
          channelUserId: '4242',
          text: '电费扣了两次',
          messageId: String(u.update_id),
          timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          localeHint: 'zh-CN',
        },
      ]);
      expect(r.response.status).toBe(200);
      expect(tg.path).toBe('/webhooks/telegram');
    });

    it('refuses a wrong or missing secret token before reading the body', async () => {
      const u = fake.textUpdate(4242, 'hi');
      expect((await refused(tg.webhook!(fake.forged(u)))).code).toBe('UNAUTHORIZED');
      expect((await refused(tg.webhook!(fake.forged(u, { missing: true })))).code).toBe('UNAUTHORIZED');
      // A body that is not even JSON is still a 401, not a 400: nothing is parsed before the check.
      const junk = { ...fake.forged(u), body: '{not json' };
      expect((await refused(tg.webhook!(junk))).code).toBe('UNAUTHORIZED');
      const shorter = { ...fake.delivery(u), headers: { ...fake.delivery(u).headers, 'x-telegram-bot-api-secret-token': fake.secret.slice(0, -1) } };
      expect((await refused(tg.webhook!(shorter))).code).toBe('UNAUTHORIZED');
    });

    it('answers a malformed body with BAD_REQUEST', async () => {
      const d = fake.delivery({ update_id: 1 });
      expect((await refused(tg.webhook!({ ...d, body: '{"update_id":' }))).code).toBe('BAD_REQUEST');
      expect((await refused(tg.webhook!({ ...d, body: '{"message":{"text":"x"}}' }))).code).toBe('BAD_REQUEST');
      expect((await refused(tg.webhook!({ ...d, body: '[1,2]' }))).code).toBe('BAD_REQUEST');
      expect((await refused(tg.webhook!({ ...d, body: '{"update_id":5,"message":{"text":"x"}}' }))).code).toBe('BAD_REQUEST');
    });

    it('uses update_id as the dedupe key: a redelivery parses to the same messageId', async () => {
      const u = fake.textUpdate(77, 'hello');
      const a = await tg.webhook!(fake.delivery(u));
      const b = await tg.webhook!(fake.delivery(u));
      expect(a.messages[0]!.messageId).toBe(String(u.update_id));
      expect(b.messages[0]!.messageId).toBe(a.messages[0]!.messageId);
    });

    it('turns /start (with or without a deep-link payload) into a greeting in the user language', async () => {
      const en = await tg.webhook!(fake.delivery(fake.textUpdate(78, '/start', { languageCode: 'en' })));
      expect(en.messages[0]!.text).toBe('Hello');
      const tw = await tg.webhook!(fake.delivery(fake.textUpdate(78, '/start ref-42', { languageCode: 'zh-hant' })));
      expect(tw.messages[0]!.text).toBe('您好');
      const other = await tg.webhook!(fake.delivery(fake.textUpdate(78, '/started already?')));
      expect(other.messages[0]!.text).toBe('/started already?');
    });

    it('maps language codes to the locales we serve', () => {
      expect(localeFromLanguageCode('zh-hans')).toBe('zh-CN');
      expect(localeFromLanguageCode('zh-CN')).toBe('zh-CN');
      expect(localeFromLanguageCode('zh-hant')).toBe('zh-TW');
      expect(localeFromLanguageCode('zh-tw')).toBe('zh-TW');
      expect(localeFromLanguageCode('zh-hk')).toBe('zh-TW');
      expect(localeFromLanguageCode('en')).toBe('en');
      expect(localeFromLanguageCode('en-GB')).toBe('en');
      expect(localeFromLanguageCode('de')).toBeUndefined();
      expect(localeFromLanguageCode('zh')).toBeUndefined();
      expect(localeFromLanguageCode(undefined)).toBeUndefined();
    });

    it('ignores stickers and group chats, turns block / restart into events', async () => {
      expect((await tg.webhook!(fake.delivery(fake.stickerUpdate(5)))).messages).toEqual([]);
      const group = fake.textUpdate(-100123, 'hi') as { message: { chat: { type: string } } };
      group.message.chat.type = 'supergroup';
      expect((await tg.webhook!(fake.delivery(group))).messages).toEqual([]);
      const blocked = await tg.webhook!(fake.delivery(fake.memberUpdate(5, 'kicked')));
      expect(blocked.messages).toEqual([]);
      expect(blocked.events).toEqual([{ channelUserId: '5', type: 'blocked', at: expect.any(String) }]);
      const back = await tg.webhook!(fake.delivery(fake.memberUpdate(5, 'member')));
      expect(back.events).toEqual([{ channelUserId: '5', type: 'opted_in', at: expect.any(String) }]);
    });
  });

  describe('send', () => {
    afterEach(() => fake.rateLimit(0));

    it('sends a reply with an inline keyboard whose taps come back as the label', async () => {
      fake.startChat(100);
      const quickReplies = [
        { label: 'Repair', payload: 'demand:repair' },
        { label: 'Refund', payload: 'demand:refund' },
        { label: 'A very long explanation label', payload: `x:${'p'.repeat(80)}` },
      ];
      await tg.send('100', { text: 'What would you like us to do?', quickReplies }, ctx());
      const [msg] = fake.sentTo(100);
      expect(msg!.text).toBe('What would you like us to do?');
      const flat = msg!.buttons.flat();
      expect(flat.map((b) => b.text)).toEqual(['Repair', 'Refund', 'A very long explanation label']);
      // The payload when it fits callback_data's 64 bytes, else the option's number.
      expect(flat.map((b) => b.callback_data)).toEqual(['demand:repair', 'demand:refund', '#3']);

      const tap = fake.tapUpdate(100, 1, { languageCode: 'en' });
      const r: WebhookResult = await tg.webhook!(fake.delivery(tap));
      expect(r.messages).toEqual([
        { channel: 'telegram', channelUserId: '100', text: 'Refund', messageId: String(tap.update_id), timestamp: expect.any(String), localeHint: 'en' },
      ]);
      // The tap is answered in the webhook response (answerCallbackQuery as a webhook reply).
      expect(r.response.headers?.['content-type']).toBe('application/json');
      expect(JSON.parse(r.response.body!)).toEqual({ method: 'answerCallbackQuery', callback_query_id: (tap.callback_query as { id: string }).id });
      const third = await tg.webhook!(fake.delivery(fake.tapUpdate(100, 2)));
      expect(third.messages[0]!.text).toBe('A very long explanation label');
    });

    it('degrades more than 12 choices to numbered options in the text', async () => {
      fake.startChat(101);
      const quickReplies = Array.from({ length: 13 }, (_, i) => ({ label: `Option ${i + 1}`, payload: `o${i + 1}` }));
      await tg.send('101', { text: 'Pick one.', quickReplies }, ctx());
      const [msg] = fake.sentTo(101);
      expect(msg!.buttons).toEqual([]);
      expect(msg!.text).toMatch(/^Pick one\.\n1\. Option 1\n[\s\S]*13\. Option 13\nReply with a number from 1 to 13\.$/);
    });

    it('splits a long push over 4096 characters and does not repeat parts on a retried entry', async () => {
      fake.startChat(102);
      const long = 'The meter was checked and the readings are correct. '.repeat(120);
      const d = deps();
      const a = createTelegram(env(), d);
      await a.send('102', { text: long }, ctx({ mode: 'push', effectId: 'e-long' }));
      const parts = fake.sentTo(102);
      expect(parts.length).toBe(2);
      for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(4096);
      expect(parts.map((p) => p.text).join(' ')).toBe(long.trim());
      // The outbox retries the same entry (e.g. the first attempt died after sending): nothing is resent.
      await a.send('102', { text: long }, ctx({ mode: 'push', effectId: 'e-long' }));
      expect(fake.sentTo(102).length).toBe(2);
    });

    it('honours retry_after on a 429 with a bounded retry through auto-retry', async () => {
      fake.startChat(103);
      fake.rateLimit(1, 1);
      const t0 = Date.now();
      await tg.send('103', { text: 'Thanks for waiting.' }, ctx({ mode: 'push' }));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect(fake.sentTo(103).map((s) => s.text)).toEqual(['Thanks for waiting.']);
    });

    it('gives up (for the outbox to retry later) when rate limited beyond the bound', async () => {
      fake.startChat(104);
      // retry_after above maxDelaySeconds: not waited for at all.
      const quick = createTelegram(env(), deps(), { maxRetryDelaySeconds: 1 });
      fake.rateLimit(1, 30);
      const t0 = Date.now();
      const err = await quick.send('104', { text: 'x' }, ctx()).then(() => null, (e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect(isAppError(err)).toBe(false);
      expect(err!.message).toMatch(/429/);
      expect(Date.now() - t0).toBeLessThan(1500);
      // Four 429s in a row: 1 try + 3 retries, then the error surfaces.
      fake.rateLimit(4, 0);
      const calls = fake.calls.length;
      const err2 = await quick.send('104', { text: 'y' }, ctx()).then(() => null, (e: unknown) => e as Error);
      expect(err2!.message).toMatch(/429/);
      expect(fake.calls.length - calls).toBe(4);
      expect(fake.sentTo(104)).toEqual([]);
    });

    it('turns 403 (blocked by the user) into UNREACHABLE; other errors stay retryable', async () => {
      fake.startChat(105);
      fake.block(105);
      const err = await refused(tg.send('105', { text: 'Your ticket was updated.' }, ctx({ mode: 'push' })));
      expect(err.code).toBe('UNREACHABLE');
      fake.startChat(106);
      fake.failNext(500, 'Internal Server Error');
      const e500 = await tg.send('106', { text: 'x' }, ctx()).then(() => null, (e: unknown) => e as Error);
      expect(isAppError(e500)).toBe(false);
      expect(e500!.message).toMatch(/500/);
      expect(e500!.message).not.toContain('x"');
    });

    it('canSend: yes unless the customer is unreachable', () => {
      const now = new Date('2026-11-24T02:00:00Z');
      expect(tg.canSend!({ sentSinceInbound: 0 }, 'push', now)).toEqual({ allowed: 'yes' });
      expect(tg.canSend!({ sentSinceInbound: 40, lastInboundAt: '2025-01-01T00:00:00Z' }, 'push', now)).toEqual({ allowed: 'yes' });
      expect(tg.canSend!({ sentSinceInbound: 0, unreachable: { reason: 'blocked', at: now.toISOString() } }, 'push', now).allowed).toBe('no');
    });
  });

  describe('configuration', () => {
    const good = { TELEGRAM_BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', TELEGRAM_WEBHOOK_SECRET: 's3cret_-X' };
    const problem = (env: Record<string, string | undefined>) => {
      try {
        definition.create(env, deps());
      } catch (err) {
        expect(isAppError(err, 'CONFIG_INVALID')).toBe(true);
        return (err as Error).message;
      }
      return 'no error';
    };

    it('names the variable that is missing or malformed, never its value', () => {
      expect(problem({ ...good, TELEGRAM_BOT_TOKEN: undefined })).toMatch(/^TELEGRAM_BOT_TOKEN: missing/);
      expect(problem({ ...good, TELEGRAM_BOT_TOKEN: 'not-a-token' })).toMatch(/^TELEGRAM_BOT_TOKEN: malformed/);
      expect(problem({ ...good, TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: undefined })).toMatch(/^TELEGRAM_WEBHOOK_SECRET: missing/);
      // No secret and no mode: long polling, as the configuration contract says.
      expect(definition.create({ ...good, TELEGRAM_WEBHOOK_SECRET: undefined }, deps()).webhook).toBeUndefined();
      expect(problem({ ...good, TELEGRAM_WEBHOOK_SECRET: 'has space' })).toMatch(/^TELEGRAM_WEBHOOK_SECRET:/);
      expect(problem({ ...good, TELEGRAM_WEBHOOK_SECRET: 'x'.repeat(257) })).toMatch(/^TELEGRAM_WEBHOOK_SECRET:/);
      expect(problem({ ...good, TELEGRAM_MODE: 'smoke-signals' })).toMatch(/^TELEGRAM_MODE:/);
      expect(problem({ ...good, TELEGRAM_API_ROOT: 'not a url' })).toMatch(/^TELEGRAM_API_ROOT:/);
      expect(problem({ ...good, TELEGRAM_API_ROOT: 'ftp://x' })).toMatch(/^TELEGRAM_API_ROOT:/);
      expect(problem({ TELEGRAM_BOT_TOKEN: 'AAAA-secret-value' })).not.toContain('AAAA-secret-value');
      expect(problem(good)).toBe('no error');
      // Polling needs no secret; a trailing slash on the API root is tolerated.
      expect(problem({ TELEGRAM_BOT_TOKEN: good.TELEGRAM_BOT_TOKEN, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: 'http://127.0.0.1:1/' })).toBe('no error');
      expect(definition.env).toEqual(['TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_MODE', 'TELEGRAM_API_ROOT']);
    });
  });

  describe('long polling', () => {
    it('hands each update to deliver, confirms it, answers taps, and stops promptly', async () => {
      const poller = createTelegram({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: fake.apiRoot }, deps(), { pollTimeoutSeconds: 2 });
      expect(poller.webhook).toBeUndefined();
      expect(poller.path).toBeUndefined();
      const got: Array<Omit<WebhookResult, 'response'>> = [];
      let failOnce = true;
      await poller.start!(async (r) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('store briefly down');
        }
        got.push(r);
      });
      const u = fake.textUpdate(300, 'hello from polling', { languageCode: 'zh-hant' });
      fake.queue(u);
      await until(() => got.length >= 1);
      // The first delivery failed: the same update came back (the engine dedupes on messageId).
      expect(got[0]!.messages[0]).toMatchObject({ channelUserId: '300', text: 'hello from polling', messageId: String(u.update_id), localeHint: 'zh-TW' });
      fake.startChat(300);
      await poller.send('300', { text: 'Which?', quickReplies: [{ label: 'Yes', payload: 'yes' }, { label: 'No', payload: 'no' }] }, ctx());
      const tap = fake.tapUpdate(300, 0);
      fake.queue(tap);
      await until(() => got.length >= 2 && fake.answeredCallbacks.includes((tap.callback_query as { id: string }).id));
      expect(got[1]!.messages[0]!.text).toBe('Yes');
      await until(() => fake.pending().length === 0);
      expect(fake.calls.some((c) => c.method === 'deleteWebhook')).toBe(true);
      const t0 = Date.now();
      await poller.stop!();
      expect(Date.now() - t0).toBeLessThan(1000);
    });
  });
});

// Telegram-specific paths through the real service (in process, memory store), grammY against the fake.
describe('telegram through the service', () => {
  let fake: TelegramFake;
  let service: Service;
  let dispose: () => Promise<void>;
  const BASE = PUBLIC_BASE;

  beforeAll(async () => {
    fake = await startTelegramFake();
    ({ service, dispose } = channelService([definition], { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_WEBHOOK_SECRET: fake.secret, TELEGRAM_API_ROOT: fake.apiRoot }));
    await service.engine.start();
  });
  afterAll(async () => {
    await dispose?.();
    await fake.close();
  });

  const post = (u: Record<string, unknown>, secret = fake.secret) =>
    service.app.request(`${BASE}/webhooks/telegram`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(u) });

  it('a tapped inline button picks that option, and the tap is answered in the webhook response', async () => {
    const chat = 9_100_001;
    expect((await post(fake.textUpdate(chat, 'I want to file a complaint', { languageCode: 'en' }))).status).toBe(200);
    await until(() => fake.sentTo(chat).some((s) => s.buttons.length > 0));
    const offered = fake.sentTo(chat).at(-1)!.buttons.flat();
    expect(offered.length).toBeGreaterThan(2);
    for (const b of offered) expect(Buffer.byteLength(b.callback_data!, 'utf8')).toBeLessThanOrEqual(64);
    const before = fake.sentTo(chat).length;
    const tap = fake.tapUpdate(chat, 1, { languageCode: 'en' });
    const res = await post(tap);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ method: 'answerCallbackQuery', callback_query_id: (tap.callback_query as { id: string }).id });
    await until(() => fake.sentTo(chat).length > before);
    expect(fake.sentTo(chat).slice(before).map((s) => s.text).join('\n')).toMatch(/what happened/i);
    const conv = await service.store.findConversation('telegram', String(chat));
    const said = (await service.store.listMessages(conv!.id)).filter((m) => m.author === 'customer').map((m) => m.text);
    expect(said.at(-1)).toBe(offered[1]!.text);
  });

  it('a customer who blocked the bot is marked unreachable on the 403, and later messages are not sent', async () => {
    const chat = 9_100_002;
    await post(fake.textUpdate(chat, 'Hello', { languageCode: 'en' }));
    await until(() => fake.sentTo(chat).length > 0);
    const conv = (await service.store.findConversation('telegram', String(chat)))!;
    fake.block(chat);
    await service.engine.agentMessage(conv.id, 'We have an update on your case.');
    let after = conv;
    for (let i = 0; i < 200 && !after.contact?.unreachable; i++) {
      await new Promise((r) => setTimeout(r, 10));
      after = (await service.store.getConversation(conv.id))!;
    }
    expect(after.contact?.unreachable?.reason).toBe('blocked');
    const sends = fake.calls.filter((c) => c.method === 'sendMessage').length;
    await service.engine.agentMessage(conv.id, 'Another update.');
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.calls.filter((c) => c.method === 'sendMessage').length).toBe(sends);
  });

  it('my_chat_member "kicked" marks the customer blocked without a turn', async () => {
    const chat = 9_100_003;
    await post(fake.textUpdate(chat, 'Hello', { languageCode: 'en' }));
    await until(() => fake.sentTo(chat).length > 0);
    const n = fake.sentTo(chat).length;
    expect((await post(fake.memberUpdate(chat, 'kicked'))).status).toBe(200);
    const conv = (await service.store.findConversation('telegram', String(chat)))!;
    expect(conv.contact?.unreachable?.reason).toBe('blocked');
    expect(fake.sentTo(chat).length).toBe(n);
    expect((await post(fake.memberUpdate(chat, 'kicked'), 'wrong')).status).toBe(401);
  });
});

// The end-to-end suite: the real service with Telegram enabled by its variables, grammY against the fake.
{
  let fake: TelegramFake;
  const chats = new Map<string, number>();
  const chatOf = (user: string) => {
    if (!chats.has(user)) chats.set(user, 5_000_000 + chats.size * 17);
    return chats.get(user)!;
  };
  const deliveries = new Map<string, Record<string, unknown>>();
  const sent = (user: string): Sent[] =>
    fake.sentTo(chatOf(user)).map((s) => ({ text: s.text, ...(s.buttons.length ? { buttons: s.buttons.flat().map((b) => b.text) } : {}) }));
  const asDelivery = (r: { method: string; headers: Record<string, string>; body: string }): Delivery => ({ method: r.method, path: '/webhooks/telegram', headers: r.headers, body: r.body });

  channelConformance({
    kind: 'webhook',
    name: 'telegram',
    definition,
    async start() {
      fake = await startTelegramFake();
      return { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_WEBHOOK_SECRET: fake.secret, TELEGRAM_API_ROOT: fake.apiRoot };
    },
    stop: () => fake.close(),
    inbound(user, text, deliveryId) {
      // One Update per delivery id: posting the same delivery twice is a Telegram redelivery.
      if (!deliveries.has(deliveryId)) deliveries.set(deliveryId, fake.textUpdate(chatOf(user), text, { languageCode: 'en' }));
      return asDelivery(fake.delivery(deliveries.get(deliveryId)!));
    },
    forge: (d) => ({ ...d, headers: { ...d.headers, 'x-telegram-bot-api-secret-token': 'not-the-secret' } }),
    unsigned: (d) => ({ ...d, headers: Object.fromEntries(Object.entries(d.headers).filter(([k]) => k.toLowerCase() !== 'x-telegram-bot-api-secret-token')) }),
    malformed: () => asDelivery({ ...fake.delivery({ update_id: 1 }), body: '{"update_id": "oops"' }),
    sent,
    channelUserId: (user) => String(chatOf(user)),
    // A bot may write any time until the user blocks it.
    window: 'none',
    // 429 with parameters.retry_after: grammY's auto-retry waits it out in place.
    rateLimitNext(user, seconds) {
      fake.rateLimitChat(chatOf(user), seconds);
      return { retryAfter: true };
    },
    attempts: (user) => fake.attemptsTo(chatOf(user)).map((a) => ({ at: a.at, limited: a.status === 429 })),
  });
}

// The same suite in long-polling mode (TELEGRAM_MODE=polling): updates come from getUpdates.
{
  let fake: TelegramFake;
  const chats = new Map<string, number>();
  const chatOf = (user: string) => {
    if (!chats.has(user)) chats.set(user, 6_000_000 + chats.size * 17);
    return chats.get(user)!;
  };
  channelConformance({
    kind: 'polled',
    name: 'telegram',
    definition,
    async start() {
      fake = await startTelegramFake();
      return { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: fake.apiRoot };
    },
    stop: () => fake.close(),
    async say(user, text) {
      fake.queue(fake.textUpdate(chatOf(user), text, { languageCode: 'en' }));
    },
    sent: (user) => fake.sentTo(chatOf(user)).map((s) => ({ text: s.text, ...(s.buttons.length ? { buttons: s.buttons.flat().map((b) => b.text) } : {}) })),
    channelUserId: (user) => String(chatOf(user)),
    window: 'none',
    rateLimitNext(user, seconds) {
      fake.rateLimitChat(chatOf(user), seconds);
      return { retryAfter: true };
    },
    attempts: (user) => fake.attemptsTo(chatOf(user)).map((a) => ({ at: a.at, limited: a.status === 429 })),
  });
}
