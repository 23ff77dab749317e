import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisLeases } from '../../adapters/store/redis/redis-leases.ts';
import { isAppError } from '../../engine/errors.ts';
import type { Leases } from '../../engine/turn/leases.ts';
import { testRedis, type TestRedis } from '../helpers/redis-server.ts';

let redis: TestRedis;
const open: Leases[] = [];
let n = 0;
beforeAll(async () => {
  redis = await testRedis();
});
afterAll(async () => {
  await Promise.all(open.map((l) => l.close()));
  await redis?.dispose();
});

/** An instance's lease client: its own connection, as a separate process would have. */
function instance(over: { ttlMs?: number; waitMs?: number } = {}, prefix = `test-lease-${process.pid}-${n}:`) {
  const l = createRedisLeases({ settings: { url: redis.url }, prefix, ttlMs: 2_000, waitMs: 5_000, ...over });
  open.push(l);
  return l;
}

describe('Redis leases: one conversation at a time across instances', () => {
  it('runs the holders of one key one at a time, in arrival order, and other keys in parallel', async () => {
    n++;
    const [a, b, c] = [instance(), instance(), instance()];
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    const turn = async (who: Leases, label: string, key = 'web:u1') => {
      const lease = await who.acquire(key);
      inside++;
      most = Math.max(most, inside);
      log.push(`${label}+`);
      await new Promise((r) => setTimeout(r, 15));
      log.push(`${label}-`);
      inside--;
      await lease.release();
    };
    // Arrival means reaching Redis: each next message is sent once the previous one is queued there,
    // from another instance's connection, so the expected order does not depend on the machine's load.
    const { Redis } = await import('ioredis');
    const watcher = new Redis(redis.url);
    const queued = () => watcher.zcard(`test-lease-${process.pid}-${n}:lease:{web:u1}:q`);
    const first = turn(a, 'm1');
    while (log.length === 0) await new Promise((r) => setTimeout(r, 2));
    // Another conversation, while this one is busy: it does not wait.
    const otherKey = turn(c, 'x', 'web:u2');
    const rest: Array<Promise<void>> = [];
    for (const [i, who] of [b, c, a, b, c].entries()) {
      rest.push(turn(who, `m${i + 2}`));
      for (let k = 0; k < 500 && (await queued()) < i + 1; k++) await new Promise((r) => setTimeout(r, 1));
    }
    watcher.disconnect();
    await Promise.all([first, ...rest, otherKey]);
    const order = log.filter((e) => e.endsWith('+') && e !== 'x+');
    expect(order).toEqual(['m1+', 'm2+', 'm3+', 'm4+', 'm5+', 'm6+']);
    // The other conversation did not wait for this one.
    expect(log.indexOf('x+')).toBeLessThan(log.indexOf('m6+'));
    expect(most).toBe(2);
  });

  it('a holder that dies blocks the conversation no longer than the lease', async () => {
    n++;
    const dead = instance({ ttlMs: 400 });
    await dead.acquire('web:u9');
    // The process is gone: no release, and no renewals either.
    await dead.close();
    const started = Date.now();
    const lease = await instance({ ttlMs: 400 }).acquire('web:u9');
    const waited = Date.now() - started;
    await lease.release();
    expect(waited).toBeLessThan(2_000);
  });

  it('gives up with UNAVAILABLE when the conversation stays busy past the wait', async () => {
    n++;
    const holder = await instance().acquire('web:u7');
    const err = await instance({ waitMs: 150 }).acquire('web:u7').catch((e: unknown) => e);
    expect(isAppError(err, 'UNAVAILABLE')).toBe(true);
    await holder.release();
    // The one that gave up left the queue: the next comer gets the lease at once.
    const next = await instance({ waitMs: 300 }).acquire('web:u7');
    await next.release();
  });
});
