import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../engine/service.ts';
import { createLine, definition, retryKeyFor } from '../../adapters/line/index.ts';
import type { ChannelAdapter, ChannelDeps, SendContext } from '../../engine/channels.ts';
import { isAppError } from '../../engine/errors.ts';
import { silentLogger } from '../../engine/log.ts';
import { startLineFake, type LineFake } from '../fakes/line.ts';
import { channelService, PUBLIC_BASE, until, refused } from './helpers.ts';
import { channelConformance, type Delivery, type Sent } from './conformance.ts';

const clock = { now: new Date() };
function deps(): ChannelDeps {
  const data = new Map<string, string>();
  return { kv: { get: async (k) => data.get(k) ?? null, set: async (k, v) => void data.set(k, v) }, log: silentLogger(), now: () => clock.now };
}

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error);

const ctx = (over: Partial<SendContext> = {}): SendContext => ({ conversationId: 'c1', mode: 'reply', live: false, n: 1, locale: 'en', ...over });

/** The contact the engine keeps from a parsed message: the reply token and when it came. */
async function inbound(line: ChannelAdapter, fake: LineFake, userId: string, text = 'hello') {
  const r = await line.webhook!(fake.delivery([fake.textEvent(userId, text)]));
  return r.messages[0]!.contact!;
}

describe('line adapter', () => {
  let fake: LineFake;
  let line: ChannelAdapter;
  const env = () => ({ LINE_CHANNEL_SECRET: fake.channelSecret, LINE_CHANNEL_ACCESS_TOKEN: fake.channelAccessToken, LINE_API_BASE: fake.baseURL });

  beforeAll(async () => {
    fake = await startLineFake();
    line = createLine(env(), deps(), { baseDelayMs: 50 });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    clock.now = new Date();
    fake.rateLimit(0);
    fake.exhaustQuota(false);
  });

  describe('webhook', () => {
    it('accepts a correctly signed delivery and parses a text message', async () => {
      const ev = fake.textEvent('U1111', '電費扣了兩次');
      const r = await line.webhook!(fake.delivery([ev]));
      expect(r.messages).toEqual([
        {
          channel: 'line',
          channelUserId: 'U1111',
          text: '電費扣了兩次',
          messageId: ev.webhookEventId,
          timestamp: new Date(ev.timestamp as number).toISOString(),
          contact: { replyToken: ev.replyToken, replyTokenAt: new Date(ev.timestamp as number).toISOString() },
        },
      ]);
      expect(r.response.status).toBe(200);
      expect(line.path).toBe('/webhooks/line');
    });

    it('refuses a forged or missing signature before parsing', async () => {
      const events = [fake.textEvent('U1111', 'hi')];
      expect((await refused(line.webhook!(fake.forged(events)))).code).toBe('UNAUTHORIZED');
      expect((await refused(line.webhook!(fake.forged(events, { missing: true })))).code).toBe('UNAUTHORIZED');
      // A tampered body under the original signature.
      const d = fake.delivery(events);
      expect((await refused(line.webhook!({ ...d, body: d.body.replace('hi', 'ho') })))).toMatchObject({ code: 'UNAUTHORIZED' });
      // Not JSON and not signed: still 401, nothing was parsed.
      expect((await refused(line.webhook!({ ...d, body: '{oops', headers: { 'x-line-signature': 'AAAA' } })))).toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('answers a signed but malformed body with BAD_REQUEST', async () => {
      const signed = (body: string) => ({ method: 'POST', url: 'https://bot.example.com/webhooks/line', headers: { 'x-line-signature': fake.sign(body) }, body });
      expect((await refused(line.webhook!(signed('{"events":')))).code).toBe('BAD_REQUEST');
      expect((await refused(line.webhook!(signed('{"destination":"U0"}')))).code).toBe('BAD_REQUEST');
      expect((await refused(line.webhook!(signed('{"destination":"U0","events":[{"type":"message"}]}')))).code).toBe('BAD_REQUEST');
      expect((await refused(line.webhook!(signed('{"destination":"U0","events":[42]}')))).code).toBe('BAD_REQUEST');
    });

    it('answers the console verify call (no events) with 200', async () => {
      const r = await line.webhook!(fake.delivery([]));
      expect(r).toMatchObject({ messages: [], events: [], response: { status: 200 } });
    });

    it('keeps webhookEventId across redeliveries, ignores standby and non-text, maps follow/unfollow', async () => {
      const first = fake.textEvent('U2222', 'hello', { webhookEventId: '01HREDELIVERY0000000000000' });
      const again = { ...first, deliveryContext: { isRedelivery: true } };
      const a = await line.webhook!(fake.delivery([first]));
      const b = await line.webhook!(fake.delivery([again]));
      expect(b.messages[0]!.messageId).toBe(a.messages[0]!.messageId);
      const mixed = await line.webhook!(
        fake.delivery([fake.textEvent('U2222', 'not ours', { mode: 'standby' }), fake.stickerEvent('U2222'), fake.followEvent('U3333'), fake.unfollowEvent('U4444')]),
      );
      expect(mixed.messages).toEqual([]);
      expect(mixed.events).toEqual([
        { channelUserId: 'U3333', type: 'opted_in', at: expect.any(String) },
        { channelUserId: 'U4444', type: 'blocked', at: expect.any(String) },
      ]);
    });
  });

  describe('send', () => {
    it('replies with a fresh reply token, quick replies cut to 20 characters sending the whole label', async () => {
      const contact = await inbound(line, fake, 'U5000');
      const quickReplies = [
        { label: 'Repair', payload: 'demand:repair' },
        { label: 'An apology and an explanation', payload: 'demand:apology' },
      ];
      await line.send('U5000', { text: 'What would you like us to do?', quickReplies }, ctx({ contact, effectId: 'e-r1' }));
      const [msg] = fake.sentTo('U5000');
      expect(msg).toMatchObject({ via: 'reply', text: 'What would you like us to do?' });
      expect(msg!.quickReply).toEqual([
        { label: 'Repair', text: 'Repair' },
        { label: 'An apology and an ex', text: 'An apology and an explanation' },
      ]);
      // A tap comes back as an ordinary text message with the whole label.
      const tap = await line.webhook!(fake.delivery([fake.tapEvent('U5000', 1)]));
      expect(tap.messages[0]!.text).toBe('An apology and an explanation');
    });

    it('uses a reply token once; a second send pushes', async () => {
      const contact = await inbound(line, fake, 'U5001');
      await line.send('U5001', { text: 'one' }, ctx({ contact, effectId: 'e-a' }));
      await line.send('U5001', { text: 'two' }, ctx({ contact, effectId: 'e-b' }));
      expect(fake.sentTo('U5001').map((s) => [s.via, s.text])).toEqual([
        ['reply', 'one'],
        ['push', 'two'],
      ]);
      expect(fake.sentTo('U5001')[1]!.retryKey).toBe(retryKeyFor('e-b', 0));
    });

    it('pushes when the token is older than 50 s, when the send is a push, or when LINE refuses the token', async () => {
      const contact = await inbound(line, fake, 'U5002');
      clock.now = new Date(Date.parse(contact.replyTokenAt as string) + 50_000);
      await line.send('U5002', { text: 'late' }, ctx({ contact, effectId: 'e-late' }));
      clock.now = new Date();
      const fresh = await inbound(line, fake, 'U5002');
      await line.send('U5002', { text: 'agent' }, ctx({ mode: 'push', contact: fresh, effectId: 'e-agent' }));
      fake.expire(fresh.replyToken as string);
      await line.send('U5002', { text: 'stale at LINE' }, ctx({ contact: fresh, effectId: 'e-stale' }));
      expect(fake.sentTo('U5002').map((s) => [s.via, s.text])).toEqual([
        ['push', 'late'],
        ['push', 'agent'],
        ['push', 'stale at LINE'],
      ]);
    });

    it('a retried push reuses its retry key derived from effectId: the 409 counts as sent', async () => {
      fake.befriend('U5003');
      await line.send('U5003', { text: 'Your ticket was updated.' }, ctx({ mode: 'push', effectId: 'e-409' }));
      // Another process (no memory of the first) retries the same outbox entry.
      const other = createLine(env(), deps());
      await other.send('U5003', { text: 'Your ticket was updated.' }, ctx({ mode: 'push', effectId: 'e-409' }));
      expect(fake.sentTo('U5003')).toHaveLength(1);
      const pushes = fake.requests.filter((r) => r.path === '/v2/bot/message/push' && r.retryKey === retryKeyFor('e-409', 0));
      expect(pushes.map((p) => p.status)).toEqual([200, 409]);
      expect(retryKeyFor('e-409', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(retryKeyFor('e-409', 1)).not.toBe(retryKeyFor('e-409', 0));
    });

    it('degrades more than 13 choices to numbered options', async () => {
      fake.befriend('U5004');
      const quickReplies = Array.from({ length: 14 }, (_, i) => ({ label: `Option ${i + 1}`, payload: `o${i + 1}` }));
      await line.send('U5004', { text: 'Pick one.', quickReplies }, ctx({ mode: 'push', locale: 'zh-TW' }));
      const [msg] = fake.sentTo('U5004');
      expect(msg!.quickReply).toEqual([]);
      expect(msg!.text).toMatch(/^Pick one\.\n1\. Option 1\n[\s\S]*14\. Option 14\n請回覆數字 1–14 選擇。$/);
    });

    it('splits long texts at 5000 characters and more than 5 parts across requests', async () => {
      const contact = await inbound(line, fake, 'U5005');
      const sentence = 'We checked the meter and the readings are correct. ';
      const long = sentence.repeat(Math.ceil((5000 * 5.5) / sentence.length));
      await line.send('U5005', { text: long }, ctx({ contact, effectId: 'e-long' }));
      const parts = fake.sentTo('U5005');
      expect(parts.length).toBe(6);
      for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(5000);
      expect(parts.map((p) => p.via)).toEqual(['reply', 'reply', 'reply', 'reply', 'reply', 'push']);
      expect(parts.map((p) => p.text).join(' ')).toBe(long.trim());
      // The outbox retries the entry: the replied part is not pushed again, the pushed one is a 409.
      await line.send('U5005', { text: long }, ctx({ contact, effectId: 'e-long' }));
      expect(fake.sentTo('U5005').length).toBe(6);
    });

    it('backs off on 429 and retries with the same retry key, bounded', async () => {
      fake.befriend('U5006');
      fake.rateLimit(1, 1);
      const t0 = Date.now();
      await line.send('U5006', { text: 'after a pause' }, ctx({ mode: 'push', effectId: 'e-429' }));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      const tries = fake.requests.filter((r) => r.retryKey === retryKeyFor('e-429', 0));
      expect(tries.map((r) => r.status)).toEqual([429, 200]);
      expect(fake.sentTo('U5006')).toHaveLength(1);

      // Rate limited throughout: 3 attempts, then an ordinary error for the outbox to retry later.
      fake.rateLimit(10);
      const err = await failure(line.send('U5006', { text: 'x' }, ctx({ mode: 'push', effectId: 'e-429b' })));
      expect(isAppError(err)).toBe(false);
      expect(err!.message).toMatch(/429/);
      expect(fake.requests.filter((r) => r.retryKey === retryKeyFor('e-429b', 0))).toHaveLength(3);

      // The monthly quota is not a rate limit: no retry in place.
      fake.rateLimit(0);
      fake.exhaustQuota();
      const quota = await failure(line.send('U5006', { text: 'y' }, ctx({ mode: 'push', effectId: 'e-quota' })));
      expect(quota!.message).toMatch(/monthly limit/);
      expect(fake.requests.filter((r) => r.retryKey === retryKeyFor('e-quota', 0))).toHaveLength(1);
    });

    // LINE's 429 carries no Retry-After: a missing header once read as "wait 0 ms" (Number(null) is 0).
    it('without a Retry-After, backs off by its own delay (baseDelayMs) before the retry', async () => {
      const own = createLine(env(), deps(), { baseDelayMs: 300 });
      fake.befriend('U5010');
      fake.rateLimitUser('U5010');
      await own.send('U5010', { text: 'after our own pause' }, ctx({ mode: 'push', effectId: 'e-429-own' }));
      const tries = fake.attemptsTo('U5010');
      expect(tries.map((t) => t.status)).toEqual([429, 200]);
      expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(270);
    });

    it('an unknown user is UNREACHABLE; a blocked one is accepted silently, as LINE does', async () => {
      const err = await refused(line.send('Udeadbeef', { text: 'hello' }, ctx({ mode: 'push', effectId: 'e-x' })));
      expect(err.code).toBe('UNREACHABLE');
      fake.befriend('U5007');
      fake.block('U5007');
      await line.send('U5007', { text: 'hello' }, ctx({ mode: 'push', effectId: 'e-y' }));
      expect(fake.sentTo('U5007')).toEqual([]);
    });

    it('a bad access token is an ordinary (retryable) error, not UNREACHABLE', async () => {
      const wrong = createLine({ ...env(), LINE_CHANNEL_ACCESS_TOKEN: 'a'.repeat(40) }, deps());
      fake.befriend('U5008');
      const err = await failure(wrong.send('U5008', { text: 'hello' }, ctx({ mode: 'push' })));
      expect(isAppError(err)).toBe(false);
      expect(err!.message).toMatch(/401/);
      expect(err!.message).not.toContain(fake.channelAccessToken);
    });

    it('canSend: yes unless the customer is unreachable', () => {
      const now = new Date('2026-11-24T02:00:00Z');
      expect(line.canSend!({ sentSinceInbound: 0 }, 'push', now)).toEqual({ allowed: 'yes' });
      expect(line.canSend!({ sentSinceInbound: 99, lastInboundAt: '2025-01-01T00:00:00Z' }, 'push', now)).toEqual({ allowed: 'yes' });
      expect(line.canSend!({ sentSinceInbound: 0, unreachable: { reason: 'blocked', at: now.toISOString() } }, 'push', now).allowed).toBe('no');
    });
  });

  describe('configuration', () => {
    const good = { LINE_CHANNEL_SECRET: '0123456789abcdef0123456789abcdef', LINE_CHANNEL_ACCESS_TOKEN: 'x'.repeat(40) };
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
      expect(problem({ ...good, LINE_CHANNEL_SECRET: undefined })).toMatch(/^LINE_CHANNEL_SECRET: missing/);
      expect(problem({ ...good, LINE_CHANNEL_SECRET: 'short-secret-value' })).toMatch(/^LINE_CHANNEL_SECRET: malformed/);
      expect(problem({ ...good, LINE_CHANNEL_SECRET: 'short-secret-value' })).not.toContain('short-secret-value');
      expect(problem({ ...good, LINE_CHANNEL_ACCESS_TOKEN: undefined })).toMatch(/^LINE_CHANNEL_ACCESS_TOKEN: missing/);
      expect(problem({ ...good, LINE_CHANNEL_ACCESS_TOKEN: 'has spaces in it and is long enough' })).toMatch(/^LINE_CHANNEL_ACCESS_TOKEN: malformed/);
      expect(problem({ ...good, LINE_API_BASE: 'nope' })).toMatch(/^LINE_API_BASE: not a URL/);
      expect(problem({ ...good, LINE_API_BASE: 'http://127.0.0.1:9/line' })).toMatch(/^LINE_API_BASE: .*path/);
      expect(problem({ ...good, LINE_API_BASE: 'http://127.0.0.1:9/' })).toBe('no error');
      expect(problem(good)).toBe('no error');
      expect(definition.env).toEqual(['LINE_CHANNEL_SECRET', 'LINE_CHANNEL_ACCESS_TOKEN', 'LINE_API_BASE']);
    });
  });
});

// LINE-specific paths through the real service (in process, memory store), @line/bot-sdk against the fake.
describe('line through the service', () => {
  let fake: LineFake;
  let service: Service;
  let dispose: () => Promise<void>;
  const BASE = PUBLIC_BASE;

  beforeAll(async () => {
    fake = await startLineFake();
    ({ service, dispose } = channelService([definition], { LINE_CHANNEL_SECRET: fake.channelSecret, LINE_CHANNEL_ACCESS_TOKEN: fake.channelAccessToken, LINE_API_BASE: fake.baseURL }));
    await service.engine.start();
  });
  afterAll(async () => {
    await dispose?.();
    await fake.close();
  });

  const post = (events: Record<string, unknown>[]) => {
    const d = fake.delivery(events);
    return service.app.request(`${BASE}/webhooks/line`, { method: 'POST', headers: d.headers, body: d.body });
  };

  it('answers with the free reply token, a tapped quick reply picks its option, an agent message is pushed with a retry key', async () => {
    const user = 'U0000000000000000000000000000a001';
    expect((await post([fake.textEvent(user, 'I want to file a complaint')])).status).toBe(200);
    await until(() => fake.sentTo(user).length > 0);
    const first = fake.sentTo(user);
    expect(first.every((s) => s.via === 'reply')).toBe(true);
    const withChoices = first.at(-1)!;
    expect(withChoices.quickReply.length).toBeGreaterThan(2);
    const before = fake.sentTo(user).length;
    expect((await post([fake.tapEvent(user, 1)])).status).toBe(200);
    await until(() => fake.sentTo(user).length > before);
    expect(fake.sentTo(user).slice(before).map((s) => s.text).join('\n')).toMatch(/what happened/i);

    const conv = (await service.store.findConversation('line', user))!;
    const n = fake.sentTo(user).length;
    await service.engine.agentMessage(conv.id, 'This is Li from the service team.');
    await until(() => fake.sentTo(user).length > n);
    const pushed = fake.sentTo(user).at(-1)!;
    expect(pushed).toMatchObject({ via: 'push', text: expect.stringContaining('This is Li') });
    expect(pushed.retryKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('an unfollow (block) marks the customer unreachable: later messages are not pushed', async () => {
    const user = 'U0000000000000000000000000000a002';
    await post([fake.textEvent(user, 'Hello')]);
    await until(() => fake.sentTo(user).length > 0);
    expect((await post([fake.unfollowEvent(user)])).status).toBe(200);
    const conv = (await service.store.findConversation('line', user))!;
    expect(conv.contact?.unreachable?.reason).toBe('blocked');
    const pushes = fake.requests.filter((r) => r.path === '/v2/bot/message/push').length;
    await service.engine.agentMessage(conv.id, 'An update.');
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.requests.filter((r) => r.path === '/v2/bot/message/push').length).toBe(pushes);
  });
});

// The end-to-end suite: the real service with LINE enabled by its variables, @line/bot-sdk against the fake.
{
  let fake: LineFake;
  const userOf = (user: string) => `U${Buffer.from(user).toString('hex').padEnd(32, '0').slice(0, 32)}`;
  const deliveries = new Map<string, Record<string, unknown>>();
  channelConformance({
    kind: 'webhook',
    name: 'line',
    definition,
    async start() {
      fake = await startLineFake();
      return { LINE_CHANNEL_SECRET: fake.channelSecret, LINE_CHANNEL_ACCESS_TOKEN: fake.channelAccessToken, LINE_API_BASE: fake.baseURL };
    },
    stop: () => fake.close(),
    inbound(user, text, deliveryId): Delivery {
      // One event per delivery id: the same delivery posted twice is a LINE redelivery (same webhookEventId).
      if (!deliveries.has(deliveryId)) deliveries.set(deliveryId, fake.textEvent(userOf(user), text));
      const d = fake.delivery([deliveries.get(deliveryId)!]);
      return { method: 'POST', path: '/webhooks/line', headers: d.headers, body: d.body };
    },
    forge: (d) => ({ ...d, headers: { ...d.headers, 'x-line-signature': fake.sign(`${d.body} `) } }),
    unsigned: (d) => ({ ...d, headers: Object.fromEntries(Object.entries(d.headers).filter(([k]) => k.toLowerCase() !== 'x-line-signature')) }),
    malformed() {
      const body = '{"destination":"U0","events":{}}';
      return { method: 'POST', path: '/webhooks/line', headers: { 'content-type': 'application/json', 'x-line-signature': fake.sign(body) }, body };
    },
    sent: (user): Sent[] => fake.sentTo(userOf(user)).map((s) => ({ text: s.text, ...(s.quickReply.length ? { buttons: s.quickReply.map((q) => q.label) } : {}) })),
    channelUserId: userOf,
    // Push works any time for a friend (it counts against the monthly quota).
    window: 'none',
    // LINE's 429 says nothing about when to retry: the adapter backs off by itself (meant to be 1 s, doubling;
    // see the known bug above: it retries at once).
    rateLimitNext(user) {
      fake.rateLimitUser(userOf(user));
      return { retryAfter: false };
    },
    attempts: (user) => fake.attemptsTo(userOf(user)).map((a) => ({ at: a.at, limited: a.status === 429 })),
  });
}
