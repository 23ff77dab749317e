import { expect, it } from 'vitest';
import { createRateLimiter } from '../../engine/turn/rate-limit.ts';
import { createRedisRateLimiter } from '../../adapters/store/redis/redis-rate-limit.ts';
import { redisForFile } from '../helpers/redis-server.ts';
import { rateLimiterConformance } from './rate-limit-conformance.ts';

// One suite for both limiters: in the process (one instance), and in Redis (shared by instances).

rateLimiterConformance('memory', {
  backend: async () => {
    const buckets = new Map();
    return (clock) => createRateLimiter(clock, buckets);
  },
});

const redis = redisForFile('test-rate-limit');
let n = 0;

rateLimiterConformance('redis', {
  backend: async () => {
    const prefix = `test-rate-${process.pid}-${++n}:`;
    return (clock) => createRedisRateLimiter({ client: redis.connect(), prefix, clock });
  },
});

it('redis: a bucket key expires once it would have refilled', async () => {
  const c = redis.connect();
  const prefix = `test-rate-${process.pid}-${++n}:`;
  const limiter = createRedisRateLimiter({ client: c, prefix, clock: () => 0 });
  expect(await limiter.reserve('tele{gram}', 'a', { perSecond: 10, burst: 20, perCustomerPerSecond: 1, customerBurst: 3 })).toBe(0);
  const keys = (await c.keys(`${prefix}*`)).sort();
  expect(keys).toEqual([`${prefix}rate:{tele%7Bgram%7D}`, `${prefix}rate:{tele%7Bgram%7D}:a`]);
  // Channel: 1 token short of 20 at 10/s is 100 ms; customer: 1 of 3 at 1/s is 1 s; each with a second to spare.
  const [all, one] = await Promise.all(keys.map((k) => c.pttl(k)));
  expect(all).toBeGreaterThan(1000);
  expect(all).toBeLessThanOrEqual(1100);
  expect(one).toBeGreaterThan(1900);
  expect(one).toBeLessThanOrEqual(2000);
});
