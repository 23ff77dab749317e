import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../adapters/store/memory/memory-store.ts';
import { createMemoryScheduler } from '../../adapters/store/memory/memory-scheduler.ts';
import { createEngine } from '../../engine/engine.ts';
import { silentLogger } from '../../engine/log.ts';
import { fileOutage, harness, pack } from '../helpers/harness.ts';

// Deadlines are alarms in the scheduler. Time only moves when the test moves the clock.

const HOUR = 3_600_000;

async function fileUrgent(h: ReturnType<typeof harness>, user = 'esc1') {
  return (await fileOutage(h, user, { updates: '2' })).ticketId!;
}

const advance = (h: ReturnType<typeof harness>, ms: number) => (h.clock.now = new Date(h.clock.now.getTime() + ms));

describe('deadlines escalate by themselves', () => {
  it('an unanswered ticket is marked overdue at its respond-by time and goes one level up, once', async () => {
    const scheduler = createMemoryScheduler();
    const h = harness({ scheduler });
    const id = await fileUrgent(h);
    const ticket = (await h.store.getTicket(id))!;
    expect(await scheduler.get(`${id}:respond`)).toMatchObject({ runAt: ticket.respondBy });
    expect(await scheduler.get(`${id}:resolve`)).toMatchObject({ runAt: ticket.resolveBy });

    advance(h, 3 * HOUR + 59 * 60_000);
    expect(await h.engine.runJobs()).toBe(0);
    advance(h, 2 * 60_000);
    expect(await h.engine.runJobs()).toBe(1);
    const overdue = (await h.store.getTicket(id))!;
    expect(overdue.escalationLevel).toBe(2);
    expect(overdue.overdue).toEqual(['respond']);
    expect(overdue.timeline.at(-1)).toMatchObject({ type: 'overdue', by: 'system', data: { deadline: 'respond', from: 1, level: 2, role: 'supervisor' } });
    expect(await h.engine.runJobs()).toBe(0);
    expect((await h.store.getTicket(id))!.timeline.filter((e) => e.type === 'overdue')).toHaveLength(1);
  });

  it('an answered ticket is not escalated at respond-by, and its alarm is called off', async () => {
    const scheduler = createMemoryScheduler();
    const h = harness({ scheduler });
    const id = await fileUrgent(h);
    await h.engine.ticketEvent(id, { type: 'acknowledged', message: 'We are on it.' });
    expect(await scheduler.get(`${id}:respond`)).toBeNull();
    expect(await scheduler.get(`${id}:resolve`)).not.toBeNull();
    advance(h, 5 * HOUR);
    await h.engine.runJobs();
    expect((await h.store.getTicket(id))!.escalationLevel).toBe(1);
  });

  it('an unresolved ticket escalates at resolve-by, then climbs the ladder at the times the pack names', async () => {
    const scheduler = createMemoryScheduler();
    const h = harness({ scheduler });
    const id = await fileUrgent(h);
    await h.engine.ticketEvent(id, { type: 'progress', message: 'Crew sent.' });
    const { resolveBy } = (await h.store.getTicket(id))!;
    h.clock.now = new Date(Date.parse(resolveBy) + 1000);
    await h.engine.runJobs();
    let t = (await h.store.getTicket(id))!;
    expect(t.escalationLevel).toBe(2);
    expect(t.overdue).toEqual(['resolve']);
    // power-utility: department head 72 h overdue, executive 120 h (the supervisor rung, 48 h, is already passed).
    expect(await scheduler.get(`${id}:level3`)).toMatchObject({ runAt: new Date(Date.parse(resolveBy) + 72 * HOUR).toISOString() });
    h.clock.now = new Date(Date.parse(resolveBy) + 48 * HOUR + 1000);
    await h.engine.runJobs();
    expect((await h.store.getTicket(id))!.escalationLevel).toBe(2);
    h.clock.now = new Date(Date.parse(resolveBy) + 72 * HOUR + 1000);
    await h.engine.runJobs();
    t = (await h.store.getTicket(id))!;
    expect(t.escalationLevel).toBe(3);
    expect(t.timeline.at(-1)).toMatchObject({ type: 'escalated', data: { level: 3, role: 'department_head' } });
    await h.engine.ticketEvent(id, { type: 'resolved', message: 'Fixed.' });
    expect(await scheduler.get(`${id}:level4`)).toBeNull();
    h.clock.now = new Date(Date.parse(resolveBy) + 200 * HOUR);
    await h.engine.runJobs();
    expect((await h.store.getTicket(id))!.escalationLevel).toBe(3);
  });

  it('a job claimed by an instance that died is taken over after its lease, and its effect happens once', async () => {
    const store = createMemoryStore();
    const scheduler = createMemoryScheduler();
    const h = harness({ store, scheduler });
    const id = await fileUrgent(h);
    advance(h, 5 * HOUR);
    // Instance A claims the respond alarm and dies before applying it.
    const [lost] = await scheduler.claim(h.clock.now.toISOString(), 60_000, 10);
    expect(lost?.id).toBe(`${id}:respond`);
    expect(await h.engine.runJobs()).toBe(0);
    advance(h, 61_000);
    // Two live instances on the same store and scheduler race for it.
    const other = createEngine({ pack: pack(), store, scheduler, log: silentLogger(), now: () => h.clock.now, retryEveryMs: 0, jobEveryMs: 0 });
    await Promise.all([h.engine.runJobs(), other.runJobs(), h.engine.runJobs()]);
    const t = (await h.store.getTicket(id))!;
    expect(t.timeline.filter((e) => e.type === 'overdue')).toHaveLength(1);
    expect(t.escalationLevel).toBe(2);
    expect(await scheduler.get(`${id}:respond`)).toBeNull();
  });

  it('a job run again after its effect was committed (crash before completion) changes nothing', async () => {
    const scheduler = createMemoryScheduler();
    const h = harness({ scheduler });
    const id = await fileUrgent(h);
    advance(h, 5 * HOUR);
    const job = (await scheduler.get(`${id}:respond`))!;
    await h.engine.runJobs();
    // The same job comes back as if its completion had been lost.
    await scheduler.schedule(job.id, job.runAt, job.payload);
    await h.engine.runJobs();
    const t = (await h.store.getTicket(id))!;
    expect(t.timeline.filter((e) => e.type === 'overdue')).toHaveLength(1);
    expect(t.escalationLevel).toBe(2);
  });
});

describe('deadlines on Redis, several instances', () => {
  it('three instances sharing a Redis store and scheduler escalate an overdue ticket once', async () => {
    const { testRedis } = await import('../helpers/redis-server.ts');
    const { createRedisStore } = await import('../../adapters/store/redis/redis-store.ts');
    const { createRedisScheduler } = await import('../../adapters/store/redis/redis-scheduler.ts');
    const redis = await testRedis();
    const prefix = `esc-${process.pid}-${Date.now()}:`;
    const open = () => {
      const store = createRedisStore({ settings: { url: redis.url }, prefix });
      return { store, scheduler: createRedisScheduler({ client: store.client, prefix }) };
    };
    const first = open();
    const h = harness(first);
    try {
      const ids = [await fileUrgent(h, 'r1'), await fileUrgent(h, 'r2')];
      advance(h, 5 * HOUR);
      const others = [open(), open()].map((o) => createEngine({ pack: pack(), ...o, log: silentLogger(), now: () => h.clock.now, retryEveryMs: 0, jobEveryMs: 0 }));
      await Promise.all([h.engine.runJobs(), ...others.map((e) => e.runJobs())]);
      await Promise.all([h.engine.runJobs(), ...others.map((e) => e.runJobs())]);
      for (const id of ids) {
        const t = (await h.store.getTicket(id))!;
        expect(t.timeline.filter((e) => e.type === 'overdue')).toHaveLength(1);
        expect(t.escalationLevel).toBe(2);
        expect(await first.scheduler.get(`${id}:respond`)).toBeNull();
      }
      await Promise.all(others.map((e) => e.stop()));
    } finally {
      await h.engine.stop();
      await redis.dispose();
    }
  });
});
