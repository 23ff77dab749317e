import type { Rate, RateLimiter } from '../../../engine/turn/rate-limit.ts';
import type { RedisClient } from './connection.ts';

// The outbox's token buckets (engine/turn/rate-limit.ts) kept in Redis, so every instance draws on the
// same ones and a platform's sending limits hold for the deployment, not per instance. One script
// refills and takes from both buckets at once. Keys: <prefix>rate:{<channel>} for the channel and
// <prefix>rate:{<channel>}:<customer> for one customer, hashes of tokens (t) and the time they were
// counted at (a); the channel is the hash tag, so both keys of a reservation share a Cluster slot.
// A key expires once its bucket would have refilled, when it is no different from an absent one.
//
// Time is the caller's clock (ms): Redis's TIME would not move with a test's clock. Instances' clocks
// differ a little, so a bucket's time only moves forward: a clock behind it refills nothing, and its
// wait counts from the bucket's time.

const RESERVE = `
local now = tonumber(ARGV[1])
local function level(key, rate, burst)
  local s = redis.call('HMGET', key, 't', 'a')
  local tokens, at = tonumber(s[1]), tonumber(s[2])
  if not tokens or not at then return burst, now end
  tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
  return tokens, math.max(at, now)
end
local function wait(tokens, at, rate)
  if tokens >= 1 then return 0 end
  return at - now + (1 - tokens) / rate * 1000
end
local function take(key, tokens, at, rate, burst)
  redis.call('HSET', key, 't', string.format('%.17g', tokens - 1), 'a', string.format('%.17g', at))
  redis.call('PEXPIRE', key, math.ceil(at - now + (burst - tokens + 1) / rate * 1000) + 1000)
end
local rate, burst, crate, cburst = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local all, allAt = level(KEYS[1], rate, burst)
local one, oneAt = level(KEYS[2], crate, cburst)
local ms = math.max(wait(all, allAt, rate), wait(one, oneAt, crate))
if ms > 0 then return math.ceil(ms) end
take(KEYS[1], all, allAt, rate, burst)
take(KEYS[2], one, oneAt, crate, cburst)
return 0`;

interface Scripts {
  rateReserve(channelKey: string, customerKey: string, now: number, perSecond: number, burst: number, perCustomerPerSecond: number, customerBurst: number): Promise<number>;
}

export interface RedisRateLimitOptions {
  /** Borrowed, not closed: the Redis store's client. */
  client: RedisClient;
  prefix?: string;
  /** Milliseconds; the instances' wall clock unless a test moves its own. */
  clock?: () => number;
}

export function createRedisRateLimiter(o: RedisRateLimitOptions): RateLimiter {
  const r = o.client as RedisClient & Scripts;
  if (!('rateReserve' in r)) o.client.defineCommand('rateReserve', { numberOfKeys: 2, lua: RESERVE });
  const prefix = o.prefix ?? 'intake:';
  const clock = o.clock ?? Date.now;
  return {
    async reserve(channel: string, user: string, rate: Rate): Promise<number> {
      // Escaped, so a channel name cannot end the hash tag early or start another.
      const base = `${prefix}rate:{${encodeURIComponent(channel)}}`;
      return Number(await r.rateReserve(base, `${base}:${user}`, clock(), rate.perSecond, rate.burst, rate.perCustomerPerSecond, rate.customerBurst));
    },
  };
}
