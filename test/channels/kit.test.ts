import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { present, splitText } from '../../adapters/channel-kit/present.ts';
import type { ChannelDefinition } from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { channelConformance, PUBLIC_BASE, type Delivery, type Sent } from './conformance.ts';

describe('presenting replies by capability', () => {
  const caps = { choices: 'buttons' as const, maxButtons: 3, maxButtonLabel: 10, maxLength: 50, markup: 'plain' as const };
  const ask = { text: 'Which one?', quickReplies: ['Billing', 'Outage', 'Staff'].map((l) => ({ label: l, payload: l.toLowerCase() })) };

  it('keeps buttons when the channel has them and they fit', () => {
    expect(present(ask, caps, 'en')).toEqual({ texts: ['Which one?'], buttons: ask.quickReplies });
  });

  it('falls back to numbered options with a reply hint in the customer language', () => {
    const none = present(ask, { ...caps, choices: 'none', maxLength: 500 }, 'zh-CN');
    expect(none.buttons).toEqual([]);
    expect(none.texts[0]).toBe('Which one?\n1. Billing\n2. Outage\n3. Staff\n请回复数字 1–3 选择。');
    const tooMany = present({ ...ask, quickReplies: [...ask.quickReplies, { label: 'Other', payload: 'other' }] }, { ...caps, maxLength: 500 }, 'en');
    expect(tooMany.texts[0]).toMatch(/4\. Other\nReply with a number from 1 to 4\./);
  });

  it('splits long texts at sentence ends, never over the limit', () => {
    const text = '第一句话说明情况。第二句话再补充一些细节，比如时间和地点。第三句话是结尾。'.repeat(3);
    const parts = splitText(text, 30);
    expect(parts.join('')).toBe(text);
    for (const p of parts) expect([...p].length).toBeLessThanOrEqual(30);
    expect(parts[0]!.endsWith('。')).toBe(true);
    expect(splitText('x'.repeat(25), 10)).toEqual(['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx']);
  });
});

// A minimal signed-webhook channel, to hold the conformance suite itself to account. It has a 48 h window
// and no template (later messages then go by SMS), and its "platform" refuses a rate-limited send with
// "retry after 1 s", which the adapter does not wait out: it throws and the outbox retries the entry.
const SECRET = 'kit-secret';
const HOUR = 60 * 60 * 1000;
const outbox = new Map<string, Sent[]>();
const limited = new Set<string>();
const attempts: Array<{ user: string; at: number; limited: boolean }> = [];
const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('hex');
const kit: ChannelDefinition = {
  name: 'kit',
  env: ['KIT_SECRET'],
  create(env) {
    if (env.KIT_SECRET !== SECRET) throw new AppError('CONFIG_INVALID', 'KIT_SECRET: wrong');
    return {
      name: 'kit',
      capabilities: { choices: 'none', maxButtons: 0, maxButtonLabel: 0, maxLength: 200, markup: 'plain' },
      async webhook(req) {
        const given = Buffer.from(req.headers['x-kit-signature'] ?? '', 'utf8');
        const expected = Buffer.from(sign(req.body), 'utf8');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('UNAUTHORIZED', 'bad signature');
        let m: { user: string; text: string; id: string };
        try {
          m = JSON.parse(req.body) as typeof m;
        } catch {
          throw new AppError('BAD_REQUEST', 'not JSON');
        }
        if (typeof m?.user !== 'string' || typeof m.text !== 'string') throw new AppError('BAD_REQUEST', 'user and text required');
        return { messages: [{ channel: 'kit', channelUserId: m.user, text: m.text, messageId: m.id, timestamp: new Date().toISOString() }], response: { status: 200, body: 'ok' } };
      },
      async send(user, message, ctx) {
        const refused = limited.delete(user);
        attempts.push({ user, at: Date.now(), limited: refused });
        if (refused) throw new Error('kit: 429 Too Many Requests, retry after 1 s');
        const p = present(message, this.capabilities!, ctx.locale);
        const list = outbox.get(user) ?? [];
        for (const text of p.texts) list.push({ text });
        outbox.set(user, list);
      },
      canSend(contact, _kind, now) {
        const last = contact.lastInboundAt ? Date.parse(contact.lastInboundAt) : NaN;
        return now.getTime() - last < 48 * HOUR ? { allowed: 'yes' } : { allowed: 'no', reason: 'kit: 48 h since the customer last wrote' };
      },
    };
  },
};

channelConformance({
  kind: 'webhook',
  name: 'kit',
  definition: kit,
  start: async () => ({ KIT_SECRET: SECRET }),
  stop: async () => {},
  inbound(user, text, id): Delivery {
    const body = JSON.stringify({ user, text, id });
    return { method: 'POST', path: '/webhooks/kit', headers: { 'content-type': 'application/json', 'x-kit-signature': sign(body) }, body };
  },
  forge: (d) => ({ ...d, headers: { ...d.headers, 'x-kit-signature': sign(`${d.body} `) } }),
  unsigned: (d) => ({ ...d, headers: { 'content-type': 'application/json' } }),
  malformed() {
    const body = '{"user": 1';
    return { method: 'POST', path: '/webhooks/kit', headers: { 'x-kit-signature': sign(body) }, body };
  },
  sent: (user) => outbox.get(user) ?? [],
  channelUserId: (user) => user,
  window: { template: false },
  rateLimitNext(user) {
    limited.add(user);
    return { retryAfter: true };
  },
  attempts: (user) => attempts.filter((a) => a.user === user),
});
void PUBLIC_BASE;
