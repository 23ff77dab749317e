import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createMemoryScheduler } from '../../adapters/store/memory/memory-scheduler.ts';
import { createSqliteScheduler } from '../../adapters/store/sqlite/sqlite-scheduler.ts';
import { createRedisScheduler } from '../../adapters/store/redis/redis-scheduler.ts';
import { testRedis, type TestRedis } from '../helpers/redis-server.ts';
import { schedulerConformance } from './conformance.ts';

const dirs: string[] = [];
let dir = '';
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

schedulerConformance('memory', { open: async () => createMemoryScheduler() });

schedulerConformance('sqlite', {
  open: async () => {
    dir = mkdtempSync(join(tmpdir(), 'intake-sched-'));
    dirs.push(dir);
    return createSqliteScheduler({ dataDir: dir });
  },
  reopen: async () => createSqliteScheduler({ dataDir: dir }),
});

let redis: TestRedis;
let prefix = '';
let n = 0;
beforeAll(async () => {
  redis = await testRedis();
});
afterAll(async () => redis?.dispose());

schedulerConformance('redis', {
  open: async () => {
    prefix = `test-sched-${process.pid}-${++n}:`;
    return createRedisScheduler({ settings: { url: redis.url }, prefix });
  },
  reopen: async () => createRedisScheduler({ settings: { url: redis.url }, prefix }),
});
