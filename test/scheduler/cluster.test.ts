import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisScheduler } from '../../adapters/store/redis/redis-scheduler.ts';
import { createRedisLeases } from '../../adapters/store/redis/redis-leases.ts';
import { spawnCluster, type TestCluster } from '../helpers/redis-server.ts';
import { schedulerConformance } from './conformance.ts';

// The scheduler's and the leases' scripts keep their keys in one hash slot each, so they run on a
// Redis Cluster of three masters as they do on one server.

let cluster: TestCluster;
let n = 0;
let prefix = '';
beforeAll(async () => {
  cluster = await spawnCluster(3);
});
afterAll(async () => cluster?.dispose());

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
