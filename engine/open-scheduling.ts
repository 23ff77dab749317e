import { resolve } from 'node:path';
import type { Config } from './config.ts';
import type { Store } from './store.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import type { Leases } from './turn/leases.ts';
import type { RateLimiter } from './turn/rate-limit.ts';
import type { RedisClient } from '../adapters/store/redis/connection.ts';
import { createMemoryScheduler } from '../adapters/store/memory/memory-scheduler.ts';
import { createSqliteScheduler } from '../adapters/store/sqlite/sqlite-scheduler.ts';
import { createRedisScheduler } from '../adapters/store/redis/redis-scheduler.ts';
import { createRedisLeases } from '../adapters/store/redis/redis-leases.ts';
import { createRedisRateLimiter } from '../adapters/store/redis/redis-rate-limit.ts';

type SchedulingConfig = Pick<Config, 'DATA_DIR' | 'SQLITE_SYNCHRONOUS' | 'REDIS_PREFIX' | 'LEASE_TTL_MS' | 'LEASE_WAIT_MS'>;

/**
 * The scheduler beside the store, and with Redis the conversation leases and the channels' sending
 * limits that let several instances share it. They borrow the Redis store's connection: one client per
 * instance. Without Redis the engine keeps its rate limits in the process.
 */
export function openScheduling(config: SchedulingConfig, store: Store): { scheduler: Scheduler; leases?: Leases; limiter?: RateLimiter } {
  if (store.kind === 'redis' && 'client' in store) {
    const client = store.client as RedisClient;
    const prefix = config.REDIS_PREFIX;
    return {
      scheduler: createRedisScheduler({ client, prefix }),
      leases: createRedisLeases({ client, prefix, ttlMs: config.LEASE_TTL_MS, waitMs: config.LEASE_WAIT_MS }),
      limiter: createRedisRateLimiter({ client, prefix }),
    };
  }
  if (store.kind === 'memory') return { scheduler: createMemoryScheduler() };
  return { scheduler: createSqliteScheduler({ dataDir: resolve(config.DATA_DIR), synchronous: config.SQLITE_SYNCHRONOUS }) };
}
