import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../engine/turn/rate-limit.ts';
import type { ChannelAdapter } from '../../engine/channels.ts';
import { harness } from '../helpers/harness.ts';

// The platform's sending limits: a token bucket per channel and per customer. Time is the test's clock.

describe('rate limiter', () => {
  it('lets a burst through, then spaces messages to the rate, per customer and per channel', () => {
    let t = 0;
    const limiter = createRateLimiter(() => t);
    const rate = { perSecond: 30, burst: 30, perCustomerPerSecond: 1, customerBurst: 3 };
    expect([1, 2, 3].map(() => limiter.reserve('telegram', 'a', rate))).toEqual([0, 0, 0]);
    expect(limiter.reserve('telegram', 'a', rate)).toBe(1000);
    // Another customer is not held up by the first one's limit.
    expect(limiter.reserve('telegram', 'b', rate)).toBe(0);
    t = 1000;
    expect(limiter.reserve('telegram', 'a', rate)).toBe(0);
    expect(limiter.reserve('telegram', 'a', rate)).toBe(1000);
    // The channel-wide bucket: 30 a second across everyone.
    const wide = createRateLimiter(() => 0);
    const users = Array.from({ length: 31 }, (_, i) => wide.reserve('telegram', `u${i}`, rate));
    expect(users.slice(0, 30).every((w) => w === 0)).toBe(true);
    expect(users[30]).toBe(34);
  });
});

describe('outbox under a rate limit', () => {
  it('keeps a message over the limit in the store and sends it when the limit allows, never twice', async () => {
    const sent: string[] = [];
    const slow: ChannelAdapter = {
      name: 'test',
      // One message per 5 s for this customer: the second reply of a turn must wait.
      capabilities: { choices: 'buttons', maxButtons: 10, maxButtonLabel: 40, maxLength: 4000, markup: 'plain', rate: { perSecond: 100, burst: 100, perCustomerPerSecond: 0.2, customerBurst: 1 } },
      async send(_to, message) {
        sent.push(message.text);
      },
    };
    let h: ReturnType<typeof harness>;
    const limiter = createRateLimiter(() => h.clock.now.getTime());
    h = harness({ channels: [slow], limiter });
    await h.say('rl1', 'Hello');
    expect(sent).toHaveLength(1);
    const r = await h.say('rl1', 'I want to file a complaint');
    expect(r.replies.length).toBeGreaterThan(0);
    expect(sent).toHaveLength(1);
    const waiting = (await h.store.pendingEffects(new Date(h.clock.now.getTime() + 60_000).toISOString())).filter((e) => e.kind === 'send');
    expect(waiting).toHaveLength(r.replies.length);
    expect(Date.parse(waiting[0]!.notBefore) - h.clock.now.getTime()).toBe(5000);
    // Not before its time,
    await h.engine.drain();
    expect(sent).toHaveLength(1);
    // then once, in order, as the limit allows.
    for (let i = 0; i < r.replies.length; i++) {
      h.clock.now = new Date(h.clock.now.getTime() + 5000);
      await h.engine.drain();
    }
    expect(sent.slice(1)).toEqual(r.replies.map((x) => x.text));
    await h.engine.drain();
    expect(sent).toHaveLength(1 + r.replies.length);
  });
});
