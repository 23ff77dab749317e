import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decrypt as tencentDecrypt, encrypt as tencentEncrypt, getSignature as tencentSignature } from '@wecom/crypto';
import { CAPABILITIES, createWechatOa, definition, readConfig } from '../../adapters/wechat-oa/index.ts';
import { aesKeyFrom, signatureMatches, wxDecrypt, wxEncrypt, wxSignature } from '../../adapters/channel-kit/wx-crypto.ts';
import { extractEncrypt, parseWxXml } from '../../adapters/channel-kit/wx-xml.ts';
import type { ChannelAdapter, ChannelContact, ChannelDeps, SendContext, WebhookRequest } from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { silentLogger } from '../../engine/log.ts';
import { startWechatFake, type Delivery, type WechatFake } from '../fakes/wechat.ts';
import { refused, memoryKv } from './helpers.ts';
import { channelConformance } from './conformance.ts';

const req = (d: Delivery): WebhookRequest => ({ method: d.method, url: d.url, headers: d.headers, body: d.body });
const ctx = (over: Partial<SendContext> = {}): SendContext => ({ conversationId: 'c1', mode: 'reply', live: false, n: 1, locale: 'en', ...over });
const H = 60 * 60 * 1000;

describe('wx-crypto against Tencent’s @wecom/crypto', () => {
  const encodingKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const key = aesKeyFrom(encodingKey)!;

  it('reproduces the official signature vector', () => {
    expect(wxSignature('AAAAA', '1714036504', '1514711492')).toBe('f464b24fc39322e44b38aa78f5edd27bd1441696');
    expect(signatureMatches('f464b24fc39322e44b38aa78f5edd27bd1441696', wxSignature('AAAAA', '1714036504', '1514711492'))).toBe(true);
    expect(signatureMatches('f464b24fc39322e44b38aa78f5edd27bd1441697', wxSignature('AAAAA', '1714036504', '1514711492'))).toBe(false);
    expect(signatureMatches('short', wxSignature('AAAAA', '1714036504', '1514711492'))).toBe(false);
    expect(signatureMatches(null, 'x')).toBe(false);
  });

  it('signs Encrypt as Tencent does', () => {
    expect(wxSignature('tok', '1700000000', '42', 'ENCRYPTED==')).toBe(tencentSignature('tok', '1700000000', '42', 'ENCRYPTED=='));
  });

  it('decrypts what Tencent encrypts and the reverse, at every padding length', () => {
    for (let n = 0; n < 70; n++) {
      const msg = `<xml>${'字a'.repeat(n)}</xml>`.slice(0, n + 5);
      const random = randomBytes(16);
      expect(wxDecrypt(key, tencentEncrypt(encodingKey, msg, 'wx1234567890abcdef'))).toEqual({ message: msg, receiveId: 'wx1234567890abcdef' });
      const ours = wxEncrypt(key, msg, 'ww1234567890abcdef', random);
      expect(ours).toBe(tencentEncrypt(encodingKey, msg, 'ww1234567890abcdef', random));
      expect(tencentDecrypt(encodingKey, ours)).toMatchObject({ message: msg, id: 'ww1234567890abcdef' });
    }
  });

  it('refuses bad keys and bad ciphertexts without throwing', () => {
    expect(aesKeyFrom('too-short')).toBeNull();
    expect(aesKeyFrom(`${encodingKey}!`)).toBeNull();
    expect(wxDecrypt(key, '')).toBeNull();
    expect(wxDecrypt(key, Buffer.alloc(17).toString('base64'))).toBeNull();
    const other = aesKeyFrom('ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg')!;
    const wrong = wxDecrypt(other, tencentEncrypt(encodingKey, 'hello', 'wx1234567890abcdef'));
    expect(wrong === null || wrong.receiveId !== 'wx1234567890abcdef').toBe(true);
  });
});

describe('wx-xml', () => {
  it('keeps 64-bit MsgIds as strings, reads CDATA verbatim and decodes only predefined entities', () => {
    const x = parseWxXml('<xml><MsgId>24398726543210987654</MsgId><CreateTime>1700000000</CreateTime><Content><![CDATA[a &amp; <b>]]></Content><T>x &amp; y &#x4e2d;</T><E></E></xml>');
    expect(x).toEqual({ MsgId: '24398726543210987654', CreateTime: '1700000000', Content: 'a &amp; <b>', T: 'x & y 中', E: '' });
  });

  it('refuses DOCTYPEs and entity definitions, and malformed XML, as BAD_REQUEST', async () => {
    expect((await refused(() => parseWxXml('<!DOCTYPE x [<!ENTITY a "bbbb">]><xml><A>&a;</A></xml>'))).code).toBe('BAD_REQUEST');
    expect((await refused(() => parseWxXml('<xml><A>'))).code).toBe('BAD_REQUEST');
    expect((await refused(() => parseWxXml('{"json":true}'))).code).toBe('BAD_REQUEST');
    expect((await refused(() => parseWxXml('<root><A>1</A></root>'))).code).toBe('BAD_REQUEST');
  });

  it('finds the Encrypt element without parsing', () => {
    expect(extractEncrypt('<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[ab+/=]]></Encrypt></xml>')).toBe('ab+/=');
    expect(extractEncrypt('<xml><Encrypt>abc=</Encrypt></xml>')).toBe('abc=');
    expect(extractEncrypt('<xml><Encrypt><![CDATA[a<b]]></Encrypt></xml>')).toBeNull();
  });
});

describe('wechat-oa configuration', () => {
  const good = {
    WECHAT_APP_ID: 'wx0123456789abcdef',
    WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
    WECHAT_TOKEN: 'mytoken123',
    WECHAT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  };
  const deps: ChannelDeps = { kv: memoryKv(), log: silentLogger(), now: () => new Date() };

  it('accepts good values, with plain mode when WECHAT_AES_KEY is absent', () => {
    expect(readConfig(good)).toMatchObject({ appId: good.WECHAT_APP_ID, templateId: null, apiBase: 'https://api.weixin.qq.com' });
    expect(readConfig({ ...good, WECHAT_AES_KEY: undefined }).aesKey).toBeNull();
    expect(definition.env).toEqual(['WECHAT_APP_ID', 'WECHAT_APP_SECRET', 'WECHAT_TOKEN', 'WECHAT_AES_KEY', 'WECHAT_TEMPLATE_ID', 'WECHAT_API_BASE']);
    expect(definition.create(good, deps).name).toBe('wechat-oa');
  });

  it.each([
    ['WECHAT_APP_ID', undefined],
    ['WECHAT_APP_ID', 'gh_123'],
    ['WECHAT_APP_SECRET', undefined],
    ['WECHAT_APP_SECRET', 'short-secret-value'],
    ['WECHAT_TOKEN', undefined],
    ['WECHAT_TOKEN', 'has spaces in it'],
    ['WECHAT_AES_KEY', 'abc'],
    ['WECHAT_TEMPLATE_ID', 'bad id!'],
    ['WECHAT_API_BASE', 'not a url'],
    ['WECHAT_API_BASE', 'ftp://api.example'],
  ])('%s = %s → CONFIG_INVALID naming it, never echoing the value', async (name, value) => {
    const e = await refused(() => definition.create({ ...good, [name]: value }, deps));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message.startsWith(`${name}:`)).toBe(true);
    if (value && value.length > 3) expect(e.message).not.toContain(value);
  });
});

describe('wechat-oa adapter', () => {
  let fake: WechatFake;
  const env = (over: Record<string, string | undefined> = {}) => ({
    WECHAT_APP_ID: fake.oa.appId,
    WECHAT_APP_SECRET: fake.oa.appSecret,
    WECHAT_TOKEN: fake.oa.token,
    WECHAT_AES_KEY: fake.oa.aesKey,
    WECHAT_TEMPLATE_ID: fake.oa.templateId,
    WECHAT_API_BASE: fake.url,
    ...over,
  });
  let kv: ReturnType<typeof memoryKv>;
  const make = (over: Record<string, string | undefined> = {}, sharedKv = kv): ChannelAdapter =>
    definition.create(env(over), { kv: sharedKv, log: silentLogger(), now: () => fake.now() });
  let oa: ChannelAdapter;
  let plain: ChannelAdapter;
  let n = 0;
  const user = () => `oUser${++n}_${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    fake = await startWechatFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.clearFailures();
    kv = memoryKv();
    oa = make();
    plain = make({ WECHAT_AES_KEY: undefined });
  });

  describe('webhook', () => {
    it('answers the URL check with echostr (signature over token, timestamp, nonce)', async () => {
      const d = fake.oaVerify('1234567890123');
      const r = await oa.webhook!(req(d));
      expect(r).toMatchObject({ messages: [], response: { status: 200, body: '1234567890123' } });
      expect((await refused(oa.webhook!(req(fake.forged(d))))).code).toBe('UNAUTHORIZED');
      expect((await refused(oa.webhook!(req(fake.forged(d, { missing: true }))))).code).toBe('UNAUTHORIZED');
    });

    it('passes the official verification vector (Token AAAAA)', async () => {
      const official = make({ WECHAT_TOKEN: 'AAAAA' });
      const q = 'signature=f464b24fc39322e44b38aa78f5edd27bd1441696&timestamp=1714036504&nonce=1514711492&echostr=5838479218127813673';
      const r = await official.webhook!({ method: 'GET', url: `https://intake.example.test/webhooks/wechat?${q}`, headers: {}, body: '' });
      expect(r.response).toMatchObject({ status: 200, body: '5838479218127813673' });
      const bad = q.replace('1514711492', '1514711493');
      expect((await refused(official.webhook!({ method: 'GET', url: `https://intake.example.test/webhooks/wechat?${bad}`, headers: {}, body: '' }))).code).toBe('UNAUTHORIZED');
    });

    it('plain mode: parses a text push; MsgId is the dedupe key; answers "success"', async () => {
      const openid = user();
      const r = await plain.webhook!(req(fake.oaText(openid, '电费扣了两次 & <怎么办>', { msgId: '24398726543210987654' })));
      expect(r.response).toMatchObject({ status: 200, body: 'success' });
      expect(r.messages).toEqual([
        { channel: 'wechat-oa', channelUserId: openid, text: '电费扣了两次 & <怎么办>', messageId: '24398726543210987654', timestamp: fake.now().toISOString().replace(/\.\d{3}Z$/, '.000Z') },
      ]);
    });

    it('safe mode: checks msg_signature, decrypts, checks the AppID', async () => {
      const openid = user();
      const r = await oa.webhook!(req(fake.oaText(openid, 'hello', { safe: true, msgId: '1001' })));
      expect(r.messages).toMatchObject([{ channelUserId: openid, text: 'hello', messageId: '1001' }]);
      expect(r.response.body).toBe('success');
    });

    it('a forged or missing signature is UNAUTHORIZED before the body is read', async () => {
      const openid = user();
      const garbage = { ...fake.oaText(openid, 'x', { safe: true }), body: '<<<not xml' };
      expect((await refused(oa.webhook!(req(fake.forged(garbage))))).code).toBe('UNAUTHORIZED');
      expect((await refused(plain.webhook!(req(fake.forged({ ...fake.oaText(openid, 'x'), body: '<<<' }))))).code).toBe('UNAUTHORIZED');
      expect((await refused(oa.webhook!(req(fake.forged(fake.oaText(openid, 'x', { safe: true }), { missing: true }))))).code).toBe('UNAUTHORIZED');
      // Right query signature, Encrypt swapped for another one: msg_signature no longer matches.
      const a = fake.oaText(openid, 'a', { safe: true });
      const b = fake.oaText(openid, 'b', { safe: true });
      expect((await refused(oa.webhook!(req({ ...a, body: b.body })))).code).toBe('UNAUTHORIZED');
    });

    it('safe mode refuses unencrypted pushes and pushes encrypted for another AppID', async () => {
      const openid = user();
      expect((await refused(oa.webhook!(req(fake.oaText(openid, 'plain'))))).code).toBe('UNAUTHORIZED');
      const other = make({ WECHAT_APP_ID: 'wx' + 'f'.repeat(16) });
      expect((await refused(other.webhook!(req(fake.oaText(openid, 'x', { safe: true }))))).code).toBe('UNAUTHORIZED');
    });

    it('a malformed body with a good signature is BAD_REQUEST', async () => {
      const openid = user();
      expect((await refused(plain.webhook!(req({ ...fake.oaText(openid, 'x'), body: '<xml><Content>' })))).code).toBe('BAD_REQUEST');
      expect((await refused(oa.webhook!(req(fake.oaPush(openid, 'not xml at all <', { safe: true }))))).code).toBe('BAD_REQUEST');
      expect((await refused(oa.webhook!(req({ ...fake.oaText(openid, 'x', { safe: true }), body: '<xml></xml>' })))).code).toBe('BAD_REQUEST');
      expect((await refused(plain.webhook!(req(fake.oaPush(openid, fake.oaXml(openid, { MsgType: 'text', Content: 'x', CreateTime: 'soon' })))))).code).toBe(
        'BAD_REQUEST',
      );
      expect((await refused(plain.webhook!(req(fake.oaPush(openid, '<!DOCTYPE x [<!ENTITY a "b">]><xml><A>&a;</A></xml>'))))).code).toBe('BAD_REQUEST');
    });

    it('unsubscribe → blocked, subscribe → opted_in, other events nothing; images become a placeholder', async () => {
      const openid = user();
      const un = await oa.webhook!(req(fake.oaEvent(openid, 'unsubscribe', { safe: true })));
      expect(un).toMatchObject({ messages: [], events: [{ channelUserId: openid, type: 'blocked' }], response: { body: 'success' } });
      const sub = await oa.webhook!(req(fake.oaEvent(openid, 'subscribe', { safe: true })));
      expect(sub.events).toMatchObject([{ channelUserId: openid, type: 'opted_in' }]);
      expect((await oa.webhook!(req(fake.oaEvent(openid, 'VIEW', { safe: true })))).events).toEqual([]);
      const img = await oa.webhook!(req(fake.oaPush(openid, fake.oaXml(openid, { MsgType: 'image', PicUrl: 'http://x/y.jpg', MediaId: 'm', MsgId: '77' }), { safe: true })));
      expect(img.messages).toMatchObject([{ text: '[image]', messageId: '77' }]);
    });
  });

  describe('send', () => {
    it('sends a reply through custom/send with numbered options, and splits long texts', async () => {
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      await oa.send(openid, { text: 'How can I help?', quickReplies: [{ label: 'Billing', payload: 'b' }, { label: 'Outage', payload: 'o' }, { label: 'Other', payload: 'x' }] }, ctx());
      const long = 'The meter was read again today. '.repeat(30);
      await oa.send(openid, { text: long }, ctx({ mode: 'push', effectId: 'e-long' }));
      const sent = fake.sentTo(openid);
      expect(sent[0]).toMatchObject({ api: 'custom', text: 'How can I help?\n1. Billing\n2. Outage\n3. Other\nReply with a number from 1 to 3.' });
      expect(sent.length).toBe(3);
      for (const s of sent.slice(1)) expect([...s.text].length).toBeLessThanOrEqual(CAPABILITIES.maxLength);
      expect(sent.slice(1).map((s) => s.text).join(' ')).toBe(long.trim());
    });

    it('fetches one stable token, shared through kv by every instance', async () => {
      fake.invalidateTokens();
      const before = fake.callsTo('/cgi-bin/stable_token');
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      const second = make();
      await Promise.all([oa.send(openid, { text: 'one' }, ctx()), oa.send(openid, { text: 'two' }, ctx())]);
      await second.send(openid, { text: 'three' }, ctx());
      expect(fake.callsTo('/cgi-bin/stable_token') - before).toBe(1);
      expect([...kv.data.keys()].some((k) => k.startsWith('wechat-oa:access-token:'))).toBe(true);
    });

    it('refreshes a token refused with 40001 (another server replaced it) or 42001 (expired), once', async () => {
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      await oa.send(openid, { text: 'first' }, ctx());
      fake.invalidateTokens();
      await oa.send(openid, { text: 'after 40001' }, ctx());
      fake.advance(2 * H + 1000);
      fake.oaText(openid, 'again'); // reopens the window at the new time
      await oa.send(openid, { text: 'after 42001' }, ctx());
      expect(fake.sentTo(openid).map((s) => s.text)).toEqual(['first', 'after 40001', 'after 42001']);
      // A token that keeps being refused is not retried forever.
      fake.failNext('/cgi-bin/message/custom/send', 40001, 2);
      await expect(oa.send(openid, { text: 'x' }, ctx())).rejects.toThrow(/40001/);
      fake.clearFailures();
    });

    it('retries "system busy" a bounded number of times, then throws for the outbox', async () => {
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      await oa.send(openid, { text: 'warm' }, ctx());
      const calls = () => fake.callsTo('/cgi-bin/message/custom/send');
      fake.failNext('/cgi-bin/message/custom/send', -1, 2);
      let before = calls();
      await oa.send(openid, { text: 'after busy' }, ctx());
      expect(calls() - before).toBe(3);
      fake.failNext('/cgi-bin/message/custom/send', 45009, 10);
      before = calls();
      const t0 = Date.now();
      const e = await oa.send(openid, { text: 'never' }, ctx()).catch((x: unknown) => x);
      expect(e).not.toBeInstanceOf(AppError);
      expect(String(e)).toMatch(/45009/);
      expect(calls() - before).toBe(3);
      expect(Date.now() - t0).toBeLessThan(3000);
      fake.clearFailures();
    });

    it('an unfollowed user is UNREACHABLE', async () => {
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      fake.unfollow(openid);
      expect((await refused(oa.send(openid, { text: 'x' }, ctx()))).code).toBe('UNREACHABLE');
      expect((await refused(oa.send(openid, { text: 'x' }, ctx({ template: true })))).code).toBe('UNREACHABLE');
    });

    it('a retried multi-part message does not repeat the parts already delivered', async () => {
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      const long = 'Sentence number one is here. '.repeat(50);
      fake.failHttpNext('/cgi-bin/message/custom/send', 502, 1, 1);
      await expect(oa.send(openid, { text: long }, ctx({ mode: 'push', effectId: 'retry-1' }))).rejects.toThrow(/502/);
      expect(fake.sentTo(openid)).toHaveLength(1);
      await oa.send(openid, { text: long }, ctx({ mode: 'push', effectId: 'retry-1' }));
      const texts = fake.sentTo(openid).map((s) => s.text);
      expect(texts).toHaveLength(3);
      expect(texts.join(' ')).toBe(long.trim());
    });

    it('enforces nothing itself but meets 45015 / 45047 from WeChat: template for a push if configured, else an error to retry', async () => {
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      for (let i = 0; i < 5; i++) await oa.send(openid, { text: `m${i}` }, ctx());
      await oa.send(openid, { text: 'Your complaint was resolved.' }, ctx({ mode: 'push', effectId: 'p6' }));
      expect(fake.sentTo(openid).at(-1)).toMatchObject({ api: 'template' });
      fake.advance(48 * H);
      const noTemplate = make({ WECHAT_TEMPLATE_ID: undefined });
      const e = await noTemplate.send(openid, { text: 'late' }, ctx({ mode: 'push' })).catch((x: unknown) => x);
      expect(e).not.toBeInstanceOf(AppError);
      expect(String(e)).toMatch(/45015/);
    });

    it('sends a template message with first / keyword1 / remark, once per effectId', async () => {
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      const msg = { text: 'Your complaint #123 has been resolved. We refunded the double charge.', quickReplies: [{ label: 'Satisfied', payload: 's' }, { label: 'Not satisfied', payload: 'n' }] };
      await oa.send(openid, msg, ctx({ mode: 'push', template: true, effectId: 'tpl-1' }));
      await oa.send(openid, msg, ctx({ mode: 'push', template: true, effectId: 'tpl-1' }));
      const sent = fake.sentTo(openid).filter((s) => s.api === 'template');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.data).toEqual({
        first: { value: 'Your complaint #123 has been resolved.' },
        keyword1: { value: msg.text },
        remark: { value: '1. Satisfied\n2. Not satisfied\nReply 1 or 2.' },
      });
      const call = fake.calls.filter((c) => c.path === '/cgi-bin/message/template/send').at(-1)!;
      expect(call.body).toMatchObject({ touser: openid, template_id: fake.oa.templateId, client_msg_id: 'tpl-1' });
    });
  });

  describe('canSend', () => {
    const at = new Date('2026-11-24T02:00:00.000Z');
    const contact = (msAgo: number | null, sent: number, over: Partial<ChannelContact> = {}): ChannelContact => ({
      ...(msAgo === null ? {} : { lastInboundAt: new Date(at.getTime() - msAgo).toISOString() }),
      sentSinceInbound: sent,
      ...over,
    });

    it('within 48 h of the last message and fewer than 5 sent: yes', () => {
      expect(oa.canSend!(contact(0, 0), 'push', at)).toEqual({ allowed: 'yes' });
      expect(oa.canSend!(contact(48 * H - 1, 4), 'push', at)).toEqual({ allowed: 'yes' });
    });

    it('at 48 h, after 5 messages, or never written: the template if configured, else no', () => {
      const none = make({ WECHAT_TEMPLATE_ID: undefined });
      for (const c of [contact(48 * H, 0), contact(H, 5), contact(null, 0)]) {
        expect(oa.canSend!(c, 'push', at)).toEqual({ allowed: 'template' });
        expect(none.canSend!(c, 'push', at)).toMatchObject({ allowed: 'no' });
      }
      expect(none.canSend!(contact(48 * H, 0), 'push', at)).toMatchObject({ reason: expect.stringMatching(/48 h/) });
      expect(none.canSend!(contact(H, 5), 'push', at)).toMatchObject({ reason: expect.stringMatching(/5 messages/) });
    });

    it('an unreachable customer: no, template or not', () => {
      expect(oa.canSend!(contact(0, 0, { unreachable: { reason: 'blocked', at: at.toISOString() } }), 'push', at)).toMatchObject({ allowed: 'no' });
    });

    it('agrees with the fake platform at the edges', async () => {
      const openid = user();
      await oa.webhook!(req(fake.oaText(openid, 'hi', { safe: true })));
      const lastInboundAt = fake.now().toISOString();
      const start = fake.clock;
      fake.advance(48 * H - 1000);
      expect(oa.canSend!({ lastInboundAt, sentSinceInbound: 0 }, 'push', fake.now())).toEqual({ allowed: 'yes' });
      await oa.send(openid, { text: 'just in time' }, ctx({ mode: 'push' }));
      fake.clock = start + 48 * H;
      expect(oa.canSend!({ lastInboundAt, sentSinceInbound: 1 }, 'push', fake.now())).toEqual({ allowed: 'template' });
      const noTemplate = make({ WECHAT_TEMPLATE_ID: undefined });
      await expect(noTemplate.send(openid, { text: 'too late' }, ctx({ mode: 'push' }))).rejects.toThrow(/45015/);
    });
  });
});

// ---- end to end: the real service with the channel enabled, through the fake platform --------------

// Safe mode with a template configured (outside the window: template messages), plain mode without one
// (outside the window: the SMS fallback).
for (const mode of ['safe', 'plain'] as const) {
  const withTemplate = mode === 'safe';
  let fake: WechatFake;
  const openid = (u: string) => `oConf_${mode}_${u}`;
  const msgIds = new Map<string, string>();
  let nextId = BigInt('6200000000000000000');
  channelConformance({
    kind: 'webhook',
    name: 'wechat-oa',
    definition,
    async start() {
      fake = await startWechatFake();
      return {
        WECHAT_APP_ID: fake.oa.appId,
        WECHAT_APP_SECRET: fake.oa.appSecret,
        WECHAT_TOKEN: fake.oa.token,
        ...(mode === 'safe' ? { WECHAT_AES_KEY: fake.oa.aesKey } : {}),
        ...(withTemplate ? { WECHAT_TEMPLATE_ID: fake.oa.templateId } : {}),
        WECHAT_API_BASE: fake.url,
      };
    },
    stop: () => fake.close(),
    inbound(u, text, deliveryId) {
      if (!msgIds.has(deliveryId)) msgIds.set(deliveryId, String(nextId++));
      return fake.oaText(openid(u), text, { safe: mode === 'safe', msgId: msgIds.get(deliveryId)! });
    },
    forge: (d) => fake.forged(d as Delivery),
    unsigned: (d) => fake.forged(d as Delivery, { missing: true }),
    malformed: () => (mode === 'safe' ? fake.oaPush(openid('zed'), 'this is not XML <', { safe: true }) : fake.oaPush(openid('zed'), '<xml><MsgType>text')),
    sent: (u) => fake.sentTo(openid(u)).map((s) => ({ text: s.text, ...(s.api === 'template' ? { template: true } : {}) })),
    channelUserId: openid,
    // 48 h after the customer's last message (and 5 messages), then the template message if one is set.
    window: { template: withTemplate },
    // errcode 45009 in a 200 body, no retry-after: the adapter's short bounded retry (200 ms, 800 ms).
    rateLimitNext(u) {
      fake.limitUser(openid(u), 45009);
      return { retryAfter: false };
    },
    attempts: (u) => fake.attemptsTo(openid(u)).map((a) => ({ at: a.at, limited: a.errcode === 45009 })),
  });
}
