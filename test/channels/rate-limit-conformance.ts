import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../engine/turn/rate-limit.ts';
import type { ChannelAdapter } from '../../engine/channels.ts';
import { harness } from '../helpers/harness.ts';

// The platform's sending limits: a token bucket per channel and per customer, whoever keeps them (the
// process, or Redis for every instance). Time is the test's clock, one per limiter instance.

/** A limiter instance on a backend: one process's view of the buckets, on its own clock. */
export type Instance = (clock: () => number) => RateLimiter;

export interface RateLimiterSubject {
  /** A fresh, empty backend; each call of the function it returns is another instance on it. */
  backend(): Promise<Instance>;
}

const rate = { perSecond: 30, burst: 30, perCustomerPerSecond: 1, customerBurst: 3 };

export function rateLimiterConformance(name: string, subject: RateLimiterSubject): void {
  describe(`rate limiter: ${name}`, () => {
    it('lets a burst through, then spaces messages to the rate, per customer and per channel', async () => {
      let t = 0;
      const limiter = (await subject.backend())(() => t);
      const reserve = (user: string) => limiter.reserve('telegram', user, rate);
      expect(await Promise.all([1, 2, 3].map(() => reserve('a')))).toEqual([0, 0, 0]);
      expect(await reserve('a')).toBe(1000);
      // Another customer is not held up by the first one's limit.
      expect(await reserve('b')).toBe(0);
      t = 1000;
      expect(await reserve('a')).toBe(0);
      expect(await reserve('a')).toBe(1000);
      t = 1500;
      expect(await reserve('a')).toBe(500);
      // Another channel has buckets of its own.
      expect(await limiter.reserve('line', 'a', rate)).toBe(0);
      // The channel-wide bucket: 30 a second across everyone.
      const wide = (await subject.backend())(() => 0);
      const users = await Promise.all(Array.from({ length: 31 }, (_, i) => wide.reserve('telegram', `u${i}`, rate)));
      expect(users.slice(0, 30).every((w) => w === 0)).toBe(true);
      expect(users[30]).toBe(34);
    });

    it('two instances on one backend share the buckets', async () => {
      let t = 0;
      const backend = await subject.backend();
      const [a, b] = [backend(() => t), backend(() => t)];
      expect(await a.reserve('telegram', 'c', rate)).toBe(0);
      expect(await b.reserve('telegram', 'c', rate)).toBe(0);
      expect(await a.reserve('telegram', 'c', rate)).toBe(0);
      expect(await b.reserve('telegram', 'c', rate)).toBe(1000);
      expect(await a.reserve('telegram', 'c', rate)).toBe(1000);
      t = 1000;
      expect(await b.reserve('telegram', 'c', rate)).toBe(0);
      expect(await a.reserve('telegram', 'c', rate)).toBe(1000);
      // The channel's 30 a second, drawn on by both at once, is 30 in all.
      t = 60_000;
      const both = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).reserve('telegram', `w${i}`, rate)));
      expect(both.filter((w) => w === 0)).toHaveLength(30);
      // One customer's burst, asked for by both at once, is 3 in all.
      const one = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).reserve('line', 'd', rate)));
      expect(one.filter((w) => w === 0)).toHaveLength(3);
    });

    it('a clock that steps back neither adds tokens nor takes them away (no negative refill)', async () => {
      let t = 10_000;
      const backend = await subject.backend();
      const limiter = backend(() => t);
      for (let i = 0; i < 3; i++) expect(await limiter.reserve('telegram', 'e', rate)).toBe(0);
      expect(await limiter.reserve('telegram', 'e', rate)).toBe(1000);
      // Back a second: the token is two seconds away on this clock, none came back.
      t = 9_000;
      expect(await limiter.reserve('telegram', 'e', rate)).toBe(2000);
      t = 10_000;
      expect(await limiter.reserve('telegram', 'e', rate)).toBe(1000);
      // An instance whose clock is behind refills nothing and waits until the bucket's time has come.
      let late = 5_000;
      const behind = backend(() => late);
      expect(await behind.reserve('telegram', 'e', rate)).toBe(6000);
      t = 11_000;
      expect(await limiter.reserve('telegram', 'e', rate)).toBe(0);
      expect(await limiter.reserve('telegram', 'e', rate)).toBe(1000);
      late = 11_500;
      expect(await behind.reserve('telegram', 'e', rate)).toBe(500);
      // Nor does it take any away: the two tokens left are there for it too.
      t = 20_000;
      late = 19_000;
      expect(await limiter.reserve('telegram', 'f', rate)).toBe(0);
      expect(await behind.reserve('telegram', 'f', rate)).toBe(0);
      expect(await behind.reserve('telegram', 'f', rate)).toBe(0);
      expect(await behind.reserve('telegram', 'f', rate)).toBe(2000);
      expect(await limiter.reserve('telegram', 'f', rate)).toBe(1000);
    });

    it('outbox under a rate limit keeps a message over the limit in the store and sends it when the limit allows, never twice', async () => {
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
      const limiter = (await subject.backend())(() => h.clock.now.getTime());
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
}
