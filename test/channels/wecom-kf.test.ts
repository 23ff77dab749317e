import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CAPABILITIES, clientMsgId, definition, readConfig } from '../../adapters/wecom-kf/index.ts';
import type { ChannelAdapter, ChannelContact, ChannelDeps, SendContext, WebhookRequest } from '../../engine/channels.ts';
import { silentLogger } from '../../engine/log.ts';
import { startWechatFake, type Delivery, type WechatFake } from '../fakes/wechat.ts';
import { channelConformance } from './conformance.ts';
import { channelService, PUBLIC_BASE, refused, memoryKv } from './helpers.ts';

const req = (d: Delivery): WebhookRequest => ({ method: d.method, url: d.url, headers: d.headers, body: d.body });
const H = 60 * 60 * 1000;
const SYNC = '/cgi-bin/kf/sync_msg';
const SEND = '/cgi-bin/kf/send_msg';

describe('wecom-kf configuration', () => {
  const good = {
    WECOM_CORP_ID: 'ww0123456789abcdef',
    WECOM_SECRET: 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde',
    WECOM_TOKEN: 'kfToken42',
    WECOM_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  };
  const deps: ChannelDeps = { kv: memoryKv(), log: silentLogger(), now: () => new Date() };

  it('accepts good values', () => {
    expect(readConfig(good)).toMatchObject({ corpId: good.WECOM_CORP_ID, apiBase: 'https://qyapi.weixin.qq.com' });
    expect(definition.env).toEqual(['WECOM_CORP_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_AES_KEY', 'WECOM_API_BASE', 'WECOM_HANDOFF']);
    expect(readConfig(good).handoff).toBeUndefined();
    expect(readConfig({ ...good, WECOM_HANDOFF: 'pool' }).handoff).toEqual({ state: 2 });
    expect(readConfig({ ...good, WECOM_HANDOFF: 'servicer:zhang.san' }).handoff).toEqual({ state: 3, servicer: 'zhang.san' });
    expect(definition.create(good, deps).handOff).toBeUndefined();
    expect(definition.create(good, deps)).toMatchObject({ name: 'wecom-kf', path: '/webhooks/wecom', capabilities: CAPABILITIES });
  });

  it.each([
    ['WECOM_CORP_ID', undefined],
    ['WECOM_CORP_ID', 'corp-1'],
    ['WECOM_SECRET', undefined],
    ['WECOM_SECRET', 'secret with spaces!'],
    ['WECOM_TOKEN', undefined],
    ['WECOM_TOKEN', 'token-with-dash'],
    ['WECOM_AES_KEY', undefined],
    ['WECOM_AES_KEY', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEF'],
    ['WECOM_API_BASE', 'qyapi.weixin.qq.com'],
    ['WECOM_HANDOFF', 'queue'],
    ['WECOM_HANDOFF', 'servicer:'],
    ['WECOM_HANDOFF', 'servicer:zhang san'],
  ])('%s = %s → CONFIG_INVALID naming it, never echoing the value', async (name, value) => {
    const e = await refused(() => definition.create({ ...good, [name]: value }, deps));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message.startsWith(`${name}:`)).toBe(true);
    if (value && value.length > 3) expect(e.message).not.toContain(value);
  });

  it('client msgids fit send_msg (≤ 32 bytes of [0-9a-zA-Z_-]) and are stable per entry and part', () => {
    const id = clientMsgId('0194f0c2-7a5e-7c61-9b1e-3f2a8d9e0b11', 12);
    expect(id).toMatch(/^[0-9a-zA-Z_-]{1,32}$/);
    expect(clientMsgId('0194f0c2-7a5e-7c61-9b1e-3f2a8d9e0b11', 12)).toBe(id);
    expect(clientMsgId('0194f0c2-7a5e-7c61-9b1e-3f2a8d9e0b11', 1)).not.toBe(id);
  });
});

describe('wecom-kf adapter', () => {
  let fake: WechatFake;
  let kv: ReturnType<typeof memoryKv>;
  let kf: ChannelAdapter;
  const env = (over: Record<string, string | undefined> = {}) => ({
    WECOM_CORP_ID: fake.kf.corpId,
    WECOM_SECRET: fake.kf.secret,
    WECOM_TOKEN: fake.kf.token,
    WECOM_AES_KEY: fake.kf.aesKey,
    WECOM_API_BASE: fake.url,
    ...over,
  });
  const make = (over: Record<string, string | undefined> = {}): ChannelAdapter => definition.create(env(over), { kv, log: silentLogger(), now: () => fake.now() });
  let n = 0;
  const user = () => `wmUser${++n}_${randomBytes(5).toString('hex')}`;
  const kfid = () => `wkKf${++n}_${randomBytes(5).toString('hex')}`;
  const ctx = (openKfId: string, over: Partial<SendContext> = {}): SendContext => ({ conversationId: 'c1', mode: 'reply', live: false, n: 1, locale: 'en', contact: { open_kfid: openKfId }, ...over });

  beforeAll(async () => {
    fake = await startWechatFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.clearFailures();
    kv = memoryKv();
    kf = make();
  });

  describe('webhook', () => {
    it('answers the URL check with the decrypted echostr', async () => {
      const d = fake.kfVerify('8345923452384');
      expect((await kf.webhook!(req(d))).response).toMatchObject({ status: 200, body: '8345923452384' });
      expect((await refused(kf.webhook!(req(fake.forged(d))))).code).toBe('UNAUTHORIZED');
      expect((await refused(kf.webhook!(req(fake.forged(d, { missing: true }))))).code).toBe('UNAUTHORIZED');
      const otherCorp = make({ WECOM_CORP_ID: 'ww' + 'e'.repeat(16) });
      expect((await refused(otherCorp.webhook!(req(d)))).code).toBe('UNAUTHORIZED');
    });

    it('a callback pulls the messages with sync_msg (token, cursor, limit, open_kfid) and keeps the cursor per account', async () => {
      const k = kfid();
      const u = user();
      const d = fake.kfCustomerText(u, k, '停电三天了', { msgid: 'msgAAA1' });
      const r = await kf.webhook!(req(d));
      expect(r.response).toMatchObject({ status: 200, body: 'success' });
      expect(r.messages).toEqual([
        { channel: 'wecom-kf', channelUserId: u, text: '停电三天了', messageId: 'msgAAA1', timestamp: expect.any(String), contact: { open_kfid: k } },
      ]);
      expect(fake.calls.filter((c) => c.path === SYNC).at(-1)!.body).toEqual({ cursor: '', token: d.token, limit: 1000, open_kfid: k });
      const cursor = [...kv.data.entries()].find(([key]) => key.startsWith('wecom-kf:cursor:') && key.endsWith(k))?.[1];
      expect(cursor).toBeTruthy();

      const d2 = fake.kfCustomerText(u, k, 'second', { msgid: 'msgAAA2' });
      const r2 = await kf.webhook!(req(d2));
      expect(r2.messages.map((m) => m.messageId)).toEqual(['msgAAA2']);
      expect(fake.calls.filter((c) => c.path === SYNC).at(-1)!.body).toMatchObject({ cursor });
    });

    it('pages while has_more, and reads only customer messages (text, or a placeholder)', async () => {
      const k = kfid();
      const u = user();
      for (let i = 0; i < 1500; i++) fake.kfAppend({ open_kfid: k, external_userid: u, origin: 3, msgtype: 'text', text: { content: `m${i}` } });
      fake.kfAppend({ open_kfid: k, external_userid: u, origin: 5, msgtype: 'text', text: { content: 'from a human agent' } });
      fake.kfAppend({ open_kfid: k, external_userid: u, origin: 4, msgtype: 'event' });
      fake.kfAppend({ open_kfid: k, external_userid: u, origin: 3, msgtype: 'image' });
      const before = fake.callsTo(SYNC);
      const r = await kf.webhook!(req(fake.kfCallback(k)));
      expect(fake.callsTo(SYNC) - before).toBe(2);
      expect(r.messages).toHaveLength(1501);
      expect(r.messages.at(-1)!.text).toBe('[image]');
      expect(r.messages.some((m) => m.text === 'from a human agent')).toBe(false);
    });

    it('a redelivered callback pulls again from where its first delivery started (the engine dedupes by msgid)', async () => {
      const k = kfid();
      const u = user();
      const d = fake.kfCustomerText(u, k, 'hello', { msgid: 'msgRe1' });
      expect((await kf.webhook!(req(d))).messages.map((m) => m.messageId)).toEqual(['msgRe1']);
      expect((await kf.webhook!(req(d))).messages.map((m) => m.messageId)).toEqual(['msgRe1']);
      const d2 = fake.kfCustomerText(u, k, 'next', { msgid: 'msgRe2' });
      expect((await kf.webhook!(req(d2))).messages.map((m) => m.messageId)).toEqual(['msgRe2']);
    });

    it('a failed pull throws (WeCom retries the callback) and loses nothing', async () => {
      const k = kfid();
      const d = fake.kfCustomerText(user(), k, 'hello', { msgid: 'msgFail1' });
      fake.failHttpNext(SYNC, 503);
      await expect(kf.webhook!(req(d))).rejects.toThrow(/503/);
      expect((await kf.webhook!(req(d))).messages.map((m) => m.messageId)).toEqual(['msgFail1']);
    });

    it('only the last 3 days come back from sync_msg', async () => {
      const k = kfid();
      fake.kfCustomerText(user(), k, 'old', { msgid: 'msgOld' });
      fake.advance(3 * 24 * H + 60_000);
      const d = fake.kfCustomerText(user(), k, 'new', { msgid: 'msgNew' });
      expect((await kf.webhook!(req(d))).messages.map((m) => m.messageId)).toEqual(['msgNew']);
    });

    it('a forged or missing signature is UNAUTHORIZED before anything is read or pulled', async () => {
      const k = kfid();
      const d = fake.kfCustomerText(user(), k, 'x');
      const before = fake.callsTo(SYNC);
      expect((await refused(kf.webhook!(req(fake.forged(d))))).code).toBe('UNAUTHORIZED');
      expect((await refused(kf.webhook!(req(fake.forged(d, { missing: true }))))).code).toBe('UNAUTHORIZED');
      expect((await refused(kf.webhook!(req({ ...fake.forged(d, { missing: true }), body: '<<garbage' })))).code).toBe('UNAUTHORIZED');
      // Another callback's Encrypt under this one's signature.
      expect((await refused(kf.webhook!(req({ ...d, body: fake.kfCallback(k).body })))).code).toBe('UNAUTHORIZED');
      // Signed right, but encrypted for another CorpID.
      expect((await refused(kf.webhook!(req(fake.kfEncrypted('<xml></xml>', { receiveId: 'ww' + '0'.repeat(16) }))))).code).toBe('UNAUTHORIZED');
      expect(fake.callsTo(SYNC)).toBe(before);
    });

    it('a malformed callback with a good signature is BAD_REQUEST', async () => {
      expect((await refused(kf.webhook!(req(fake.kfEncrypted('this is not XML <'))))).code).toBe('BAD_REQUEST');
      const d = fake.kfCallback(kfid());
      expect((await refused(kf.webhook!(req({ ...d, body: '<xml><ToUserName>x</ToUserName></xml>' })))).code).toBe('BAD_REQUEST');
      const noKf = fake.kfEncrypted('<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[t]]></Token></xml>');
      expect((await refused(kf.webhook!(req(noKf)))).code).toBe('BAD_REQUEST');
    });

    it('other events are acknowledged and pull nothing', async () => {
      const before = fake.callsTo(SYNC);
      const r = await kf.webhook!(req(fake.kfEncrypted('<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_account_auth_change]]></Event></xml>')));
      expect(r).toMatchObject({ messages: [], response: { status: 200, body: 'success' } });
      expect(fake.callsTo(SYNC)).toBe(before);
    });

    it('an expired callback token is an error to retry, not a silent loss', async () => {
      const d = fake.kfCustomerText(user(), kfid(), 'x');
      fake.advance(11 * 60 * 1000);
      await expect(kf.webhook!(req(d))).rejects.toThrow(/95007/);
    });
  });

  describe('send', () => {
    async function customer(text = 'hi') {
      const k = kfid();
      const u = user();
      await kf.webhook!(req(fake.kfCustomerText(u, k, text)));
      return { k, u };
    }

    it('sends through send_msg with our msgid, numbered options, long texts split', async () => {
      const { k, u } = await customer();
      await kf.send(u, { text: 'Which one?', quickReplies: [{ label: 'Billing', payload: 'b' }, { label: 'Outage', payload: 'o' }] }, ctx(k, { effectId: 'e1' }));
      const long = '我们已经收到您的投诉，正在处理。'.repeat(60);
      await kf.send(u, { text: long }, ctx(k, { mode: 'push', effectId: 'e2' }));
      const sent = fake.sentTo(u);
      expect(sent[0]).toMatchObject({ api: 'kf', open_kfid: k, text: 'Which one?\n1. Billing\n2. Outage\nReply 1 or 2.', msgid: clientMsgId('e1', 0) });
      expect(sent.length).toBeGreaterThan(2);
      for (const s of sent.slice(1)) expect([...s.text].length).toBeLessThanOrEqual(CAPABILITIES.maxLength);
      expect(sent.slice(1).map((s) => s.text).join('')).toBe(long);
      expect(sent.slice(1).map((s) => s.msgid)).toEqual(sent.slice(1).map((_, i) => clientMsgId('e2', i)));
      expect(fake.calls.filter((c) => c.path === SEND).at(-1)!.body).toMatchObject({ touser: u, open_kfid: k, msgtype: 'text' });
    });

    it('gets a token from gettoken once, shared through kv, and refreshes it on 40014 / 42001', async () => {
      const { k, u } = await customer();
      const before = fake.callsTo('/cgi-bin/gettoken');
      await kf.send(u, { text: 'a' }, ctx(k));
      await make().send(u, { text: 'b' }, ctx(k));
      expect(fake.callsTo('/cgi-bin/gettoken') - before).toBe(0); // the webhook's pull already fetched it
      fake.invalidateTokens();
      await kf.send(u, { text: 'c' }, ctx(k));
      expect(fake.callsTo('/cgi-bin/gettoken') - before).toBe(1);
      expect(fake.sentTo(u).map((s) => s.text)).toEqual(['a', 'b', 'c']);
    });

    it('95018 (session with a human, closed, or past 48 h / 5 messages) is UNREACHABLE', async () => {
      const { k, u } = await customer();
      fake.kfSessionInvalid(u);
      expect((await refused(kf.send(u, { text: 'x' }, ctx(k)))).code).toBe('UNREACHABLE');
      fake.kfSessionInvalid(u, false);
      for (let i = 0; i < 5; i++) await kf.send(u, { text: `m${i}` }, ctx(k));
      expect((await refused(kf.send(u, { text: 'sixth' }, ctx(k)))).code).toBe('UNREACHABLE');
    });

    it('no kf account on the conversation: UNREACHABLE', async () => {
      expect((await refused(kf.send(user(), { text: 'x' }, { conversationId: 'c', mode: 'push', live: false, n: 1 }))).code).toBe('UNREACHABLE');
    });

    it('busy / concurrency errors get a bounded retry', async () => {
      const { k, u } = await customer();
      fake.failNext(SEND, 45033, 2);
      await kf.send(u, { text: 'through' }, ctx(k));
      expect(fake.sentTo(u).map((s) => s.text)).toEqual(['through']);
      fake.failNext(SEND, -1, 3);
      await expect(kf.send(u, { text: 'x' }, ctx(k))).rejects.toThrow(/errcode -1/);
    });

    it('a retried multi-part message does not repeat delivered parts, and keeps its msgids', async () => {
      const { k, u } = await customer();
      const long = 'The engineer will visit tomorrow morning. '.repeat(30);
      fake.failHttpNext(SEND, 500, 1, 1);
      await expect(kf.send(u, { text: long }, ctx(k, { mode: 'push', effectId: 'r1' }))).rejects.toThrow(/500/);
      await kf.send(u, { text: long }, ctx(k, { mode: 'push', effectId: 'r1' }));
      const sent = fake.sentTo(u);
      expect(sent.map((s) => s.msgid)).toEqual(sent.map((_, i) => clientMsgId('r1', i)));
      expect(sent.map((s) => s.text).join(' ')).toBe(long.trim());
    });
  });

  describe('session states', () => {
    it('a servicer in the WeCom client taking, writing in and ending a session come as events, in order among the messages', async () => {
      const k = kfid();
      const u = user();
      await kf.webhook!(req(fake.kfCustomerText(u, k, 'I want a person')));
      fake.kfAppend({ open_kfid: k, external_userid: u, origin: 3, msgtype: 'text', text: { content: 'hello?' } });
      fake.kfServicerTakes(u, k, 'zhangsan');
      const said = fake.kfServicerText(u, k, '您好，我是客服小张');
      fake.kfAppend({ open_kfid: k, external_userid: u, origin: 3, msgtype: 'text', text: { content: 'my bill is wrong' } });
      fake.kfServicerEnds(u, k);
      const d = fake.kfCustomerText(u, k, 'thanks');
      const r = await kf.webhook!(req(d));
      expect(r.messages.map((m) => m.text)).toEqual(['hello?', 'my bill is wrong', 'thanks']);
      expect(r.events).toEqual([
        // Session changes carry their msgid too, so a redelivery is not applied twice.
        { channelUserId: u, type: 'human_took_over', messageId: expect.stringMatching(/^kfmsg/), at: expect.any(String), before: 1 },
        { channelUserId: u, type: 'human_message', text: '您好，我是客服小张', messageId: said.msgid, at: expect.any(String), before: 1 },
        { channelUserId: u, type: 'human_ended', messageId: expect.stringMatching(/^kfmsg/), at: expect.any(String), before: 2 },
      ]);
    });

    it('WECOM_HANDOFF=pool hands the session to the queue, after which WeCom refuses the bot (95018); a second hand-off changes nothing', async () => {
      const pooled = make({ WECOM_HANDOFF: 'pool' });
      const k = kfid();
      const u = user();
      await pooled.webhook!(req(fake.kfCustomerText(u, k, '转人工')));
      await pooled.send(u, { text: '正在为您转接人工客服' }, ctx(k));
      await pooled.handOff!(u, { open_kfid: k });
      expect(fake.kfSession(u, k)).toEqual({ state: 2 });
      expect(fake.calls.filter((c) => c.path === '/cgi-bin/kf/service_state/trans').at(-1)!.body).toEqual({ open_kfid: k, external_userid: u, service_state: 2 });
      expect((await refused(pooled.send(u, { text: 'x' }, ctx(k)))).code).toBe('UNREACHABLE');
      const trans = fake.callsTo('/cgi-bin/kf/service_state/trans');
      await pooled.handOff!(u, { open_kfid: k });
      expect(fake.callsTo('/cgi-bin/kf/service_state/trans')).toBe(trans);
      expect(fake.sentTo(u).map((s) => s.text)).toEqual(['正在为您转接人工客服']);
    });

    it('WECOM_HANDOFF=servicer:ID gives the session to that servicer; one WeCom refuses is an error to retry', async () => {
      const k = kfid();
      const u = user();
      await kf.webhook!(req(fake.kfCustomerText(u, k, 'agent please')));
      await make({ WECOM_HANDOFF: 'servicer:zhangsan' }).handOff!(u, { open_kfid: k });
      expect(fake.kfSession(u, k)).toEqual({ state: 3, servicer: 'zhangsan' });
      const v = user();
      await kf.webhook!(req(fake.kfCustomerText(v, k, 'agent please')));
      await expect(make({ WECOM_HANDOFF: 'servicer:nobody' }).handOff!(v, { open_kfid: k })).rejects.toThrow(/95014/);
      expect(fake.kfSession(v, k)).toEqual({ state: 0 });
    });
  });

  describe('canSend', () => {
    const at = new Date('2026-11-24T02:00:00.000Z');
    const contact = (msAgo: number | null, sent: number, over: Partial<ChannelContact> = {}): ChannelContact => ({
      ...(msAgo === null ? {} : { lastInboundAt: new Date(at.getTime() - msAgo).toISOString() }),
      sentSinceInbound: sent,
      data: { open_kfid: 'wkX' },
      ...over,
    });

    it('yes within 48 h and under 5 messages; no otherwise (no template in 微信客服)', () => {
      expect(kf.canSend!(contact(0, 0), 'push', at)).toEqual({ allowed: 'yes' });
      expect(kf.canSend!(contact(48 * H - 1, 4), 'push', at)).toEqual({ allowed: 'yes' });
      expect(kf.canSend!(contact(48 * H, 0), 'push', at)).toMatchObject({ allowed: 'no', reason: expect.stringMatching(/48 h/) });
      expect(kf.canSend!(contact(H, 5), 'push', at)).toMatchObject({ allowed: 'no', reason: expect.stringMatching(/5 messages/) });
      expect(kf.canSend!(contact(null, 0), 'push', at)).toMatchObject({ allowed: 'no' });
      expect(kf.canSend!(contact(0, 0, { data: {} }), 'push', at)).toMatchObject({ allowed: 'no' });
      expect(kf.canSend!(contact(0, 0, { unreachable: { reason: 'gone', at: at.toISOString() } }), 'push', at)).toMatchObject({ allowed: 'no' });
    });

    it('agrees with the fake platform at the 48 h edge', async () => {
      const k = kfid();
      const u = user();
      await kf.webhook!(req(fake.kfCustomerText(u, k, 'hi')));
      const lastInboundAt = fake.now().toISOString();
      const start = fake.clock;
      fake.advance(48 * H - 1000);
      expect(kf.canSend!({ lastInboundAt, sentSinceInbound: 0, data: { open_kfid: k } }, 'push', fake.now())).toEqual({ allowed: 'yes' });
      await kf.send(u, { text: 'in time' }, ctx(k, { mode: 'push' }));
      fake.clock = start + 48 * H;
      expect(kf.canSend!({ lastInboundAt, sentSinceInbound: 1, data: { open_kfid: k } }, 'push', fake.now())).toMatchObject({ allowed: 'no' });
      expect((await refused(kf.send(u, { text: 'late' }, ctx(k, { mode: 'push' })))).code).toBe('UNREACHABLE');
    });
  });
});

/** The service's WeCom variables for this fake. */
const serviceEnv = (fake: WechatFake): Record<string, string> => ({
  WECOM_CORP_ID: fake.kf.corpId,
  WECOM_SECRET: fake.kf.secret,
  WECOM_TOKEN: fake.kf.token,
  WECOM_AES_KEY: fake.kf.aesKey,
  WECOM_API_BASE: fake.url,
});

describe('wecom-kf URL verification through the service', () => {
  it('GET answers the plaintext echostr exactly', async () => {
    const fake = await startWechatFake();
    const { service, dispose } = channelService([definition], serviceEnv(fake));
    try {
      const d = fake.kfVerify('6543219876543210');
      const res = await service.app.request(`${PUBLIC_BASE}${d.path}?${d.query}`, { method: 'GET' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('6543219876543210');
      const forged = fake.forged(d);
      expect((await service.app.request(`${PUBLIC_BASE}${forged.path}?${forged.query}`, { method: 'GET' })).status).toBe(401);
    } finally {
      await fake.close();
      await dispose();
    }
  });
});

describe('wecom-kf hand-off to servicers in the WeCom client, through the service', () => {
  it('the bot answers, then hands the session to the queue and stays quiet; the servicer\'s words join the transcript and ticket; when they end it the bot answers again', async () => {
    const fake = await startWechatFake();
    const { service, dispose } = channelService([definition], { ...serviceEnv(fake), WECOM_HANDOFF: 'pool' });
    const post = async (d: Delivery) => {
      const res = await service.app.request(`${PUBLIC_BASE}${d.path}?${d.query}`, { method: 'POST', body: d.body, headers: d.headers });
      expect(res.status).toBe(200);
    };
    const K = 'wkHandoffKf001';
    const U = 'wmHandoffUser001';
    try {
      await post(fake.kfCustomerText(U, K, '你们这帮废物！停电三天了还不来修，简直气死我了！！'));
      const handedOff = fake.sentTo(U).map((s) => s.text);
      expect(handedOff.length).toBeGreaterThan(0);
      expect(fake.kfSession(U, K).state).toBe(2);
      const conv = (await service.store.findConversation('wecom-kf', U))!;
      expect(conv.dialog.status).toBe('waiting_for_agent');
      // In the queue the bot says nothing (WeCom would refuse it anyway).
      await post(fake.kfCustomerText(U, K, '有人吗？'));
      expect(fake.sentTo(U).map((s) => s.text)).toEqual(handedOff);
      // A servicer takes the session in the WeCom client and writes.
      await post(fake.kfServicerTakes(U, K, 'zhangsan'));
      const said = fake.kfServicerText(U, K, '您好，我是客服小张，马上为您处理。');
      await post(said);
      // WeCom retries a callback: the same line is pulled again and kept once.
      await post(said);
      const during = (await service.store.findConversation('wecom-kf', U))!;
      expect(during.dialog.status).toBe('with_agent');
      const transcript = await service.store.listMessages(during.id);
      expect(transcript.filter((m) => m.author === 'agent').map((m) => m.text)).toEqual(['您好，我是客服小张，马上为您处理。']);
      const ticket = (await service.store.getTicket(during.dialog.ticketId!))!;
      expect(ticket.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['handoff', 'note', 'acknowledged']));
      expect(ticket.status).toBe('acknowledged');
      // The servicer ends the session; the customer's next message is the bot's again.
      const takes = fake.kfServicerTakes(U, K, 'lisi');
      await post(takes);
      const ends = fake.kfServicerEnds(U, K);
      await post(ends);
      expect((await service.store.findConversation('wecom-kf', U))!.dialog.status).toBe('bot');
      await post(fake.kfCustomerText(U, K, '停电什么时候恢复？'));
      expect(fake.sentTo(U).length).toBeGreaterThan(handedOff.length);
      expect(fake.attemptsTo(U).every((a) => a.errcode === 0)).toBe(true);
      // One of our agents takes the chat. Then WeCom redelivers the old callbacks: they pull from where they
      // first started and bring back the servicer's take and end, which were applied once and must not be
      // again (the end would hand our agent's chat back to the bot, and the timeline would repeat itself).
      await service.engine.agentMessage(during.id, '您好，我是值班经理，这件事我来跟进。');
      const notes = (await service.store.getTicket(during.dialog.ticketId!))!.timeline.length;
      await post(takes);
      await post(ends);
      const after = (await service.store.findConversation('wecom-kf', U))!;
      expect(after.dialog.status).toBe('with_agent');
      expect((await service.store.getTicket(during.dialog.ticketId!))!.timeline).toHaveLength(notes);
    } finally {
      await fake.close();
      await dispose();
    }
  });
});

// ---- end to end: the real service with the channel enabled, through the fake platform --------------

{
  let fake: WechatFake;
  const KF = 'wkConformanceKf001';
  const external = (u: string) => `wmConf_${u}`;
  const logged = new Map<string, string>(); // delivery body → msgid it announced
  channelConformance({
    kind: 'webhook',
    name: 'wecom-kf',
    definition,
    async start() {
      fake = await startWechatFake();
      return serviceEnv(fake);
    },
    stop: () => fake.close(),
    inbound(u, text, deliveryId) {
      const d = fake.kfCustomerText(external(u), KF, text, { msgid: `conf_${deliveryId}` });
      logged.set(d.body, d.msgid);
      return d;
    },
    forge(d) {
      // A forged callback never came from WeCom: the message it pretends to announce does not exist.
      const msgid = logged.get(d.body);
      if (msgid) fake.kfDrop(msgid);
      return fake.forged(d as Delivery);
    },
    unsigned(d) {
      const msgid = logged.get(d.body);
      if (msgid) fake.kfDrop(msgid);
      return fake.forged(d as Delivery, { missing: true });
    },
    malformed: () => fake.kfEncrypted('this is not XML <'),
    sent: (u) => fake.sentTo(external(u)).map((s) => ({ text: s.text })),
    channelUserId: external,
    // 48 h after the customer's last message (and 5 messages), and 微信客服 has no template: then SMS.
    window: { template: false },
    // errcode 45009 in a 200 body, no retry-after: the adapter's short bounded retry (200 ms, 800 ms).
    rateLimitNext(u) {
      fake.limitUser(external(u), 45009);
      return { retryAfter: false };
    },
    attempts: (u) => fake.attemptsTo(external(u)).map((a) => ({ at: a.at, limited: a.errcode === 45009 })),
  });
}
