import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config.ts';
import { openStore } from '../../engine/open-store.ts';
import { freePort, hasRedisServer } from '../helpers/redis-server.ts';

// REDIS_URL carries the password and the database number through to the store.

const PASSWORD = 's3cret-for-tests';
let port = 0;
let dir = '';
let stop: (() => void) | undefined;

beforeAll(async () => {
  if (!hasRedisServer()) throw new Error('redis-server is needed: apt-get install -y redis-server redis-tools');
  port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'intake-redis-auth-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--requirepass', PASSWORD], { stdio: 'ignore' });
  stop = () => child.kill('SIGKILL');
  const probe = new Redis({ port, password: PASSWORD, lazyConnect: true, retryStrategy: () => 50 });
  // Refused connections are expected until the server is up.
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    if (await probe.ping().then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  probe.disconnect();
});
afterAll(() => {
  stop?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('uses the password and database number in REDIS_URL', async () => {
  const store = openStore(loadConfig({ REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}/3`, REDIS_PREFIX: 'auth:' }));
  expect(store.kind).toBe('redis');
  await store.commit({ messages: [{ conversationId: 'c1', n: 0, author: 'customer', text: 'hi', at: '2026-11-24T08:00:00.000Z' }] });
  expect((await store.listMessages('c1')).map((m) => m.text)).toEqual(['hi']);
  await store.close();
  const admin = new Redis({ port, password: PASSWORD });
  expect(await admin.dbsize()).toBe(0);
  await admin.select(3);
  expect(await admin.dbsize()).toBeGreaterThan(0);
  await admin.quit();
});

it('a wrong password fails clearly instead of hanging', async () => {
  const store = openStore(loadConfig({ REDIS_URL: `redis://:wrong@127.0.0.1:${port}/0`, REDIS_PREFIX: 'auth:' }));
  const err = await Promise.race([store.getConversation('x').then(() => null, (e: unknown) => e), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
  expect(String(err)).toMatch(/WRONGPASS|NOAUTH|invalid username-password/i);
  await store.close().catch(() => {});
});
