import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisStore, type RedisStore } from '../../adapters/store/redis/redis-store.ts';
import { testRedis, type TestRedis } from '../helpers/redis-server.ts';
import { storeConformance } from './conformance.ts';
import { loadConfig } from '../../engine/config.ts';
import { openStore } from '../../engine/open-store.ts';
import { isAppError } from '../../engine/errors.ts';
import { multiBucketSuite, usualTurnSuite } from './redis-shared.ts';

// A redis-server of our own on a free port (or REDIS_URL when given). Every store gets its own key
// prefix, so runs never see each other's data and nothing needs flushing.
let server: TestRedis;
beforeAll(async () => {
  server = await testRedis();
});
const used = new Set<string>();
afterAll(async () => {
  // On a server given by REDIS_URL, remove exactly what these tests wrote; never FLUSH.
  if (process.env.REDIS_URL && server) {
    const client = new Redis(server.url);
    for (const prefix of used) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await client.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    await client.quit();
  }
  await server?.dispose();
});

const newPrefix = () => {
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  used.add(prefix);
  return prefix;
};

function factory(buckets?: number) {
  let prefix = '';
  const open = (p: string) => createRedisStore({ settings: { url: server.url }, prefix: p, ...(buckets ? { buckets } : {}) });
  return {
    open: async () => open((prefix = newPrefix())),
    reopen: async () => open(prefix),
  };
}

// Single instance: one bucket, every commit one script.
storeConformance('redis', factory());
// The same server with 16 buckets: location pointers and multi-bucket commits, as in a cluster.
storeConformance('redis (16 buckets)', factory(16));

const shared = { client: () => new Redis(server.url), prefix: newPrefix };
usualTurnSuite('redis', shared, 1);
usualTurnSuite('redis (16 buckets)', shared, 16);
multiBucketSuite('redis (16 buckets)', { ...shared, buckets: 16 });

describe('redis store: setup', () => {
  it('keeps the bucket count of existing data and refuses a different one', async () => {
    const prefix = newPrefix();
    const a = createRedisStore({ settings: { url: server.url }, prefix, buckets: 8 });
    expect(await a.bucketCount()).toBe(8);
    await a.close();
    const b = createRedisStore({ settings: { url: server.url }, prefix });
    expect(await b.bucketCount()).toBe(8);
    await b.close();
    const c: RedisStore = createRedisStore({ settings: { url: server.url }, prefix, buckets: 4 });
    await expect(c.getConversation('x')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await c.close();
  });

  it('shares a client between stores and leaves it open on close', async () => {
    const client = new Redis(server.url);
    const a = createRedisStore({ client, prefix: newPrefix() });
    const b = createRedisStore({ client, prefix: newPrefix() });
    await a.commit({ messages: [{ conversationId: 'c1', n: 0, author: 'customer', text: 'a', at: '2026-11-24T08:00:00.000Z' }] });
    expect(await b.listMessages('c1')).toEqual([]);
    await a.close();
    await b.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('is what the configuration picks when REDIS_URL is set, and SQLite stays the default', async () => {
    expect(loadConfig({ DATA_DIR: '/tmp/x' }).STORE).toBe('sqlite');
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' }).STORE).toBe('redis');
    expect(loadConfig({ REDIS_URL: 'redis://h', STORE: 'memory' }).STORE).toBe('memory');
    const config = loadConfig({ REDIS_URL: server.url, REDIS_PREFIX: newPrefix() });
    expect(config.STORE).toBe('redis');
    const store = openStore(config);
    expect(store.kind).toBe('redis');
    await store.commit({ messages: [{ conversationId: 'c1', n: 0, author: 'customer', text: 'hi', at: '2026-11-24T08:00:00.000Z' }] });
    expect(await store.listMessages('c1')).toHaveLength(1);
    await store.close();
  });

  it('rejects a bad REDIS_URL naming the variable, never echoing the password', () => {
    for (const url of ['http://h:6379', 'redis://:s3cret@h:99999', 'redis://:s3cret@h:6379/db', 'redis://:s3cret@']) {
      let message = '';
      try {
        loadConfig({ REDIS_URL: url });
      } catch (err) {
        expect(isAppError(err, 'CONFIG_INVALID')).toBe(true);
        message = (err as Error).message;
      }
      expect(message, url).toMatch(/REDIS_URL/);
      expect(message).not.toMatch(/s3cret/);
    }
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'h1:7000,h2' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => openStore({ STORE: 'redis', DATA_DIR: '.', SQLITE_SYNCHRONOUS: 'FULL' })).toThrow(/REDIS_URL/);
  });
});
