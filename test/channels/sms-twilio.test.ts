import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelDeps, SendContext } from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { silentLogger } from '../../engine/log.ts';
import { definition, GSM7_PART, UCS2_PART } from '../../adapters/sms-twilio/index.ts';
import { segmentsOf, SHORTENED } from '../../adapters/sms-twilio/sms-text.ts';
import { TwilioFake } from '../fakes/twilio.ts';
import { rejectsWith, memoryKv } from './helpers.ts';
import { channelConformance, PUBLIC_BASE, type Delivery } from './conformance.ts';
import { createHash } from 'node:crypto';
import type { WebhookRequest } from '../../engine/channels.ts';

const SID = `AC${'1a2b3c4d'.repeat(4)}`;
const TOKEN = 'f'.repeat(8) + '0123456789abcdef' + 'e'.repeat(8);
const FROM = '+15005550006';
const CUSTOMER = '+14155550123';
const URL_PUBLIC = 'https://bot.example.com/webhooks/sms/twilio';

const NOW = new Date('2025-03-04T05:06:07.000Z');
const deps = (): ChannelDeps => ({ kv: memoryKv(), log: silentLogger(), now: () => NOW });
const ctx = (over: Partial<SendContext> = {}): SendContext => ({ conversationId: 'c1', mode: 'reply', live: false, n: 2, locale: 'en', ...over });

describe('sms-twilio adapter', () => {
  let fake: TwilioFake;
  let env: Record<string, string>;
  let adapter: ChannelAdapter;

  beforeAll(async () => {
    fake = await new TwilioFake({ accountSid: SID, authToken: TOKEN }).start();
    env = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM, TWILIO_API_BASE: fake.base };
  });
  afterAll(async () => fake.stop());
  beforeEach(() => {
    fake.reset();
    adapter = definition.create(env, deps());
  });

  describe('webhook', () => {
    it('accepts a delivery signed by Twilio and reads it as one message', async () => {
      const req = fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'My parcel never arrived', to: FROM });
      const sid = new URLSearchParams(req.body).get('MessageSid')!;
      const result = await adapter.webhook!(req);
      expect(result.messages).toEqual([
        {
          channel: 'sms-twilio',
          channelUserId: CUSTOMER,
          text: 'My parcel never arrived',
          messageId: sid,
          timestamp: NOW.toISOString(),
          localeHint: 'en',
          contact: { to: FROM },
        },
      ]);
      expect(result.events ?? []).toEqual([]);
      expect(result.response.status).toBe(200);
      expect(result.response.headers?.['content-type']).toMatch(/^text\/xml/);
      expect(result.response.body).toMatch(/<Response\s*\/>|<Response><\/Response>/);
    });

    it('accepts the URL with a query string and a non-default port exactly as signed', async () => {
      const url = 'https://bot.example.com:8443/webhooks/sms/twilio?tenant=a%20b&x=1';
      const result = await adapter.webhook!(fake.inbound({ url, from: CUSTOMER, body: '你好，我要投诉' }));
      expect(result.messages[0]?.text).toBe('你好，我要投诉');
    });

    it('refuses a missing, forged or tampered signature before reading the body', async () => {
      const good = fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'hello' });
      const { ['x-twilio-signature']: _, ...noSig } = good.headers;
      await rejectsWith(adapter.webhook!({ ...good, headers: noSig }), 'UNAUTHORIZED');
      await rejectsWith(adapter.webhook!(fake.forged(good)), 'UNAUTHORIZED');
      // Body changed after signing.
      await rejectsWith(adapter.webhook!({ ...good, body: good.body.replace('hello', 'HELLO') }), 'UNAUTHORIZED');
      // Signed for another URL (e.g. the proxy's internal one).
      await rejectsWith(adapter.webhook!({ ...good, url: 'http://10.0.0.5:3000/webhooks/sms/twilio' }), 'UNAUTHORIZED');
      // Garbage with a made-up signature: unauthorized, not a parse error.
      await rejectsWith(adapter.webhook!({ ...good, body: '%%%\u0000{', headers: { ...good.headers, 'x-twilio-signature': 'abc=' } }), 'UNAUTHORIZED');
      // A signature made with another account's token.
      const other = new TwilioFake({ accountSid: SID, authToken: 'a'.repeat(32) });
      await rejectsWith(adapter.webhook!(other.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'hi' })), 'UNAUTHORIZED');
    });

    it('answers a signed but malformed delivery with BAD_REQUEST', async () => {
      await rejectsWith(adapter.webhook!(fake.signed(URL_PUBLIC, { AccountSid: SID, From: CUSTOMER, Body: 'hi' })), 'BAD_REQUEST');
      await rejectsWith(
        adapter.webhook!(fake.signed(URL_PUBLIC, { AccountSid: SID, MessageSid: 'SMnot-a-sid', From: CUSTOMER, Body: 'hi' })),
        'BAD_REQUEST',
      );
      await rejectsWith(adapter.webhook!(fake.signed(URL_PUBLIC, { AccountSid: SID, MessageSid: `SM${'0'.repeat(32)}`, Body: 'hi' })), 'BAD_REQUEST');
      const json = fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'hi' });
      await rejectsWith(adapter.webhook!({ ...json, headers: { ...json.headers, 'content-type': 'application/json' } }), 'BAD_REQUEST');
    });

    it('turns STOP and its synonyms into an opt-out event, and START into an opt-in, without a bot turn', async () => {
      for (const body of ['STOP', 'stop', ' Unsubscribe ', 'stopall', 'End', 'QUIT', 'revoke', 'OptOut', 'cancel', 'Stop.']) {
        const r = await adapter.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body }));
        expect(r.messages, body).toEqual([]);
        expect(r.events, body).toEqual([{ channelUserId: CUSTOMER, type: 'opted_out', at: NOW.toISOString() }]);
        expect(r.response.body).not.toContain('<Message');
      }
      for (const body of ['START', 'yes', 'Unstop']) {
        const r = await adapter.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body }));
        expect(r.messages).toEqual([]);
        expect(r.events).toEqual([{ channelUserId: CUSTOMER, type: 'opted_in', at: NOW.toISOString() }]);
      }
      // Only the whole message counts.
      const r = await adapter.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'please stop charging me twice' }));
      expect(r.messages).toHaveLength(1);
      expect(r.events ?? []).toEqual([]);
    });

    it('answers HELP/INFO with a help text in the TwiML and no bot turn (configurable, or off)', async () => {
      const r = await adapter.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'help' }));
      expect(r.messages).toEqual([]);
      expect(r.response.body).toMatch(/<Message>.*STOP.*<\/Message>/s);
      const custom = definition.create({ ...env, TWILIO_HELP_TEXT: 'Acme care: call 800 & reply STOP to end' }, deps());
      const r2 = await custom.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'INFO' }));
      expect(r2.response.body).toContain('<Message>Acme care: call 800 &amp; reply STOP to end</Message>');
      const off = definition.create({ ...env, TWILIO_HELP_TEXT: 'none' }, deps());
      const r3 = await off.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'HELP' }));
      expect(r3.response.body).not.toContain('<Message');
    });

    it('gives a media-only MMS a placeholder and an empty SMS nothing', async () => {
      const mms = await adapter.webhook!(
        fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: '', extra: { NumMedia: '1', MediaContentType0: 'image/jpeg', MediaUrl0: 'https://api.twilio.com/x' } }),
      );
      expect(mms.messages[0]?.text).toBe('[image]');
      const empty = await adapter.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: '   ' }));
      expect(empty.messages).toEqual([]);
    });
  });

  describe('send', () => {
    it('sends a reply through the REST API from the number the customer texted', async () => {
      await adapter.send(CUSTOMER, { text: 'We are sorry. Your complaint is logged.' }, ctx({ contact: { to: '+15005550009' } }));
      expect(fake.sent).toEqual([expect.objectContaining({ to: CUSTOMER, from: '+15005550009', body: 'We are sorry. Your complaint is logged.' })]);
    });

    it('sends a push (agent message) from TWILIO_FROM, and through a Messaging Service when one is set', async () => {
      await adapter.send(CUSTOMER, { text: 'An agent replied.' }, ctx({ mode: 'push' }));
      expect(fake.sent.at(-1)).toMatchObject({ to: CUSTOMER, from: FROM });
      const mg = `MG${'ab'.repeat(16)}`;
      const viaService = definition.create({ ...env, TWILIO_FROM: '', TWILIO_MESSAGING_SERVICE_SID: mg }, deps());
      await viaService.send(CUSTOMER, { text: 'Progress update.' }, ctx({ mode: 'push', template: true }));
      expect(fake.sent.at(-1)).toEqual(expect.objectContaining({ to: CUSTOMER, messagingServiceSid: mg, body: 'Progress update.' }));
      expect(fake.sent.at(-1)?.from).toBeUndefined();
    });

    it('texts a mainland mobile kept without +86 (the SMS fallback) in E.164', async () => {
      await adapter.send('13912345678', { text: '您的投诉有新进展。' }, ctx({ mode: 'push', template: true, locale: 'zh-CN' }));
      expect(fake.textsTo('+8613912345678')).toEqual(['您的投诉有新进展。']);
      await rejectsWith(adapter.send('not-a-number', { text: 'x' }, ctx()), 'UNREACHABLE');
      expect(fake.requests).toBe(1);
    });

    it('shows choices as numbered options with a reply hint in the customer language', async () => {
      const quickReplies = [
        { label: 'Refund', payload: 'refund' },
        { label: 'Replacement', payload: 'replace' },
        { label: 'Something else', payload: 'other' },
      ];
      await adapter.send(CUSTOMER, { text: 'What would you like us to do?', quickReplies }, ctx());
      expect(fake.textsTo(CUSTOMER)).toEqual([
        'What would you like us to do?\n1. Refund\n2. Replacement\n3. Something else\nReply with a number from 1 to 3.',
      ]);
      await adapter.send(CUSTOMER, { text: '您希望怎么处理？', quickReplies: quickReplies.slice(0, 2) }, ctx({ locale: 'zh-CN' }));
      expect(fake.textsTo(CUSTOMER).at(-1)).toBe('您希望怎么处理？\n1. Refund\n2. Replacement\n请回复数字 1 或 2 选择。');
    });

    it('splits a long text at sentence ends into parts of at most 2 segments each', async () => {
      const en = Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} explains a further detail of your case.`).join(' ');
      await adapter.send(CUSTOMER, { text: en }, ctx());
      const parts = fake.textsTo(CUSTOMER);
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.length).toBeLessThanOrEqual(3);
      for (const p of parts) {
        expect(p.length).toBeLessThanOrEqual(GSM7_PART);
        expect(segmentsOf(p)).toBeLessThanOrEqual(2);
        expect(p).toMatch(/\.$/);
      }
      expect(parts.join(' ')).toBe(en);

      fake.reset();
      const zh = '我们已经收到您的投诉，非常抱歉给您带来不便。'.repeat(7);
      await adapter.send(CUSTOMER, { text: zh }, ctx({ locale: 'zh-CN' }));
      const zhParts = fake.textsTo(CUSTOMER);
      expect(zhParts.length).toBeGreaterThan(1);
      for (const p of zhParts) {
        expect(p.length).toBeLessThanOrEqual(UCS2_PART);
        expect(segmentsOf(p)).toBeLessThanOrEqual(2);
      }
      expect(zhParts.join('')).toBe(zh);
    });

    it('cuts a text that would take more than 3 messages, marks it, and keeps the options whole', async () => {
      const zh = '我们已经收到您的投诉，非常抱歉给您带来不便。'.repeat(30);
      const quickReplies = [
        { label: '已解决', payload: 'yes' },
        { label: '未解决', payload: 'no' },
      ];
      await adapter.send(CUSTOMER, { text: zh, quickReplies }, ctx({ locale: 'zh-CN' }));
      const parts = fake.textsTo(CUSTOMER);
      expect(parts).toHaveLength(3);
      const all = parts.join('\n');
      expect(all).toContain(SHORTENED['zh-CN']);
      expect(all).toMatch(/1\. 已解决\n2\. 未解决\n请回复数字 1 或 2 选择。$/);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(UCS2_PART);
      // Cut at a sentence end.
      expect(all).toContain(`不便。${SHORTENED['zh-CN']}\n1. 已解决`);

      fake.reset();
      const one = definition.create({ ...env, TWILIO_MAX_PARTS: '1' }, deps());
      await one.send(CUSTOMER, { text: 'Short first sentence here. ' + 'More words follow in this text. '.repeat(20) }, ctx());
      expect(fake.textsTo(CUSTOMER)).toHaveLength(1);
      expect(fake.textsTo(CUSTOMER)[0]).toMatch(/text\. \(shortened\)$/);
    });

    it('retries a 429 inside the SDK (bounded) and delivers once', async () => {
      fake.rateLimitNext(1);
      await adapter.send(CUSTOMER, { text: 'After a rate limit.' }, ctx());
      expect(fake.requests).toBe(2);
      expect(fake.textsTo(CUSTOMER)).toEqual(['After a rate limit.']);
    });

    it('gives up after a few 429s and throws a retryable error (not UNREACHABLE)', async () => {
      fake.rateLimitNext(50);
      const started = Date.now();
      const err = await adapter.send(CUSTOMER, { text: 'x' }, ctx()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(AppError);
      expect(String((err as Error).message)).toMatch(/HTTP 429/);
      expect(String((err as Error).message)).not.toContain(CUSTOMER);
      expect(fake.requests).toBe(4); // the first try and 3 retries
      expect(Date.now() - started).toBeLessThan(8000);
      expect(fake.sent).toEqual([]);
    });

    it('throws UNREACHABLE for a number that texted STOP (Twilio error 21610)', async () => {
      await adapter.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'STOP' }));
      await rejectsWith(adapter.send(CUSTOMER, { text: 'Survey: how did we do?' }, ctx({ mode: 'push' })), 'UNREACHABLE');
      expect(fake.sent).toEqual([]);
      await adapter.webhook!(fake.inbound({ url: URL_PUBLIC, from: CUSTOMER, body: 'START' }));
      await adapter.send(CUSTOMER, { text: 'Welcome back.' }, ctx({ mode: 'push' }));
      expect(fake.textsTo(CUSTOMER)).toEqual(['Welcome back.']);
    });

    it('does not resend parts an earlier attempt of the same outbox entry delivered', async () => {
      const text = Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} explains a further detail of your case.`).join(' ');
      const a = definition.create(env, deps());
      // Part 1 goes, then Twilio answers 429 until the SDK gives up: the first attempt fails after part 1.
      fake.onSent = () => {
        fake.rateLimitNext(50);
        fake.onSent = undefined;
      };
      const attempt1 = a.send(CUSTOMER, { text }, ctx({ effectId: 'out-1' }));
      await expect(attempt1).rejects.toThrow(/429/);
      expect(fake.textsTo(CUSTOMER)).toHaveLength(1);
      fake.rateLimitNext(0);
      await a.send(CUSTOMER, { text }, ctx({ effectId: 'out-1' }));
      const all = fake.textsTo(CUSTOMER);
      expect(new Set(all).size).toBe(all.length); // no part twice
      expect(all.join(' ')).toBe(text);
    });

    it('refuses a wrong auth token with a retryable error naming only the status', async () => {
      const wrong = definition.create({ ...env, TWILIO_AUTH_TOKEN: 'b'.repeat(32) }, deps());
      await expect(wrong.send(CUSTOMER, { text: 'x' }, ctx())).rejects.toThrow(/HTTP 401, Twilio error 20003/);
    });
  });

  describe('canSend', () => {
    it('allows any time unless the customer opted out', () => {
      const at = new Date('2025-06-01T00:00:00Z');
      expect(adapter.canSend!({ sentSinceInbound: 0 }, 'push', at)).toEqual({ allowed: 'yes' });
      expect(adapter.canSend!({ sentSinceInbound: 40, lastInboundAt: '2024-01-01T00:00:00Z' }, 'push', at)).toEqual({ allowed: 'yes' });
      expect(adapter.canSend!({ sentSinceInbound: 0, unreachable: { reason: 'opted_out', at: '2025-05-01T00:00:00Z' } }, 'push', at)).toMatchObject({
        allowed: 'no',
      });
    });
  });

  describe('create', () => {
    const bad = async (over: Record<string, string | undefined>, variable: string) => {
      let err: unknown;
      try {
        definition.create({ ...env, ...over }, deps());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('CONFIG_INVALID');
      expect((err as AppError).message.startsWith(`${variable}:`)).toBe(true);
      for (const v of Object.values(over)) if (v && v.length > 3) expect((err as AppError).message).not.toContain(v);
    };

    it('names the missing or malformed variable and never its value', async () => {
      await bad({ TWILIO_ACCOUNT_SID: undefined }, 'TWILIO_ACCOUNT_SID');
      await bad({ TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID');
      await bad({ TWILIO_AUTH_TOKEN: '' }, 'TWILIO_AUTH_TOKEN');
      await bad({ TWILIO_AUTH_TOKEN: 'secret-token-that-is-wrong' }, 'TWILIO_AUTH_TOKEN');
      await bad({ TWILIO_FROM: '5550006' }, 'TWILIO_FROM');
      await bad({ TWILIO_FROM: undefined }, 'TWILIO_FROM');
      await bad({ TWILIO_MESSAGING_SERVICE_SID: 'MGxyz' }, 'TWILIO_MESSAGING_SERVICE_SID');
      await bad({ TWILIO_API_BASE: 'ftp://example.com' }, 'TWILIO_API_BASE');
      await bad({ TWILIO_API_BASE: 'not a url' }, 'TWILIO_API_BASE');
      await bad({ TWILIO_MAX_PARTS: '0' }, 'TWILIO_MAX_PARTS');
      await bad({ TWILIO_MAX_PARTS: 'three' }, 'TWILIO_MAX_PARTS');
    });

    it('defaults to the real API and the standard webhook path', () => {
      const a = definition.create({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM }, deps());
      expect(a.name).toBe('sms-twilio');
      expect(a.path).toBe('/webhooks/sms/twilio');
      expect(a.capabilities).toMatchObject({ choices: 'none', markup: 'plain' });
      expect(definition.env).toContain('TWILIO_API_BASE');
    });
  });
});

// The end-to-end suite: the real service with sms-twilio enabled by its variables, the twilio SDK
// pointed at the fake, deliveries signed as Twilio signs them.
{
  let fake: TwilioFake;
  const phones = new Map<string, string>();
  const phoneOf = (user: string) => {
    if (!phones.has(user)) phones.set(user, `+1415555${String(1000 + phones.size).padStart(4, '0')}`);
    return phones.get(user)!;
  };
  const PATH = '/webhooks/sms/twilio';
  const asDelivery = (r: WebhookRequest): Delivery => {
    const u = new URL(r.url);
    return { method: r.method, path: u.pathname, ...(u.search ? { query: u.search.slice(1) } : {}), headers: r.headers, body: r.body };
  };
  // One MessageSid per delivery id: posting the same delivery twice is a Twilio retry.
  const sidOf = (deliveryId: string) => `SM${createHash('sha256').update(deliveryId).digest('hex').slice(0, 32)}`;
  channelConformance({
    kind: 'webhook',
    name: 'sms-twilio',
    definition,
    async start() {
      fake = await new TwilioFake({ accountSid: SID, authToken: TOKEN }).start();
      return { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM, TWILIO_API_BASE: fake.base };
    },
    stop: () => fake.stop(),
    inbound: (user, text, deliveryId) =>
      asDelivery(fake.inbound({ url: `${PUBLIC_BASE}${PATH}`, from: phoneOf(user), body: text, to: FROM, messageSid: sidOf(deliveryId) })),
    forge: (d) => ({ ...d, headers: { ...d.headers, 'x-twilio-signature': 'bm90LXRoZS1zaWduYXR1cmUtYXQtYWxsLg==' } }),
    unsigned: (d) => ({ ...d, headers: Object.fromEntries(Object.entries(d.headers).filter(([k]) => k.toLowerCase() !== 'x-twilio-signature')) }),
    malformed: () => asDelivery(fake.signed(`${PUBLIC_BASE}${PATH}`, { AccountSid: SID, From: phoneOf('eve'), Body: 'no MessageSid' })),
    sent: (user) => fake.textsTo(phoneOf(user)).map((text) => ({ text })),
    channelUserId: phoneOf,
    // SMS goes any time until the customer texts STOP.
    window: 'none',
    // 429 / 20429 without a documented Retry-After: the SDK's autoRetry backs off (full jitter) in place.
    rateLimitNext(user) {
      fake.rateLimitTo(phoneOf(user));
      return { retryAfter: false };
    },
    attempts: (user) => fake.attemptsTo(phoneOf(user)).map((a) => ({ at: a.at, limited: a.status === 429 })),
  });
}
