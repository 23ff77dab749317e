import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, isCluster } from '../../adapters/store/redis/connection.ts';
import { createRedisStore } from '../../adapters/store/redis/redis-store.ts';
import { KeyLayout } from '../../adapters/store/redis/keys.ts';
import { spawnCluster, type TestCluster } from '../helpers/redis-server.ts';
import { storeConformance } from './conformance.ts';
import { multiBucketSuite, usualTurnSuite } from './redis-shared.ts';

// A Redis Cluster of three masters of our own (redis-server --cluster-enabled yes on free ports,
// joined with redis-cli --cluster create). Scripts there may only touch keys of one slot, so this is
// where the bucket layout and the multi-bucket commits are really put to the test.
let cluster: TestCluster;
beforeAll(async () => {
  cluster = await spawnCluster(3);
}, 60_000);
afterAll(async () => {
  await cluster?.dispose();
});

const newPrefix = () => `t${randomBytes(4).toString('hex')}:`;
const settings = () => ({ clusterNodes: cluster.nodes });

let current = '';
storeConformance('redis cluster', {
  open: async () => createRedisStore({ settings: settings(), prefix: (current = newPrefix()) }),
  reopen: async () => createRedisStore({ settings: settings(), prefix: current }),
});

const shared = { client: () => connectRedis(settings()), prefix: newPrefix };
usualTurnSuite('redis cluster', shared, 256);
multiBucketSuite('redis cluster', shared);

describe('redis store on a cluster', () => {
  it('uses 256 buckets spread over all three masters', async () => {
    const store = createRedisStore({ settings: settings(), prefix: newPrefix() });
    expect(isCluster(store.client)).toBe(true);
    const layout = new KeyLayout('x:', await store.bucketCount());
    expect(layout.buckets).toBe(256);
    const masters = new Set<string>();
    for (let b = 0; b < layout.buckets; b += 17) {
      const slot = Number(await (store.client as unknown as { call(...a: string[]): Promise<unknown> }).call('CLUSTER', 'KEYSLOT', layout.key(b, 'c:x')));
      expect(slot).toBe(b * 64);
      const nodes = (store.client as unknown as { slots: string[][] }).slots[slot]!;
      masters.add(nodes[0]!);
    }
    expect(masters.size).toBe(3);
    await store.close();
  });
});
