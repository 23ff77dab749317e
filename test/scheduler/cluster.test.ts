import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisScheduler } from '../../adapters/store/redis/redis-scheduler.ts';
import { createRedisLeases } from '../../adapters/store/redis/redis-leases.ts';
import { createRedisRateLimiter } from '../../adapters/store/redis/redis-rate-limit.ts';
import { connectRedis, type RedisClient } from '../../adapters/store/redis/connection.ts';
import { spawnCluster, type TestCluster } from '../helpers/redis-server.ts';
import { schedulerConformance } from './conformance.ts';
import { rateLimiterConformance } from '../channels/rate-limit-conformance.ts';

// The scheduler's, the leases' and the rate limiter's scripts keep their keys in one hash slot each,
// so they run on a Redis Cluster of three masters as they do on one server.

let cluster: TestCluster;
let n = 0;
let prefix = '';
beforeAll(async () => {
  cluster = await spawnCluster(3);
});
const clients: RedisClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
  await cluster?.dispose();
});

schedulerConformance('redis cluster', {
  open: async () => {
    prefix = `sched-${++n}:`;
    return createRedisScheduler({ settings: { clusterNodes: cluster.nodes }, prefix });
  },
  reopen: async () => createRedisScheduler({ settings: { clusterNodes: cluster.nodes }, prefix }),
});

it('leases work on a cluster: conversations on different masters, one holder each', async () => {
  const a = createRedisLeases({ settings: { clusterNodes: cluster.nodes }, ttlMs: 2000, waitMs: 150 });
  const b = createRedisLeases({ settings: { clusterNodes: cluster.nodes }, ttlMs: 2000, waitMs: 150 });
  const keys = Array.from({ length: 12 }, (_, i) => `web:user-${i}`);
  const held = await Promise.all(keys.map((k) => a.acquire(k)));
  for (const k of keys.slice(0, 3)) await expect(b.acquire(k)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  await Promise.all(held.map((l) => l.release()));
  const again = await Promise.all(keys.map((k) => b.acquire(k)));
  await Promise.all(again.map((l) => l.release()));
  await a.close();
  await b.close();
});

rateLimiterConformance('redis cluster', {
  backend: async () => {
    const prefix = `rate-${++n}:`;
    return (clock) => {
      const client = connectRedis({ clusterNodes: cluster.nodes }, 'test-rate-limit');
      clients.push(client);
      return createRedisRateLimiter({ client, prefix, clock });
    };
  },
});
