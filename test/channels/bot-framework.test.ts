import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { ChannelAdapter, InboundMessage, SendContext, WebhookRequest } from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { createBotFramework, definition } from '../../adapters/bot-framework/index.ts';
import { clientCredentialsToken, TokenError } from '../../adapters/bot-framework/aad-token.ts';
import { channelConformance, type Delivery, type Sent } from './conformance.ts';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.ts';
import { freePort } from '../helpers/redis-server.ts';

const APP_ID = '0f4c6b36-5a3e-4c1e-9c55-2f3f0b1d7a11';
const SECRET = 'super-secret-password-value';
const log = pino({ level: 'silent' });
const deps = {
  kv: { get: async () => null, set: async () => {} },
  log,
  now: () => new Date('2025-03-01T08:00:00Z'),
};

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<AppError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    return err as AppError;
  }
  throw new Error(`expected AppError ${code}`);
}

const ctx = (contact: Record<string, unknown> | undefined, mode: 'reply' | 'push' = 'reply', extra: Partial<SendContext> = {}): SendContext => ({
  conversationId: 'c1',
  mode,
  live: false,
  n: 1,
  locale: 'en',
  ...(contact ? { contact } : {}),
  ...extra,
});

let fake: FakeBotConnector;
let anon: ChannelAdapter;
let authed: ChannelAdapter;

beforeAll(async () => {
  fake = await startFakeBotConnector();
  anon = definition.create({ BOT_FRAMEWORK_ALLOW_ANONYMOUS: 'true' }, deps);
  authed = definition.create(
    { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, BOT_FRAMEWORK_OPENID_METADATA_URL: fake.openIdMetadataUrl },
    deps,
  );
});
afterAll(async () => {
  await fake.close();
});

/** Delivers an activity through the anonymous adapter and returns its one message. */
async function inbound(o: Parameters<FakeBotConnector['activity']>[0] = {}): Promise<InboundMessage> {
  const r = await anon.webhook!(fake.delivery(fake.activity(o), 'none'));
  expect(r.messages).toHaveLength(1);
  return r.messages[0]!;
}

describe('bot-framework create()', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ MICROSOFT_APP_PASSWORD: SECRET }, 'MICROSOFT_APP_ID'],
    [{ BOT_FRAMEWORK_ALLOW_ANONYMOUS: 'false' }, 'MICROSOFT_APP_ID'],
    [{ MICROSOFT_APP_ID: 'not-a-guid', MICROSOFT_APP_PASSWORD: SECRET }, 'MICROSOFT_APP_ID'],
    [{ MICROSOFT_APP_ID: APP_ID }, 'MICROSOFT_APP_PASSWORD'],
    [{ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, MICROSOFT_APP_TYPE: 'SingleTenant' }, 'MICROSOFT_APP_TENANT_ID'],
    [{ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, MICROSOFT_APP_TYPE: 'SingleTenant', MICROSOFT_APP_TENANT_ID: 'bad tenant!' }, 'MICROSOFT_APP_TENANT_ID'],
    [{ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, MICROSOFT_APP_TYPE: 'Personal' }, 'MICROSOFT_APP_TYPE'],
    [{ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_TENANT_ID: APP_ID }, 'MICROSOFT_APP_PASSWORD'],
    [{ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, BOT_FRAMEWORK_ALLOW_ANONYMOUS: 'true' }, 'BOT_FRAMEWORK_ALLOW_ANONYMOUS'],
    [{ BOT_FRAMEWORK_ALLOW_ANONYMOUS: 'yes' }, 'BOT_FRAMEWORK_ALLOW_ANONYMOUS'],
    [{ BOT_FRAMEWORK_ALLOW_ANONYMOUS: 'true', BOT_FRAMEWORK_OPENID_METADATA_URL: 'ftp://x' }, 'BOT_FRAMEWORK_OPENID_METADATA_URL'],
    [{ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, BOT_FRAMEWORK_LOGIN_URL: 'login.microsoftonline.com' }, 'BOT_FRAMEWORK_LOGIN_URL'],
  ];
  it.each(cases)('rejects %j naming %s, without echoing the secret', async (env, variable) => {
    const err = await rejects(() => definition.create(env, deps), 'CONFIG_INVALID');
    expect(err.message.startsWith(`${variable}:`)).toBe(true);
    expect(err.message).not.toContain(SECRET);
  });

  it('accepts the three app types', () => {
    expect(definition.create({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET }, deps).path).toBe('/api/messages');
    expect(definition.create({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, MICROSOFT_APP_TYPE: 'singletenant', MICROSOFT_APP_TENANT_ID: 'contoso.onmicrosoft.com' }, deps).name).toBe('bot-framework');
    expect(definition.create({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_TENANT_ID: APP_ID }, deps).name).toBe('bot-framework');
    expect(definition.env).toContain('MICROSOFT_APP_ID');
  });
});

describe('bot-framework inbound authentication (app id set: the SDK checks the JWT)', () => {
  it('accepts a token signed by the published key, for this bot, bound to the serviceUrl', async () => {
    const a = fake.activity({ text: 'my parcel is lost' });
    const r = await authed.webhook!(fake.delivery(a, { appId: APP_ID }));
    expect(r.response.status).toBe(200);
    expect(r.messages.map((m) => m.text)).toEqual(['my parcel is lost']);
  });

  it('rejects a missing token, before reading the body', async () => {
    await rejects(authed.webhook!(fake.delivery(fake.activity(), 'none')), 'UNAUTHORIZED');
    await rejects(authed.webhook!({ ...fake.delivery(fake.activity(), 'none'), body: '{not json' }), 'UNAUTHORIZED');
    await rejects(authed.webhook!({ ...fake.delivery(fake.activity(), 'none'), headers: { authorization: 'Basic abc' } }), 'UNAUTHORIZED');
  });

  it('rejects a forged token (same kid, another key), also with a malformed body', async () => {
    await rejects(authed.webhook!(fake.delivery(fake.activity(), { token: fake.forgedToken(APP_ID) })), 'UNAUTHORIZED');
    const forged = fake.delivery(fake.activity(), { token: fake.forgedToken(APP_ID) });
    await rejects(authed.webhook!({ ...forged, body: '{not json' }), 'UNAUTHORIZED');
    await rejects(authed.webhook!(fake.delivery(fake.activity(), { token: 'garbage' })), 'UNAUTHORIZED');
  });

  it('rejects a token for another bot, another issuer, another serviceUrl, or expired', async () => {
    const a = fake.activity();
    await rejects(authed.webhook!(fake.delivery(a, { token: fake.token('11111111-2222-3333-4444-555555555555') })), 'UNAUTHORIZED');
    await rejects(authed.webhook!(fake.delivery(a, { token: fake.token(APP_ID, { issuer: 'https://evil.example.com' }) })), 'UNAUTHORIZED');
    await rejects(authed.webhook!(fake.delivery(a, { token: fake.token(APP_ID, { serviceUrl: 'https://evil.example.com/' }) })), 'UNAUTHORIZED');
    await rejects(authed.webhook!(fake.delivery(a, { token: fake.token(APP_ID, { expiresInSeconds: -3600 }) })), 'UNAUTHORIZED');
  });

  it('a valid token with a malformed body is BAD_REQUEST', async () => {
    const d = fake.delivery(fake.activity(), { appId: APP_ID });
    await rejects(authed.webhook!({ ...d, body: '{not json' }), 'BAD_REQUEST');
    const noConv = { ...fake.activity(), conversation: undefined };
    await rejects(authed.webhook!(fake.delivery(noConv, { appId: APP_ID })), 'BAD_REQUEST');
  });

  it('signing keys that cannot be loaded are UNAVAILABLE, not a pass', async () => {
    const port = await freePort();
    const down = definition.create(
      { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, BOT_FRAMEWORK_OPENID_METADATA_URL: `http://127.0.0.1:${port}/v1/.well-known/openidconfiguration` },
      deps,
    );
    await rejects(down.webhook!(fake.delivery(fake.activity(), { appId: APP_ID })), 'UNAVAILABLE');
  });
});

describe('bot-framework parse (anonymous: emulator mode)', () => {
  it('turns a message activity into a message with a stored conversation reference', async () => {
    const a = fake.activity({ text: '  我的快递丢了  ', channelId: 'msteams', conversationId: 'a:1xyz', fromId: '29:abc', id: 'act-1', locale: 'zh-Hant-TW' });
    const r = await anon.webhook!(fake.delivery(a, 'none'));
    expect(r.response.status).toBe(200);
    const m = r.messages[0]!;
    expect(m).toMatchObject({
      channel: 'bot-framework',
      channelUserId: 'msteams:a:1xyz',
      text: '我的快递丢了',
      messageId: 'msteams:a:1xyz:act-1',
      localeHint: 'zh-TW',
      timestamp: a.timestamp,
    });
    expect(m.contact).toEqual({
      conversationReference: {
        channelId: 'msteams',
        serviceUrl: fake.serviceUrl,
        conversation: { id: 'a:1xyz' },
        bot: { id: 'bot-id' },
        user: { id: '29:abc' },
        activityId: 'act-1',
        locale: 'zh-Hant-TW',
      },
    });
    // No display names are kept.
    expect(JSON.stringify(m.contact)).not.toContain('Customer Name');
  });

  it('maps locales', async () => {
    expect((await inbound({ locale: 'en-US' })).localeHint).toBe('en');
    expect((await inbound({ locale: 'zh-CN' })).localeHint).toBe('zh-CN');
    expect((await inbound({ locale: 'fr-FR' })).localeHint).toBeUndefined();
  });

  it('the same delivery twice carries the same messageId (the engine dedupes on it)', async () => {
    const a = fake.activity();
    const one = await anon.webhook!(fake.delivery(a, 'none'));
    const two = await anon.webhook!(fake.delivery(a, 'none'));
    expect(one.messages[0]!.messageId).toBe(two.messages[0]!.messageId);
  });

  it('malformed bodies are BAD_REQUEST', async () => {
    const d = fake.delivery(fake.activity(), 'none');
    await rejects(anon.webhook!({ ...d, body: 'nope' }), 'BAD_REQUEST');
    await rejects(anon.webhook!({ ...d, body: '[]' }), 'BAD_REQUEST');
    await rejects(anon.webhook!(fake.delivery({ ...fake.activity(), from: undefined }, 'none')), 'BAD_REQUEST');
    await rejects(anon.webhook!(fake.delivery({ ...fake.activity(), id: undefined }, 'none')), 'BAD_REQUEST');
  });

  it('anonymous mode refuses a serviceUrl off this machine (no token binds it)', async () => {
    await rejects(anon.webhook!(fake.delivery({ ...fake.activity(), serviceUrl: 'https://evil.example.com/' }, 'none')), 'UNAUTHORIZED');
  });

  it('attachments without text, typing and other activities make no message', async () => {
    const img = { ...fake.activity(), text: undefined, attachments: [{ contentType: 'image/png', contentUrl: 'http://x/y.png' }] };
    expect((await anon.webhook!(fake.delivery(img, 'none'))).messages).toEqual([]);
    const typing = fake.activity({ type: 'typing' });
    expect(await anon.webhook!(fake.delivery(typing, 'none'))).toEqual({ messages: [], response: { status: 200 } });
  });

  it('a group message drops the @bot mention and keys the customer by chat and member', async () => {
    const a = fake.activity({
      channelId: 'msteams',
      conversationId: '19:room@thread.v2',
      fromId: '29:member',
      isGroup: true,
      text: '<at>Complaints Bot</at> my order is late',
      extra: { entities: [{ type: 'mention', mentioned: { id: 'bot-id', name: 'Complaints Bot' }, text: '<at>Complaints Bot</at>' }] },
    });
    const m = (await anon.webhook!(fake.delivery(a, 'none'))).messages[0]!;
    expect(m.text).toBe('my order is late');
    expect(m.channelUserId).toBe('msteams:19:room@thread.v2:29:member');
    await anon.send(m.channelUserId, { text: 'Noted.' }, ctx(m.contact));
    expect(fake.sentTo('19:room@thread.v2').map((s) => s.text)).toEqual(['Noted.']);
  });

  it('uninstall / bot removed are blocked events; install is opted_in', async () => {
    const base = fake.activity({ type: 'installationUpdate', channelId: 'msteams', conversationId: 'a:9' });
    const removed = await anon.webhook!(fake.delivery({ ...base, action: 'remove' }, 'none'));
    expect(removed.events).toEqual([{ channelUserId: 'msteams:a:9', type: 'blocked', at: base.timestamp }]);
    const added = await anon.webhook!(fake.delivery({ ...base, action: 'add' }, 'none'));
    expect(added.events?.[0]?.type).toBe('opted_in');
    const upd = fake.activity({ type: 'conversationUpdate', conversationId: 'c-7', extra: { membersRemoved: [{ id: 'bot-id' }] } });
    expect((await anon.webhook!(fake.delivery(upd, 'none'))).events).toEqual([{ channelUserId: 'webchat:c-7', type: 'blocked', at: upd.timestamp }]);
    const other = fake.activity({ type: 'conversationUpdate', extra: { membersRemoved: [{ id: 'someone-else' }] } });
    expect((await anon.webhook!(fake.delivery(other, 'none'))).events).toBeUndefined();
  });
});

describe('bot-framework send through the SDK to the fake connector', () => {
  it('a reply threads under the customer message; a push goes to the conversation', async () => {
    const m = await inbound({ conversationId: 'conv-reply', id: 'in-1' });
    await anon.send(m.channelUserId, { text: 'We are sorry.' }, ctx(m.contact));
    await anon.send(m.channelUserId, { text: 'Your ticket was updated.' }, ctx(m.contact, 'push'));
    const out = fake.sentTo('conv-reply');
    expect(out.map((s) => [s.text, s.replyToId ?? null, s.textFormat])).toEqual([
      ['We are sorry.', 'in-1', 'plain'],
      ['Your ticket was updated.', null, 'plain'],
    ]);
    // Auth off: the SDK sends no Authorization header.
    expect(out[0]!.authorization).toBeNull();
  });

  it('quick replies become suggested actions on Web Chat (full label posted back)', async () => {
    const m = await inbound({ conversationId: 'conv-buttons' });
    const long = 'A very long option label that is longer than forty characters';
    await anon.send(m.channelUserId, { text: 'How urgent?', quickReplies: [{ label: 'Urgent', payload: 'u' }, { label: long, payload: 'l' }] }, ctx(m.contact));
    const [s] = fake.sentTo('conv-buttons');
    expect(s!.text).toBe('How urgent?');
    expect(s!.suggestedActions).toEqual([
      { type: 'imBack', title: 'Urgent', value: 'Urgent' },
      { type: 'imBack', title: [...long].slice(0, 40).join(''), value: long },
    ]);
  });

  it('Teams shows three suggested actions at most: four become numbered options', async () => {
    const m = await inbound({ channelId: 'msteams', conversationId: 'a:teams4' });
    const qr = ['One', 'Two', 'Three', 'Four'].map((label) => ({ label, payload: label }));
    await anon.send(m.channelUserId, { text: 'Pick one', quickReplies: qr }, ctx(m.contact));
    const [s] = fake.sentTo('a:teams4');
    expect(s!.suggestedActions).toBeUndefined();
    expect(s!.text).toContain('1. One\n2. Two\n3. Three\n4. Four');
    expect(s!.text).toContain('Reply with a number from 1 to 4');
    const m3 = await inbound({ channelId: 'msteams', conversationId: 'a:teams3' });
    await anon.send(m3.channelUserId, { text: 'Pick', quickReplies: qr.slice(0, 3) }, ctx(m3.contact));
    expect(fake.sentTo('a:teams3')[0]!.suggestedActions?.map((x) => x.title)).toEqual(['One', 'Two', 'Three']);
  });

  it('channels without suggested actions get numbered options', async () => {
    const m = await inbound({ channelId: 'slack', conversationId: 'slack-conv' });
    await anon.send(m.channelUserId, { text: '请选择', quickReplies: [{ label: '是', payload: 'y' }, { label: '否', payload: 'n' }] }, ctx(m.contact, 'reply', { locale: 'zh-CN' }));
    const [s] = fake.sentTo('slack-conv');
    expect(s!.suggestedActions).toBeUndefined();
    expect(s!.text).toBe('请选择\n1. 是\n2. 否\n请回复数字 1 或 2 选择。');
  });

  it('splits long texts; the buttons ride on the last part', async () => {
    const m = await inbound({ conversationId: 'conv-long' });
    const text = Array.from({ length: 300 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    await anon.send(m.channelUserId, { text, quickReplies: [{ label: 'OK', payload: 'ok' }] }, ctx(m.contact));
    const out = fake.sentTo('conv-long');
    expect(out.length).toBeGreaterThan(1);
    for (const s of out) expect([...s.text].length).toBeLessThanOrEqual(4000);
    expect(out.map((s) => s.text).join(' ')).toBe(text);
    expect(out.slice(0, -1).every((s) => !s.suggestedActions)).toBe(true);
    expect(out.at(-1)!.suggestedActions).toEqual([{ type: 'imBack', title: 'OK', value: 'OK' }]);
  });

  it('a 429 with a short Retry-After is waited out by the SDK and resent', async () => {
    const m = await inbound({ conversationId: 'conv-429' });
    fake.rateLimit(1);
    const t0 = Date.now();
    await anon.send(m.channelUserId, { text: 'after a pause' }, ctx(m.contact));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(fake.attempts.filter((x) => x.conversationId === 'conv-429').map((x) => x.status)).toEqual([429, 200]);
    expect(fake.sentTo('conv-429').map((s) => s.text)).toEqual(['after a pause']);
  });

  it('a long Retry-After is not waited out: the send fails fast for the outbox to retry', async () => {
    const m = await inbound({ conversationId: 'conv-429-long' });
    fake.rateLimit(3600);
    const t0 = Date.now();
    const err = await anon.send(m.channelUserId, { text: 'x' }, ctx(m.contact)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AppError);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(fake.attempts.filter((x) => x.conversationId === 'conv-429-long').map((x) => x.status)).toEqual([429]);
  });

  it('repeated 429s are retried a bounded number of times', async () => {
    const m = await inbound({ conversationId: 'conv-429-many' });
    fake.rateLimit(0, 10);
    const err = await anon.send(m.channelUserId, { text: 'x' }, ctx(m.contact)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(fake.attempts.filter((x) => x.conversationId === 'conv-429-many').map((x) => x.status)).toEqual([429, 429, 429]);
    fake.rateLimit(0, 0);
  });

  it('403 (blocked / uninstalled) and 404 (conversation gone) are UNREACHABLE', async () => {
    const m = await inbound({ conversationId: 'conv-403' });
    fake.block('conv-403', 403);
    await rejects(anon.send(m.channelUserId, { text: 'x' }, ctx(m.contact, 'push')), 'UNREACHABLE');
    const m2 = await inbound({ conversationId: 'conv-404' });
    fake.block('conv-404', 404);
    await rejects(anon.send(m2.channelUserId, { text: 'x' }, ctx(m2.contact, 'push')), 'UNREACHABLE');
  });

  it('no stored reference: UNREACHABLE; a reference of another customer is refused', async () => {
    await rejects(anon.send('webchat:x', { text: 'x' }, ctx(undefined, 'push')), 'UNREACHABLE');
    const m = await inbound({ conversationId: 'conv-a' });
    await expect(anon.send('webchat:conv-b', { text: 'x' }, ctx(m.contact))).rejects.toThrow(/another customer/);
    await expect(anon.send('webchat:conv', { text: 'x' }, ctx(m.contact))).rejects.toThrow(/another customer/);
    expect(fake.sentTo('conv-a')).toEqual([]);
  });
});

describe('bot-framework canSend', () => {
  it('yes with a stored conversation reference, no without', async () => {
    const m = await inbound();
    const now = new Date();
    expect(anon.canSend!({ sentSinceInbound: 9, lastInboundAt: '2020-01-01T00:00:00Z', data: m.contact }, 'push', now)).toEqual({ allowed: 'yes' });
    expect(anon.canSend!({ sentSinceInbound: 0 }, 'push', now).allowed).toBe('no');
    expect(anon.canSend!({ sentSinceInbound: 0, data: { conversationReference: { channelId: 'webchat' } } }, 'push', now).allowed).toBe('no');
  });
});

describe('bot-framework with authentication on: outbound carries the bot token', () => {
  it('sends with Authorization: Bearer from the token source; the connector refusing it is not UNREACHABLE', async () => {
    const own = await startFakeBotConnector();
    try {
      own.requireOutboundToken('aad-token-1');
      const env = { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, BOT_FRAMEWORK_OPENID_METADATA_URL: own.openIdMetadataUrl };
      const bf = createBotFramework(env, deps, { outboundToken: async () => 'aad-token-1' });
      const r = await bf.webhook!(own.delivery(own.activity({ conversationId: 'conv-auth' }), { appId: APP_ID }));
      const m = r.messages[0]!;
      await bf.send(m.channelUserId, { text: 'signed' }, ctx(m.contact));
      expect(own.sentTo('conv-auth').map((s) => [s.text, s.authorization])).toEqual([['signed', 'Bearer aad-token-1']]);
      const wrong = createBotFramework(env, deps, { outboundToken: async () => 'stale' });
      const err = await wrong.send(m.channelUserId, { text: 'x' }, ctx(m.contact)).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(AppError);
    } finally {
      await own.close();
    }
  });
});

describe('bot-framework outbound token from Entra ID (client-credentials grant)', () => {
  it('asks the login host once, shares one request among callers, and asks again five minutes before expiry', async () => {
    const own = await startFakeBotConnector();
    try {
      own.requireAadClient({ appId: APP_ID, password: SECRET, tenant: 'botframework.com', expiresIn: 3600 });
      let t = 1_000_000;
      const token = clientCredentialsToken({ loginBase: own.loginUrl, tenant: 'botframework.com', appId: APP_ID, password: SECRET, now: () => t });
      const [a, b] = await Promise.all([token(), token()]);
      expect(a).toBe(b);
      expect(own.tokenRequests).toEqual([{ tenant: 'botframework.com', ok: true }]);
      t += 54 * 60 * 1000;
      expect(await token()).toBe(a);
      t += 60 * 1000 + 1;
      const fresh = await token();
      expect(fresh).not.toBe(a);
      expect(own.tokenRequests).toHaveLength(2);
    } finally {
      await own.close();
    }
  });

  it('a refused secret or tenant is an error naming the reason, never the secret', async () => {
    const own = await startFakeBotConnector();
    try {
      own.requireAadClient({ appId: APP_ID, password: SECRET, tenant: 'contoso.onmicrosoft.com' });
      const wrongSecret = await clientCredentialsToken({ loginBase: own.loginUrl, tenant: 'contoso.onmicrosoft.com', appId: APP_ID, password: 'not-the-secret' })().catch((e: unknown) => e);
      expect(wrongSecret).toBeInstanceOf(TokenError);
      expect((wrongSecret as TokenError).message).toBe('token request refused: 401 invalid_client');
      const wrongTenant = await clientCredentialsToken({ loginBase: own.loginUrl, tenant: 'botframework.com', appId: APP_ID, password: SECRET })().catch((e: unknown) => e);
      expect((wrongTenant as TokenError).message).toBe('token request refused: 400 unauthorized_client');
      expect(String((wrongTenant as Error).message)).not.toContain(SECRET);
    } finally {
      await own.close();
    }
  });

  it('a single-tenant bot asks its own tenant; the connector takes the token it got', async () => {
    const own = await startFakeBotConnector();
    try {
      const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
      own.requireAadClient({ appId: APP_ID, password: SECRET, tenant });
      const env = {
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: SECRET,
        MICROSOFT_APP_TYPE: 'SingleTenant',
        MICROSOFT_APP_TENANT_ID: tenant,
        BOT_FRAMEWORK_OPENID_METADATA_URL: own.openIdMetadataUrl,
        BOT_FRAMEWORK_LOGIN_URL: own.loginUrl,
      };
      const bf = definition.create(env, deps);
      const r = await bf.webhook!(own.delivery(own.activity({ conversationId: 'conv-tenant' }), { appId: APP_ID }));
      const m = r.messages[0]!;
      await bf.send(m.channelUserId, { text: 'one' }, ctx(m.contact));
      await bf.send(m.channelUserId, { text: 'two' }, ctx(m.contact));
      expect(own.sentTo('conv-tenant').map((s) => s.text)).toEqual(['one', 'two']);
      expect(own.sentTo('conv-tenant')[0]!.authorization).toMatch(/^Bearer aad-/);
      expect(own.tokenRequests).toEqual([{ tenant, ok: true }]);
    } finally {
      await own.close();
    }
  });
});

describe('bot-framework conformance', () => {
  let cf: FakeBotConnector;
  const deliveries = new Map<string, Record<string, unknown>>();
  const asDelivery = (r: WebhookRequest): Delivery => ({ method: r.method, path: '/api/messages', headers: r.headers, body: r.body });
  channelConformance({
    kind: 'webhook',
    name: 'bot-framework',
    // Authentication on: inbound tokens checked against the fake's signing keys, outbound tokens got
    // from the fake's stand-in for Entra ID with the app id and password, as in production.
    definition,
    async start() {
      cf = await startFakeBotConnector();
      cf.requireAadClient({ appId: APP_ID, password: SECRET, tenant: 'botframework.com' });
      return { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: SECRET, BOT_FRAMEWORK_OPENID_METADATA_URL: cf.openIdMetadataUrl, BOT_FRAMEWORK_LOGIN_URL: cf.loginUrl };
    },
    stop: () => cf.close(),
    inbound(user, text, deliveryId) {
      // One activity per delivery id: posting it twice is the connector redelivering it.
      if (!deliveries.has(deliveryId)) deliveries.set(deliveryId, cf.activity({ conversationId: `conv-${user}`, fromId: `user-${user}`, id: deliveryId, text, locale: 'en-US' }));
      return asDelivery(cf.delivery(deliveries.get(deliveryId)!, { appId: APP_ID }));
    },
    forge: (d) => ({ ...d, headers: { ...d.headers, authorization: `Bearer ${cf.forgedToken(APP_ID)}` } }),
    unsigned: (d) => ({ ...d, headers: Object.fromEntries(Object.entries(d.headers).filter(([k]) => k.toLowerCase() !== 'authorization')) }),
    malformed: () => asDelivery({ ...cf.delivery(cf.activity(), { appId: APP_ID }), body: '{"type":"message","text":"hi"}' }),
    sent: (user): Sent[] => cf.sentTo(`conv-${user}`).map((s) => ({ text: s.text, ...(s.suggestedActions ? { buttons: s.suggestedActions.map((a) => a.title) } : {}) })),
    channelUserId: (user) => `webchat:conv-${user}`,
    // Proactive messages go any time to a stored conversation reference.
    window: 'none',
    // 429 with a Retry-After header: the connector client's retry policy waits it out in place.
    rateLimitNext(user, seconds) {
      cf.rateLimitConversation(`conv-${user}`, seconds);
      return { retryAfter: true };
    },
    attempts: (user) => cf.attempts.filter((a) => a.conversationId === `conv-${user}`).map((a) => ({ at: a.at, limited: a.status === 429 })),
  });
});
