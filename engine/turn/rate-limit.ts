/**
 * Token buckets for a channel's sending limits: one per channel and one per channel and customer. This
 * one keeps them in the process, which is right for one instance (memory and SQLite stores); with Redis
 * the service uses adapters/store/redis/redis-rate-limit.ts instead, the same buckets kept in Redis and
 * shared by every instance, so the platform's limits hold for the deployment as a whole.
 *
 * Both follow the same rules: a bucket refills at its rate up to its burst, and a clock that steps back
 * (or an instance whose clock is behind the one that last took a token) refills nothing and never moves
 * a bucket's time back.
 */
export interface Rate {
  perSecond: number;
  burst: number;
  perCustomerPerSecond: number;
  customerBurst: number;
}

export interface RateLimiter {
  /** Milliseconds until a message to `user` may go; 0 means now, and its tokens are taken. */
  reserve(channel: string, user: string, rate: Rate): Promise<number>;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 50_000;

/**
 * `buckets` is where the levels live: two limiters given the same map share them, as two instances
 * share the Redis limiter's keys (the tests use this).
 */
export function createRateLimiter(clock: () => number = () => performance.now(), buckets = new Map<string, Bucket>()): RateLimiter {
  function level(key: string, perSecond: number, burst: number, t: number): Bucket {
    const b = buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, t - b.at) / 1000) * perSecond);
    b.at = Math.max(b.at, t);
    return b;
  }

  /** Until one token is back: counted from the bucket's time, which may be ahead of this clock. */
  const wait = (b: Bucket, perSecond: number, t: number): number => (b.tokens >= 1 ? 0 : b.at - t + ((1 - b.tokens) / perSecond) * 1000);

  function prune(t: number): void {
    if (buckets.size <= MAX_BUCKETS) return;
    // A bucket that has refilled holds nothing worth remembering.
    for (const [key, b] of buckets) if (t - b.at > 60_000) buckets.delete(key);
  }

  return {
    async reserve(channel, user, rate) {
      const t = clock();
      const all = level(channel, rate.perSecond, rate.burst, t);
      const one = level(`${channel}\u0000${user}`, rate.perCustomerPerSecond, rate.customerBurst, t);
      const ms = Math.max(wait(all, rate.perSecond, t), wait(one, rate.perCustomerPerSecond, t));
      if (ms > 0) return Math.ceil(ms);
      all.tokens -= 1;
      one.tokens -= 1;
      buckets.set(channel, all);
      buckets.set(`${channel}\u0000${user}`, one);
      prune(t);
      return 0;
    },
  };
}
