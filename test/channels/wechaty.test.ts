import type { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import type { ChannelAdapter, ChannelDeps, InboundMessage, SendContext, WebhookResult } from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { silentLogger } from '../../engine/log.ts';
import { createWechatyChannel, definition } from '../../adapters/wechaty/index.ts';
import { until, rejectsWith as refused } from './helpers.ts';
import { channelConformance, type Sent } from './conformance.ts';

// wechaty-puppet-mock is the fake WeChat: its Mocker scripts contacts (customer.say(text).to(bot))
// and sees what the bot sends (the bot's messages are emitted on the mock contacts and rooms).
// Don't await bot.ready(): the mock puppet never emits it (CHANNELS.md §3).

const deps = (): ChannelDeps => ({ kv: { get: async () => null, set: async () => {} }, log: silentLogger(), now: () => new Date() });
const RISK = { WECHATY_I_ACCEPT_THE_RISK: 'yes' };

const ctx = (contact?: Record<string, unknown>, extra: Partial<SendContext> = {}): SendContext => ({
  conversationId: 'c1',
  mode: 'reply',
  live: false,
  n: 1,
  locale: 'zh-CN',
  ...(contact ? { contact } : {}),
  ...extra,
});

const settle = (ms = 100) => new Promise((r) => setTimeout(r, ms));

/** Mock contacts and rooms are event emitters (their typings need `typed-emitter`, which is not installed). */
function onMessage(x: object, fn: (m: { payload: { talkerId?: string; text?: string } }) => void): void {
  (x as unknown as EventEmitter).on('message', fn);
}

/** A mock WeChat with the bot's account, and what each contact/room received from the bot. */
function mockWeChat() {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const botUser = mocker.createContact({ name: 'Complaints Bot' });
  const received = new Map<string, string[]>();
  // Every text send the puppet was asked for, per conversation, and the ones it is to refuse next.
  const attempts: Array<{ to: string; at: number; refused: boolean }> = [];
  const refuseNext = new Set<string>();
  const sendText = puppet.messageSendText.bind(puppet);
  puppet.messageSendText = async (conversationId: string, text: string) => {
    const refused = refuseNext.delete(conversationId);
    attempts.push({ to: conversationId, at: Date.now(), refused });
    // Personal WeChat gives no retry-after: a puppet just fails the send ("too frequent").
    if (refused) throw new Error('wechaty-puppet-mock: send refused, too frequent');
    return sendText(conversationId, text);
  };
  const watch = (x: { id: string }) => {
    received.set(x.id, []);
    onMessage(x, (m) => {
      if (m.payload.talkerId === botUser.id) received.get(x.id)!.push(m.payload.text ?? '');
    });
  };
  return {
    mocker,
    puppet,
    botUser,
    received: (id: string) => received.get(id) ?? [],
    customer(name: string, payload: Record<string, unknown> = {}) {
      const c = mocker.createContact({ name, ...payload });
      watch(c);
      return c;
    },
    room(memberIds: string[]) {
      const r = mocker.createRoom({ memberIdList: [botUser.id, ...memberIds] });
      watch(r);
      return r;
    },
    login: () => mocker.login(botUser),
    /** The puppet fails the next send to this contact or room. */
    refuseNext: (id: string) => void refuseNext.add(id),
    attemptsTo: (id: string) => attempts.filter((a) => a.to === id).map(({ at, refused }) => ({ at, refused })),
  };
}

describe('wechaty create()', () => {
  it('refuses to run without WECHATY_I_ACCEPT_THE_RISK=yes, saying why', async () => {
    for (const risk of [undefined, 'no', 'true']) {
      const err = await refused(() => definition.create({ WECHATY_PUPPET: 'wechaty-puppet-wechat4u', WECHATY_I_ACCEPT_THE_RISK: risk }, deps()), 'CONFIG_INVALID');
      expect(err.message).toMatch(/^WECHATY_I_ACCEPT_THE_RISK:/);
      expect(err.message).toMatch(/breaks WeChat's terms/);
    }
  });

  const cases: Array<[Record<string, string>, string]> = [
    [{ ...RISK }, 'WECHATY_PUPPET'],
    [{ ...RISK, WECHATY_PUPPET: 'left-pad' }, 'WECHATY_PUPPET'],
    [{ ...RISK, WECHATY_PUPPET: '../evil/wechaty-puppet-x' }, 'WECHATY_PUPPET'],
    [{ ...RISK, WECHATY_PUPPET: 'wechaty-puppet-not-installed-here' }, 'WECHATY_PUPPET'],
    [{ ...RISK, WECHATY_PUPPET: 'wechaty-puppet-service' }, 'WECHATY_PUPPET_TOKEN'],
    [{ ...RISK, WECHATY_PUPPET: 'wechaty-puppet-wechat4u', WECHATY_PUPPET_TOKEN: 'a b' }, 'WECHATY_PUPPET_TOKEN'],
    [{ ...RISK, WECHATY_PUPPET: 'wechaty-puppet-wechat4u', WECHATY_SEND_INTERVAL_MS: '-1' }, 'WECHATY_SEND_INTERVAL_MS'],
    [{ ...RISK, WECHATY_PUPPET: 'wechaty-puppet-wechat4u', WECHATY_SEND_INTERVAL_MS: '999999' }, 'WECHATY_SEND_INTERVAL_MS'],
  ];
  it.each(cases)('rejects %j naming %s', async (env, variable) => {
    const err = await refused(() => definition.create(env, deps()), 'CONFIG_INVALID');
    expect(err.message.startsWith(`${variable}:`)).toBe(true);
  });

  it('accepts a puppet name (nothing is started or loaded until start())', () => {
    const ch = definition.create({ ...RISK, WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_TOKEN: 'puppet_xyz_token' }, deps());
    expect(ch.name).toBe('wechaty');
    expect(ch.webhook).toBeUndefined();
    expect(ch.capabilities?.choices).toBe('none');
    expect(definition.env).toEqual(expect.arrayContaining(['WECHATY_PUPPET', 'WECHATY_PUPPET_TOKEN', 'WECHATY_I_ACCEPT_THE_RISK']));
  });
});

describe('wechaty adapter against wechaty-puppet-mock', () => {
  let wx: ReturnType<typeof mockWeChat>;
  let ch: ChannelAdapter;
  const delivered: Array<Omit<WebhookResult, 'response'>> = [];
  let failNext = false;
  const messages = (): InboundMessage[] => delivered.flatMap((d) => d.messages);

  beforeAll(async () => {
    wx = mockWeChat();
    ch = createWechatyChannel({ ...RISK, WECHATY_SEND_INTERVAL_MS: '0' }, deps(), { puppet: wx.puppet });
    await ch.start!(async (r) => {
      if (failNext) {
        failNext = false;
        throw new AppError('UNAVAILABLE', 'shutting down');
      }
      delivered.push(r);
    });
  });
  afterAll(async () => {
    await ch.stop!();
  });

  it('cannot send before the account is logged in (retryable, not UNREACHABLE)', async () => {
    const c = wx.customer('early');
    const err = await ch.send(c.id, { text: 'x' }, ctx({ via: 'direct' })).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AppError);
    wx.login();
    await settle(50);
  });

  it('a text from a contact is delivered with its ids', async () => {
    const c = wx.customer('alice');
    const before = messages().length;
    c.say('  我的快递丢了  ').to(wx.botUser);
    await until(() => messages().length > before, 'the delivery');
    const m = messages().at(-1)!;
    expect(m).toMatchObject({ channel: 'wechaty', channelUserId: c.id, text: '我的快递丢了', contact: { via: 'direct' } });
    expect(m.messageId).toMatch(/\S+/);
    expect(Number.isNaN(Date.parse(m.timestamp))).toBe(false);
  });

  it('skips the bot’s own messages, non-text messages and group chatter without @bot', async () => {
    const c = wx.customer('bob');
    const room = wx.room([c.id]);
    const before = messages().length;
    await ch.send(c.id, { text: 'own message' }, ctx({ via: 'direct' }));
    // An image, as the mock puppet would emit it.
    const img = wx.mocker.MessageMock.create({ id: 'img-1', talkerId: c.id, listenerId: wx.botUser.id, timestamp: Date.now(), type: 6 /* Image */ } as never);
    wx.mocker.puppet.emit('message', { messageId: img.id });
    c.say('just chatting').to(room);
    await settle(200);
    expect(messages().length).toBe(before);
  });

  it('an @bot message in a group is delivered without the mention; the answer goes to the group', async () => {
    const c = wx.customer('carol');
    const room = wx.room([c.id]);
    const before = messages().length;
    c.say('电费扣了两次', [wx.botUser]).to(room);
    await until(() => messages().length > before, 'the group delivery');
    const m = messages().at(-1)!;
    expect(m).toMatchObject({ channelUserId: c.id, text: '电费扣了两次', contact: { via: 'room', roomId: room.id } });
    await ch.send(c.id, { text: '已收到' }, ctx(m.contact));
    await until(() => wx.received(room.id).length > 0, 'the group answer');
    expect(wx.received(room.id)).toEqual(['@carol 已收到']);
    expect(wx.received(c.id)).toEqual([]);
  });

  it('sends choices as numbered options and splits long texts', async () => {
    const c = wx.customer('dave');
    await ch.send(c.id, { text: '请选择', quickReplies: [{ label: '退款', payload: 'r' }, { label: '换货', payload: 'x' }, { label: '其他', payload: 'o' }] }, ctx({ via: 'direct' }));
    const long = '我们已经核实了您的电表读数，读数是正确的。'.repeat(150);
    await ch.send(c.id, { text: long }, ctx({ via: 'direct' }, { mode: 'push' }));
    await until(() => wx.received(c.id).length >= 3, 'the texts');
    const [choice, ...parts] = wx.received(c.id);
    expect(choice).toBe('请选择\n1. 退款\n2. 换货\n3. 其他\n请回复数字 1–3 选择。');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect([...p].length).toBeLessThanOrEqual(2000);
    expect(parts.join('')).toBe(long);
  });

  it('a contact that is gone, or not a friend, is UNREACHABLE', async () => {
    await refused(ch.send('no-such-contact', { text: 'x' }, ctx({ via: 'direct' })), 'UNREACHABLE');
    const stranger = wx.customer('stranger', { friend: false });
    await refused(ch.send(stranger.id, { text: 'x' }, ctx({ via: 'direct' })), 'UNREACHABLE');
    expect(wx.received(stranger.id)).toEqual([]);
    const c = wx.customer('erin');
    await refused(ch.send(c.id, { text: 'x' }, ctx({ via: 'room', roomId: 'gone@chatroom' })), 'UNREACHABLE');
  });

  it('a delivery the engine refuses is logged, and the bot keeps listening', async () => {
    const c = wx.customer('frank');
    failNext = true;
    c.say('first').to(wx.botUser);
    await settle(100);
    const before = messages().length;
    c.say('second').to(wx.botUser);
    await until(() => messages().length > before, 'the next delivery');
    expect(messages().at(-1)!.text).toBe('second');
  });

  it('canSend: yes (the engine handles unreachable customers)', () => {
    expect(ch.canSend!({ sentSinceInbound: 50, lastInboundAt: '2020-01-01T00:00:00Z' }, 'push', new Date())).toEqual({ allowed: 'yes' });
  });
});

describe('wechaty pacing', () => {
  it('spaces messages by WECHATY_SEND_INTERVAL_MS', async () => {
    const wx = mockWeChat();
    const ch = createWechatyChannel({ ...RISK, WECHATY_SEND_INTERVAL_MS: '150' }, deps(), { puppet: wx.puppet });
    await ch.start!(async () => {});
    try {
      wx.login();
      await settle(50);
      const c = wx.customer('gina');
      const at: number[] = [];
      onMessage(c, () => at.push(Date.now()));
      const t0 = Date.now();
      await Promise.all([ch.send(c.id, { text: 'one' }, ctx({ via: 'direct' })), ch.send(c.id, { text: 'two' }, ctx({ via: 'direct' }))]);
      await until(() => at.length === 2, 'both messages');
      expect(wx.received(c.id)).toEqual(['one', 'two']);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(140);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await ch.stop!();
    }
  });
});

describe('wechaty conformance', () => {
  let wx: ReturnType<typeof mockWeChat>;
  let loggedIn = false;
  const customers = new Map<string, ReturnType<ReturnType<typeof mockWeChat>['customer']>>();
  const customer = (user: string) => {
    if (!customers.has(user)) customers.set(user, wx.customer(user));
    return customers.get(user)!;
  };
  channelConformance({
    kind: 'polled',
    name: 'wechaty',
    // The service builds the channel from its variables; the mock puppet comes in through the factory.
    definition: { ...definition, create: (env, d) => createWechatyChannel(env, d, { puppet: wx.puppet }) },
    async start() {
      wx = mockWeChat();
      return { ...RISK, WECHATY_PUPPET: 'wechaty-puppet-mock', WECHATY_SEND_INTERVAL_MS: '0' };
    },
    async stop() {},
    async say(user, text) {
      // The bot starts with the service; the account logs in once it listens.
      if (!loggedIn) {
        wx.login();
        loggedIn = true;
        await settle(50);
      }
      customer(user).say(text).to(wx.botUser);
    },
    sent: (user): Sent[] => wx.received(customer(user).id).map((text) => ({ text })),
    channelUserId: (user) => customer(user).id,
    // Any time, while the customer is a friend.
    window: 'none',
    // No platform rate-limit answer on a personal account: the puppet fails the send, the adapter throws,
    // and the outbox retries the entry later.
    rateLimitNext(user) {
      wx.refuseNext(customer(user).id);
      return { retryAfter: false };
    },
    attempts: (user) => wx.attemptsTo(customer(user).id).map((a) => ({ at: a.at, limited: a.refused })),
  });
});
