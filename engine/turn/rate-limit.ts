/**
 * Token buckets for a channel's sending limits, per channel and per customer, in this process. With
 * several instances each keeps its own buckets, so an operator divides the platform's limits by the
 * number of instances (or relies on the channel's own 429 handling for the rest).
 */
export interface Rate {
  perSecond: number;
  burst: number;
  perCustomerPerSecond: number;
  customerBurst: number;
}

const MAX_BUCKETS = 50_000;

export function createRateLimiter(clock: () => number = () => performance.now()) {
  const buckets = new Map<string, { tokens: number; at: number }>();

  function level(key: string, perSecond: number, burst: number): { tokens: number; at: number } {
    const t = clock();
    const b = buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    return b;
  }

  function prune(): void {
    if (buckets.size <= MAX_BUCKETS) return;
    // A bucket that has refilled holds nothing worth remembering.
    for (const [key, b] of buckets) if (clock() - b.at > 60_000) buckets.delete(key);
  }

  return {
    /** Milliseconds until a message to `user` may go; 0 means now, and its tokens are taken. */
    reserve(channel: string, user: string, rate: Rate): number {
      const all = level(channel, rate.perSecond, rate.burst);
      const one = level(`${channel}\u0000${user}`, rate.perCustomerPerSecond, rate.customerBurst);
      const wait = Math.max(all.tokens >= 1 ? 0 : ((1 - all.tokens) / rate.perSecond) * 1000, one.tokens >= 1 ? 0 : ((1 - one.tokens) / rate.perCustomerPerSecond) * 1000);
      if (wait > 0) return Math.ceil(wait);
      all.tokens -= 1;
      one.tokens -= 1;
      buckets.set(channel, all);
      buckets.set(`${channel}\u0000${user}`, one);
      prune();
      return 0;
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
