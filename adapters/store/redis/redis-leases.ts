import { randomUUID } from 'node:crypto';
import { AppError } from '../../../engine/errors.ts';
import type { Lease, Leases } from '../../../engine/turn/leases.ts';
import { connectRedis, type RedisClient, type RedisSettings } from './connection.ts';

// A fair lock per conversation: waiters queue in a sorted set by arrival number and the lock goes to
// the head of the queue only, so turns that arrive at different instances run in arrival order.
// Waiters refresh a last-seen time while they wait; one that stops asking (its instance died) is
// dropped once it has been silent for a lease, so it cannot block the queue. Time is Redis's own
// (TIME), so instances' clocks do not matter. Keys: lock, queue, last-seen, arrival counter; all
// share the conversation's hash tag and expire when idle.

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local me = ARGV[1]
if not redis.call('ZSCORE', KEYS[2], me) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), me)
end
redis.call('HSET', KEYS[3], me, now)
local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
while head and head ~= me do
  local seen = tonumber(redis.call('HGET', KEYS[3], head) or '0')
  if seen >= now - ttl then break end
  redis.call('ZREM', KEYS[2], head)
  redis.call('HDEL', KEYS[3], head)
  head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
end
local got = 0
if head == me and redis.call('SET', KEYS[1], me, 'NX', 'PX', ttl) then
  redis.call('ZREM', KEYS[2], me)
  redis.call('HDEL', KEYS[3], me)
  got = 1
end
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ttl * 4) end
return got`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const GIVE_UP = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 0`;

interface Scripts {
  leaseAcquire(lock: string, queue: string, seen: string, seq: string, token: string, ttl: number): Promise<number>;
  leaseRelease(lock: string, token: string): Promise<number>;
  leaseRenew(lock: string, token: string, ttl: number): Promise<number>;
  leaseGiveUp(queue: string, seen: string, token: string): Promise<number>;
}

export interface RedisLeaseOptions {
  client?: RedisClient;
  settings?: RedisSettings;
  prefix?: string;
  /** How long a dead holder can block a conversation. */
  ttlMs?: number;
  /** How long a turn waits for its conversation before giving up with UNAVAILABLE. */
  waitMs?: number;
}

export function createRedisLeases(o: RedisLeaseOptions): Leases {
  const owned = !o.client;
  const client = o.client ?? connectRedis(o.settings ?? {}, 'intake-leases');
  const r = client as RedisClient & Scripts;
  if (!('leaseAcquire' in r)) {
    client.defineCommand('leaseAcquire', { numberOfKeys: 4, lua: ACQUIRE });
    client.defineCommand('leaseRelease', { numberOfKeys: 1, lua: RELEASE });
    client.defineCommand('leaseRenew', { numberOfKeys: 1, lua: RENEW });
    client.defineCommand('leaseGiveUp', { numberOfKeys: 2, lua: GIVE_UP });
  }
  const ttl = o.ttlMs ?? 10_000;
  const waitMs = o.waitMs ?? 15_000;
  const prefix = o.prefix ?? 'intake:';
  return {
    async acquire(key): Promise<Lease> {
      const base = `${prefix}lease:{${key}}`;
      const [lock, queue, seen, seq] = [base, `${base}:q`, `${base}:w`, `${base}:n`];
      const token = randomUUID();
      const started = Date.now();
      for (let pause = 1; ; pause = Math.min(pause * 2, 25)) {
        if ((await r.leaseAcquire(lock, queue, seen, seq, token, ttl)) === 1) break;
        if (Date.now() - started > waitMs) {
          await r.leaseGiveUp(queue, seen, token).catch(() => {});
          throw new AppError('UNAVAILABLE', `conversation busy elsewhere for over ${waitMs} ms`);
        }
        await new Promise((res) => setTimeout(res, pause));
      }
      // A turn longer than a third of the lease keeps it; a dead process stops renewing.
      const renew = setInterval(() => void r.leaseRenew(lock, token, ttl).catch(() => {}), Math.max(50, ttl / 3));
      renew.unref();
      return {
        async release() {
          clearInterval(renew);
          await r.leaseRelease(lock, token);
        },
      };
    },
    async close() {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}
