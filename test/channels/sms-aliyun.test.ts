import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelDeps, SendContext } from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { silentLogger } from '../../engine/log.ts';
import { definition, toAliyunNumber, uplinkToE164 } from '../../adapters/sms-aliyun/index.ts';
import { SHORTENED } from '../../adapters/sms-twilio/sms-text.ts';
import { AliyunSmsFake } from '../fakes/aliyun-sms.ts';
import { rejectsWith, memoryKv } from './helpers.ts';
import { channelConformance, PUBLIC_BASE, type Delivery } from './conformance.ts';
import { createHash } from 'node:crypto';
import type { WebhookRequest } from '../../engine/channels.ts';

const AK = 'LTAI5tFakeAccessKey123';
const SK = 'FakeSecretFakeSecretFakeSecret';
const SIGN = '投诉服务';
const TEMPLATE = 'SMS_465830112';
const SECRET = 'uplink-secret-0123456789';
const URL_PUBLIC = `https://bot.example.com/webhooks/sms/aliyun?token=${SECRET}`;
const PHONE = '13912345678';
const E164 = '+8613912345678';
/** The conformance run uses a lifted variable limit (长变量, granted on application): the bot's replies run to about 300 characters, 9 SMS at the default 35. The adapter tests keep 35. */
const CONFORMANCE_PARAM_MAX = 300;

const NOW = new Date('2025-03-04T05:06:07.000Z');
const deps = (): ChannelDeps => ({ kv: memoryKv(), log: silentLogger(), now: () => NOW });
const ctx = (over: Partial<SendContext> = {}): SendContext => ({ conversationId: 'c1', mode: 'push', live: false, n: 2, locale: 'zh-CN', template: true, ...over });

describe('sms-aliyun adapter', () => {
  let fake: AliyunSmsFake;
  let env: Record<string, string>;
  let adapter: ChannelAdapter;

  beforeAll(async () => {
    fake = await new AliyunSmsFake({ accessKeyId: AK, accessKeySecret: SK, signName: SIGN, templateCode: TEMPLATE, template: '您的投诉有新消息：${content}' }).start();
    env = {
      ALIYUN_ACCESS_KEY_ID: AK,
      ALIYUN_ACCESS_KEY_SECRET: SK,
      ALIYUN_SMS_SIGN: SIGN,
      ALIYUN_SMS_TEMPLATE_CODE: TEMPLATE,
      ALIYUN_SMS_ENDPOINT: fake.endpoint,
      ALIYUN_SMS_UPLINK_SECRET: SECRET,
    };
  });
  afterAll(async () => fake.stop());
  beforeEach(() => {
    fake.reset();
    adapter = definition.create(env, deps());
  });

  describe('uplink webhook (上行)', () => {
    it('accepts a push with the secret and reads each reply as a message keyed by sequence_id', async () => {
      const req = fake.uplink(URL_PUBLIC, [
        { phone: PHONE, content: '我的快递一直没到', sequenceId: 9001, sendTime: '2025-03-04 13:06:07' },
        { phone: '13800001111', content: '2', sequenceId: 9002 },
      ]);
      const r = await adapter.webhook!(req);
      expect(r.messages).toEqual([
        { channel: 'sms-aliyun', channelUserId: E164, text: '我的快递一直没到', messageId: '9001', timestamp: '2025-03-04T05:06:07.000Z', localeHint: 'zh-CN' },
        expect.objectContaining({ channelUserId: '+8613800001111', text: '2', messageId: '9002' }),
      ]);
      expect(r.response).toEqual({
        status: 200,
        body: JSON.stringify({ code: 0, msg: '接收成功' }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(JSON.parse(r.response.body!)).toEqual({ code: 0, msg: '接收成功' });
    });

    it('refuses a missing or wrong secret before reading the body', async () => {
      const good = fake.uplink(URL_PUBLIC, [{ phone: PHONE, content: 'hi' }]);
      await rejectsWith(adapter.webhook!({ ...good, url: 'https://bot.example.com/webhooks/sms/aliyun' }), 'UNAUTHORIZED');
      await rejectsWith(adapter.webhook!({ ...good, url: URL_PUBLIC.replace(SECRET, `${SECRET}x`) }), 'UNAUTHORIZED');
      await rejectsWith(adapter.webhook!({ ...good, url: URL_PUBLIC.replace(SECRET, 'short') }), 'UNAUTHORIZED');
      // Garbage without the secret: unauthorized, not a parse error.
      await rejectsWith(adapter.webhook!({ ...good, url: 'https://bot.example.com/webhooks/sms/aliyun?token=', body: '{{{' }), 'UNAUTHORIZED');
    });

    it('answers a malformed push with BAD_REQUEST', async () => {
      const base = fake.uplink(URL_PUBLIC, []);
      await rejectsWith(adapter.webhook!({ ...base, body: 'not json' }), 'BAD_REQUEST');
      await rejectsWith(adapter.webhook!({ ...base, body: JSON.stringify({ phone_number: PHONE }) }), 'BAD_REQUEST');
      await rejectsWith(adapter.webhook!({ ...base, body: JSON.stringify([{ phone_number: PHONE, content: 'x' }]) }), 'BAD_REQUEST');
      await rejectsWith(adapter.webhook!({ ...base, body: JSON.stringify([{ phone_number: 'abc', content: 'x', sequence_id: 1 }]) }), 'BAD_REQUEST');
      await rejectsWith(adapter.webhook!({ ...base, body: JSON.stringify([{ phone_number: PHONE, sequence_id: 1 }]) }), 'BAD_REQUEST');
      expect((await adapter.webhook!(base)).messages).toEqual([]);
    });

    it('turns 退订 / TD / T and the like into an opt-out event without a bot turn', async () => {
      for (const content of ['退订', 'TD', 'td', 'T', ' 退订。', 'R', '拒收']) {
        const r = await adapter.webhook!(fake.uplink(URL_PUBLIC, [{ phone: PHONE, content }]));
        expect(r.messages, content).toEqual([]);
        expect(r.events, content).toEqual([{ channelUserId: E164, type: 'opted_out', at: '2025-03-04T05:06:07.000Z' }]);
      }
      const r = await adapter.webhook!(fake.uplink(URL_PUBLIC, [{ phone: PHONE, content: '我不想退订，只想要退款' }]));
      expect(r.messages).toHaveLength(1);
    });

    it('keeps a 退订 itself: later sends to that number (the SMS fallback too) are UNREACHABLE until the customer writes again', async () => {
      await adapter.webhook!(fake.uplink(URL_PUBLIC, [{ phone: PHONE, content: '退订' }]));
      // The fallback sends to the phone as the engine keeps it (11 digits), not to the +86 id.
      await rejectsWith(adapter.send(PHONE, { text: '满意度回访。' }, ctx()), 'UNREACHABLE');
      await rejectsWith(adapter.send(E164, { text: '满意度回访。' }, ctx()), 'UNREACHABLE');
      expect(fake.requests).toBe(0);
      // Another number is not affected.
      await adapter.send('13800001111', { text: '满意度回访。' }, ctx());
      expect(fake.requests).toBe(1);
      // The customer writes again: reachable again, and the message reaches the bot.
      const r = await adapter.webhook!(fake.uplink(URL_PUBLIC, [{ phone: PHONE, content: '我还有问题', sequenceId: 77 }]));
      expect(r.events).toEqual([{ channelUserId: E164, type: 'opted_in', at: '2025-03-04T05:06:07.000Z' }]);
      expect(r.messages.map((m) => m.text)).toEqual(['我还有问题']);
      await adapter.send(PHONE, { text: '好的。' }, ctx());
      expect(fake.valuesTo(PHONE)).toEqual(['好的。']);
      // And only once: the next message carries no event.
      const again = await adapter.webhook!(fake.uplink(URL_PUBLIC, [{ phone: PHONE, content: '谢谢', sequenceId: 78 }]));
      expect(again.events).toBeUndefined();
    });

    it('skips replies to another signature on the same account', async () => {
      const r = await adapter.webhook!(fake.uplink(URL_PUBLIC, [{ phone: PHONE, content: '你好', signName: '别的签名' }]));
      expect(r.messages).toEqual([]);
      const bracketed = await adapter.webhook!(fake.uplink(URL_PUBLIC, [{ phone: PHONE, content: '你好', signName: `【${SIGN}】` }]));
      expect(bracketed.messages).toHaveLength(1);
    });

    it('has no webhook when no uplink secret is configured (outbound only)', () => {
      const outboundOnly = definition.create({ ...env, ALIYUN_SMS_UPLINK_SECRET: '' }, deps());
      expect(outboundOnly.webhook).toBeUndefined();
      expect(outboundOnly.path).toBeUndefined();
      expect(adapter.path).toBe('/webhooks/sms/aliyun');
    });
  });

  describe('send', () => {
    it('sends the approved template with the text in its variable, signed ACS3-HMAC-SHA256', async () => {
      await adapter.send(E164, { text: '您的投诉已受理，我们会尽快处理。' }, ctx());
      expect(fake.badSignatures).toBe(0);
      expect(fake.sent).toEqual([
        expect.objectContaining({
          phoneNumbers: PHONE,
          signName: SIGN,
          templateCode: TEMPLATE,
          params: { content: '您的投诉已受理，我们会尽快处理。' },
          text: '【投诉服务】您的投诉有新消息：您的投诉已受理，我们会尽快处理。',
        }),
      ]);
    });

    it('takes the engine form of a mainland phone (11 digits) and international E.164', async () => {
      await adapter.send(PHONE, { text: '进展更新。' }, ctx());
      await adapter.send('+85291234567', { text: 'Update.' }, ctx({ locale: 'en' }));
      expect(fake.sent.map((s) => s.phoneNumbers)).toEqual([PHONE, '85291234567']);
      await rejectsWith(adapter.send('wx-openid-123', { text: 'x' }, ctx()), 'UNREACHABLE');
      expect(toAliyunNumber('0086 139-1234-5678')).toBe(PHONE);
      expect(uplinkToE164('8613912345678')).toBe(E164);
    });

    it('uses the configured variable name', async () => {
      const fake2 = await new AliyunSmsFake({ accessKeyId: AK, accessKeySecret: SK, signName: SIGN, templateCode: TEMPLATE, template: '客服回复：${msg}' }).start();
      try {
        const a = definition.create({ ...env, ALIYUN_SMS_ENDPOINT: fake2.endpoint, ALIYUN_SMS_TEMPLATE_PARAM: 'msg' }, deps());
        await a.send(E164, { text: '好的。' }, ctx());
        expect(fake2.sent[0]?.text).toBe('【投诉服务】客服回复：好的。');
      } finally {
        await fake2.stop();
      }
    });

    it('splits a long text into sends of at most 35 characters at sentence ends, options whole, at most 3', async () => {
      const text = '您的投诉已转交商家处理。商家承诺三个工作日内联系您。请问问题解决了吗？';
      const quickReplies = [
        { label: '已解决', payload: 'yes' },
        { label: '未解决', payload: 'no' },
      ];
      await adapter.send(E164, { text, quickReplies }, ctx());
      const values = fake.valuesTo(PHONE);
      expect(values.length).toBeGreaterThan(1);
      expect(values.length).toBeLessThanOrEqual(3);
      for (const v of values) expect([...v].length).toBeLessThanOrEqual(35);
      expect(values.at(-1)).toMatch(/1\. 已解决\n2\. 未解决\n请回复数字 1 或 2 选择。$/);
      expect(values.join('')).toContain('您的投诉已转交商家处理。');
    });

    it('cuts a text that would take more than ALIYUN_SMS_MAX_PARTS sends and marks it', async () => {
      const text = '我们已经收到您的投诉，非常抱歉给您带来不便。'.repeat(10);
      await adapter.send(E164, { text }, ctx());
      const values = fake.valuesTo(PHONE);
      expect(values).toHaveLength(3);
      expect(values.at(-1)).toMatch(new RegExp(`${SHORTENED['zh-CN'].replace(/[()（）]/g, '.')}$`));
      fake.reset();
      const longer = definition.create({ ...env, ALIYUN_SMS_PARAM_MAX: '500', ALIYUN_SMS_MAX_PARTS: '1' }, deps());
      // The fake enforces 35: a lifted limit is the account's business, so only check what was attempted.
      await expect(longer.send(E164, { text }, ctx())).rejects.toThrow(/isv\.PARAM_LENGTH_LIMIT/);
    });

    it('never cuts the numbered options: when they alone fill the parts, the body keeps one', async () => {
      const labels = ['无预告停电', '频繁停电', '恢复太慢', '账单错误', '电表故障', '电价争议', '服务态度', '维修拖延', '设备故障', '安装接电', '其他'];
      const quickReplies = labels.map((label, i) => ({ label, payload: `c${i}` }));
      const short = '请问以下哪一项最符合您遇到的问题？';
      await adapter.send(E164, { text: short, quickReplies }, ctx());
      expect(fake.valuesTo(PHONE)[0]).toBe(short); // fits: not marked
      fake.reset();
      await adapter.send(E164, { text: `${short}我们会据此安排专人跟进处理，请您耐心等待。`, quickReplies }, ctx());
      const values = fake.valuesTo(PHONE);
      for (const v of values) expect([...v].length).toBeLessThanOrEqual(35);
      const all = values.join('\n');
      labels.forEach((label, i) => expect(all).toContain(`${i + 1}. ${label}`));
      expect(all).toContain('请回复数字 1–11 选择。');
      expect(values[0]).toMatch(/^请问以下哪一项最符合您遇到的问题？（内容较长，已省略）$/);
    });

    it('replaces 【】 in the text, which Aliyun refuses in variables', async () => {
      await adapter.send(E164, { text: '【重要】请查收。' }, ctx());
      expect(fake.valuesTo(PHONE)).toEqual(['[重要]请查收。']);
    });

    it('throws a retryable error on flow control (isv.BUSINESS_LIMIT_CONTROL) and sends nothing', async () => {
      fake.limitNext(1);
      const err = await adapter.send(E164, { text: '进展更新。' }, ctx()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(AppError);
      expect((err as Error).message).toMatch(/isv\.BUSINESS_LIMIT_CONTROL/);
      expect(fake.sent).toEqual([]);
      expect(fake.requests).toBe(1);
      // The outbox's later attempt goes through.
      await adapter.send(E164, { text: '进展更新。' }, ctx());
      expect(fake.valuesTo(PHONE)).toEqual(['进展更新。']);
    });

    it('enforces the 50-a-day notification limit through the same path', async () => {
      const f = await new AliyunSmsFake({ accessKeyId: AK, accessKeySecret: SK, signName: SIGN, templateCode: TEMPLATE, template: '${content}', dailyLimit: 2 }).start();
      try {
        const a = definition.create({ ...env, ALIYUN_SMS_ENDPOINT: f.endpoint }, deps());
        await a.send(E164, { text: '一。' }, ctx());
        await a.send(E164, { text: '二。' }, ctx());
        await expect(a.send(E164, { text: '三。' }, ctx())).rejects.toThrow(/flow control/);
      } finally {
        await f.stop();
      }
    });

    it('retries API throttling once, after x-acs-retry-after (bounded to 1 s)', async () => {
      fake.throttleNext(1);
      const started = Date.now();
      await adapter.send(E164, { text: '好的。' }, ctx());
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(fake.requests).toBe(2);
      fake.reset();
      fake.throttleNext(5);
      await expect(adapter.send(E164, { text: '好的。' }, ctx())).rejects.toThrow(/HTTP 400, Throttling\.User/);
      expect(fake.requests).toBe(2);
    });

    it('throws UNREACHABLE when Aliyun says the number is not valid, and a plain error for other codes', async () => {
      await rejectsWith(adapter.send('+8612345', { text: 'x' }, ctx()), 'UNREACHABLE'); // not even a number we would send
      const wrongTemplate = definition.create({ ...env, ALIYUN_SMS_TEMPLATE_CODE: 'SMS_000000' }, deps());
      await expect(wrongTemplate.send(E164, { text: '你好。' }, ctx())).rejects.toThrow(/isv\.SMS_TEMPLATE_ILLEGAL/);
      const wrongKey = definition.create({ ...env, ALIYUN_ACCESS_KEY_SECRET: 'WrongSecretWrongSecretWrongSec' }, deps());
      await expect(wrongKey.send(E164, { text: '你好。' }, ctx())).rejects.toThrow(/SignatureDoesNotMatch/);
      expect(fake.badSignatures).toBe(1);
      fake.limitNext(1, 'isv.MOBILE_NUMBER_ILLEGAL');
      await rejectsWith(adapter.send(E164, { text: '你好。' }, ctx()), 'UNREACHABLE');
    });

    it('does not resend parts an earlier attempt of the same outbox entry delivered', async () => {
      const a = definition.create(env, deps());
      const text = '您的投诉已转交商家处理，商家承诺三个工作日内联系您。感谢您的耐心等待，如有问题请直接回复本短信。';
      // The first part goes, the second hits flow control: the attempt fails after part 1.
      fake.onSent = () => {
        fake.limitNext(1);
        fake.onSent = undefined;
      };
      await expect(a.send(E164, { text }, ctx({ effectId: 'e-1' }))).rejects.toThrow(/flow control/);
      expect(fake.valuesTo(PHONE)).toHaveLength(1);
      // The outbox tries the entry again: only the missing parts go.
      await a.send(E164, { text }, ctx({ effectId: 'e-1' }));
      const values = fake.valuesTo(PHONE);
      expect(values.length).toBeGreaterThan(1);
      expect(new Set(values).size).toBe(values.length);
      expect(values.join('')).toBe(text);
      // A third attempt (e.g. after a crash before the outbox marked it done) sends nothing.
      await a.send(E164, { text }, ctx({ effectId: 'e-1' }));
      expect(fake.valuesTo(PHONE)).toEqual(values);
    });
  });

  describe('canSend', () => {
    it('is always "template" (only approved templates go), and no once the customer unsubscribed', () => {
      const at = new Date('2025-06-01T00:00:00Z');
      expect(adapter.canSend!({ sentSinceInbound: 0 }, 'push', at)).toEqual({ allowed: 'template' });
      expect(adapter.canSend!({ sentSinceInbound: 0, lastInboundAt: at.toISOString() }, 'reply', at)).toEqual({ allowed: 'template' });
      expect(adapter.canSend!({ sentSinceInbound: 0, unreachable: { reason: 'opted_out', at: at.toISOString() } }, 'push', at)).toMatchObject({ allowed: 'no' });
    });
  });

  describe('create', () => {
    const bad = (over: Record<string, string | undefined>, variable: string) => {
      let err: unknown;
      try {
        definition.create({ ...env, ...over }, deps());
      } catch (e) {
        err = e;
      }
      expect(err, variable).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('CONFIG_INVALID');
      expect((err as AppError).message.startsWith(`${variable}:`)).toBe(true);
      for (const v of Object.values(over)) if (v && v.length > 3) expect((err as AppError).message).not.toContain(v);
    };

    it('names the missing or malformed variable and never its value', () => {
      bad({ ALIYUN_ACCESS_KEY_ID: undefined }, 'ALIYUN_ACCESS_KEY_ID');
      bad({ ALIYUN_ACCESS_KEY_ID: 'LTAI/bad key' }, 'ALIYUN_ACCESS_KEY_ID');
      bad({ ALIYUN_ACCESS_KEY_SECRET: '' }, 'ALIYUN_ACCESS_KEY_SECRET');
      bad({ ALIYUN_ACCESS_KEY_SECRET: 'has spaces in the secret value' }, 'ALIYUN_ACCESS_KEY_SECRET');
      bad({ ALIYUN_SMS_SIGN: undefined }, 'ALIYUN_SMS_SIGN');
      bad({ ALIYUN_SMS_SIGN: '【投诉服务】' }, 'ALIYUN_SMS_SIGN');
      bad({ ALIYUN_SMS_TEMPLATE_CODE: 'TPL_123' }, 'ALIYUN_SMS_TEMPLATE_CODE');
      bad({ ALIYUN_SMS_TEMPLATE_PARAM: '1content' }, 'ALIYUN_SMS_TEMPLATE_PARAM');
      bad({ ALIYUN_SMS_PARAM_MAX: '5' }, 'ALIYUN_SMS_PARAM_MAX');
      bad({ ALIYUN_SMS_MAX_PARTS: 'many' }, 'ALIYUN_SMS_MAX_PARTS');
      bad({ ALIYUN_SMS_ENDPOINT: 'ftp://host/path' }, 'ALIYUN_SMS_ENDPOINT');
      bad({ ALIYUN_SMS_UPLINK_SECRET: 'short' }, 'ALIYUN_SMS_UPLINK_SECRET');
      bad({ ALIYUN_SMS_UPLINK_SECRET: 'has a space but is long enough' }, 'ALIYUN_SMS_UPLINK_SECRET');
    });

    it('defaults to the real endpoint and the content variable', () => {
      const a = definition.create({ ...env, ALIYUN_SMS_ENDPOINT: undefined }, deps());
      expect(a.name).toBe('sms-aliyun');
      expect(a.capabilities).toMatchObject({ choices: 'none', maxLength: 35 });
    });
  });
});

// The end-to-end suite: the real service with sms-aliyun enabled by its variables, the Aliyun SDK
// pointed at the fake, 上行 pushed as Aliyun pushes it. Replies are template sends, so what the customer
// reads is the template variable.
{
  let fake: AliyunSmsFake;
  const phones = new Map<string, string>();
  const phoneOf = (user: string) => {
    if (!phones.has(user)) phones.set(user, `1390000${String(1000 + phones.size).padStart(4, '0')}`);
    return phones.get(user)!;
  };
  const PATH = '/webhooks/sms/aliyun';
  const asDelivery = (r: WebhookRequest): Delivery => {
    const u = new URL(r.url);
    return { method: r.method, path: u.pathname, ...(u.search ? { query: u.search.slice(1) } : {}), headers: r.headers, body: r.body };
  };
  // One sequence_id per delivery id: posting the same delivery twice is Aliyun's re-push.
  const seqOf = (deliveryId: string) => Number.parseInt(createHash('sha256').update(deliveryId).digest('hex').slice(0, 12), 16);
  channelConformance({
    kind: 'webhook',
    name: 'sms-aliyun',
    definition,
    async start() {
      fake = await new AliyunSmsFake({ accessKeyId: AK, accessKeySecret: SK, signName: SIGN, templateCode: TEMPLATE, template: '${content}', paramMax: CONFORMANCE_PARAM_MAX }).start();
      return {
        ALIYUN_ACCESS_KEY_ID: AK,
        ALIYUN_ACCESS_KEY_SECRET: SK,
        ALIYUN_SMS_SIGN: SIGN,
        ALIYUN_SMS_TEMPLATE_CODE: TEMPLATE,
        ALIYUN_SMS_ENDPOINT: fake.endpoint,
        ALIYUN_SMS_UPLINK_SECRET: SECRET,
        ALIYUN_SMS_PARAM_MAX: String(CONFORMANCE_PARAM_MAX),
      };
    },
    stop: () => fake.stop(),
    inbound: (user, text, deliveryId) =>
      asDelivery(fake.uplink(`${PUBLIC_BASE}${PATH}?token=${SECRET}`, [{ phone: phoneOf(user), content: text, sequenceId: seqOf(deliveryId) }])),
    forge: (d) => ({ ...d, query: 'token=not-the-uplink-secret' }),
    // Aliyun signs nothing: the token in the URL is the only proof, and here there is none.
    unsigned: ({ query: _query, ...d }) => d,
    malformed: () => asDelivery({ ...fake.uplink(`${PUBLIC_BASE}${PATH}?token=${SECRET}`, []), body: '{"phone_number": "13900001111"' }),
    // Every send is the approved template (SendSms with TemplateCode).
    sent: (user) => fake.valuesTo(phoneOf(user)).map((text) => ({ text, template: true })),
    channelUserId: (user) => `+86${phoneOf(user)}`,
    // Only approved templates, at any time.
    window: { template: true },
    // API throttling: HTTP 400 Throttling.User with x-acs-retry-after (ms); the adapter waits it out once (≤ 1 s).
    rateLimitNext(user, seconds) {
      fake.throttleNumber(phoneOf(user), seconds * 1000);
      return { retryAfter: true };
    },
    attempts: (user) => fake.attemptsTo(phoneOf(user)).map((a) => ({ at: a.at, limited: a.code.startsWith('Throttling') })),
  });
}
